"""`{% comment_box %}…{% endcomment_box %}` around a comment's box in comment.html: the box as a reader sees
it who may only read the comment, reply to it and report it, kept in this process by everything it shows,
so that a thread renders each such box once. That is every published comment of someone else's for a
citizen or a visitor; a box with any other control (the author's edit and delete forms, a moderator's
forms, a report form opened or already sent) is rendered each time, with the whole context.

The key holds what the box shows (the comment's text, author's name and badge, dates, language), what the
reader may do with it (reply, report), the proposal and the thread's page and order its links go to, and
the language and time zone. The helpful count and button are not in the box: they change with every mark
and the button is the reader's, so comment.html renders them after it, each time. A comment that changed
has another key, and so has a reader who may do something else with it. A kept box is rendered in a
context of its own with those alone: no request, no user, no CSRF token, so nothing of one reader can be
shown to another.
"""

from django import template
from django.utils import timezone, translation

from ..kept import KeptParts

register = template.Library()

KEPT = 4000  # a busy proposal's threads in both languages; a KB or two each


_kept = KeptParts(KEPT)


def _plain(context, comment) -> bool:
    """Whether the reader only reads, replies to and reports this comment (see the module's docstring)."""
    return (
        comment.readable
        and comment.is_published
        and not comment.mine
        and not comment.show_reason
        and comment.edit_form is None
        and not comment.deletable
        and not context.get("can_moderate_comments")
        and comment.pk not in context.get("flagged_comment_ids", ())
        and comment.pk != context.get("report_comment_id")
    )


def _shown(context, comment) -> tuple:
    author = comment.author
    page = context["comments_page"]
    return (
        translation.get_language(),
        timezone.get_current_timezone_name(),
        context["proposal"].pk,
        page.number,
        context.get("comments_sort"),
        bool(context.get("may_report_comments")),
        bool(comment.can_reply),
        comment.pk,
        comment.parent_id,
        author.public_name if author is not None else None,
        comment.author_is_official,
        comment.created_at,
        bool(comment.edited_at),
        comment.body,
        comment.language,
    )


class CommentBoxNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        comment = context["comment"]
        if not _plain(context, comment):
            return self.nodelist.render(context)

        def render() -> str:
            alone = template.Context(
                {
                    "comment": comment,
                    "proposal": context["proposal"],
                    "comments_page": context["comments_page"],
                    "comments_sort": context.get("comments_sort"),
                    "may_report_comments": context.get("may_report_comments"),
                },
                autoescape=context.autoescape,
                use_l10n=context.use_l10n,
                use_tz=context.use_tz,
            )
            alone.template = context.template
            return self.nodelist.render(alone)

        return _kept.get(_shown(context, comment), render)


@register.tag
def comment_box(parser, token):
    nodelist = parser.parse(("endcomment_box",))
    parser.delete_first_token()
    return CommentBoxNode(nodelist)
