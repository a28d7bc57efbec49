"""A proposal's comment thread as its page shows it: the page of the thread, each comment's forms, where a
comment is, and what comments.js needs. Every form posts without JavaScript (comments.js only enhances them)
and comes back to the comment's anchor; a form with errors is shown again in its place, with the text that
was typed (see comments.py for the writes)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop, ngettext, pgettext
from django.utils.translation import gettext as _

from cocreate.accounts.blocking import is_blocked
from cocreate.exceptions import NotFound
from proposals import permissions
from proposals.comments_selectors import (
    ORDERINGS,
    comment_get,
    comment_get_to_unmark,
    comment_thread,
    comments_before,
)

from ..forms import CommentForm
from ..pages import plural_forms

COMMENTS_PAGE_SIZE = 50


EDIT_PENDING = gettext_noop(
    "Thank you: your edit is waiting for moderation. Until a moderator approves it, others read your "
    "comment as it was."
)


def _comment_forms(
    user, comment, *, open_for_replies: bool, blocked: bool, failed: tuple, reply_to: int | None
) -> None:
    """Give one comment of the thread what its template needs: whether this viewer reads its text, its edit
    form, whether it offers a reply, and its reply form when it is the one asked for (`reply_to`, from
    ?reply=<id>) or the one that failed, bound. Other comments only link to theirs: one form per page.
    A `blocked` author reads their comment, and why it was hidden, without the forms their block refuses.
    The helpful button is for whoever may mark the comment, or take their mark back; the count is for all."""
    key, form = failed
    comment.helpful_button = not blocked and (
        comment.helpful_by_me or permissions.can_mark_helpful(user, comment)
    )
    comment.readable = permissions.can_read_comment_text(user, comment)
    comment.mine = permissions.is_comment_author(user, comment)
    comment.show_reason = comment.mine or permissions.can_moderate_comments(user)
    comment.deletable = permissions.can_delete_comment(user, comment) and not blocked
    comment.edit_form = None
    if permissions.can_edit_comment(user, comment) and not blocked:
        comment.edit_form = (
            form
            if key == f"edit-{comment.pk}"
            # An edit waiting for moderation is what its author goes on from.
            else CommentForm(
                initial={"body": comment.pending_body if comment.has_pending_edit else comment.body},
                auto_id=f"id_edit{comment.pk}_%s",
            )
        )
    comment.reply_form = None
    comment.can_reply = (
        open_for_replies and comment.parent_id is None and comment.is_published and not comment.is_deleted
    )
    if comment.can_reply and key == f"reply-{comment.pk}":
        comment.reply_form = form
    elif comment.can_reply and comment.pk == reply_to:
        comment.reply_form = CommentForm(auto_id=f"id_reply{comment.pk}_%s", label=_("Your reply"))


def thread_sort(query) -> str:
    """The thread's order asked for (`sort`: one of comments_selectors.ORDERINGS); anything else is the
    default, not an error."""
    sort = query.get("sort", "")
    return sort if sort in ORDERINGS else ORDERINGS[0]


def comments_context(request, proposal, failed=None) -> dict:
    """The thread's page (`?comments=<n>`, in the order `?sort=`) with every form it shows. `failed`: the key
    and bound form of a comment form that came back with errors ("new", "reply-<id>" or "edit-<id>")."""
    user = request.user
    sort = thread_sort(request.GET)
    failed = failed or ("", None)
    open_ = permissions.proposal_open(proposal)
    # A blocked person reads the thread without its reply links, edit and delete forms (comments.html says
    # why), and a blocked moderator without the moderation forms: each would answer 403.
    blocked = is_blocked(user)
    may_write = permissions.can_comment(user, proposal) and not blocked
    thread = comment_thread(proposal=proposal, user=user, ordering=sort)
    page = Paginator(thread, COMMENTS_PAGE_SIZE).get_page(request.GET.get("comments"))
    reply_to = _comment_id_param(request, "reply")
    for comment in page:
        comment.proposal = proposal  # the predicates read it: no query per comment
        _comment_forms(
            user, comment, open_for_replies=may_write, blocked=blocked, failed=failed, reply_to=reply_to
        )
        for reply in comment.shown_replies:
            reply.proposal = proposal
            _comment_forms(user, reply, open_for_replies=False, blocked=blocked, failed=failed, reply_to=None)
    return {
        "comments_page": page,
        "comments_sort": sort,
        "comments_sorts": _sort_links(proposal, sort),
        "comments_open": open_,
        "can_comment": may_write,
        "can_moderate_comments": permissions.can_moderate_comments(user) and not blocked,
        "comment_form": failed[1] if failed[0] == "new" else CommentForm(auto_id="id_comment_%s"),
        # The reply form of a comment that arrives live: comments.js puts the comment's id for the 0.
        "reply_template_form": CommentForm(auto_id="id_reply0_%s", label=_("Your reply")),
        "comments_config": comments_config(proposal, last_page=not page.has_next(), sort=sort),
        # ?report=<id>: the one comment whose report form is shown open (the others link to it).
        "report_comment_id": _comment_id_param(request, "report"),
    }


def _sort_links(proposal, sort: str) -> list[dict]:
    """The thread's orders to choose from, as links to the first page of the thread in each."""
    labels = {"oldest": _("Oldest first"), "helpful": _("Most helpful first")}
    url = proposal.get_absolute_url()
    return [
        {
            "label": labels[name],
            "url": f"{url}?sort={name}#comments" if name != ORDERINGS[0] else f"{url}#comments",
            "current": name == sort,
        }
        for name in ORDERINGS
    ]


def _comment_id_param(request, name: str) -> int | None:
    """A comment id from the query (?reply=, ?report=); anything else is no id, not an error."""
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def comment_anchor(request, comment, sort: str = ORDERINGS[0]) -> str:
    """The proposal page at the comment: on the page of the thread, in the order `sort`, that holds its
    top-level comment."""
    top = comment.parent or comment
    before = comments_before(proposal=comment.proposal, user=request.user, comment=top, ordering=sort)
    number = before // COMMENTS_PAGE_SIZE + 1
    params = [f"sort={sort}"] if sort != ORDERINGS[0] else []
    params += [f"comments={number}"] if number > 1 else []
    query = f"?{'&'.join(params)}" if params else ""
    return f"{reverse('proposal_detail', args=[comment.proposal_id])}{query}#comment-{comment.pk}"


def comment_or_404(request, pk: int, *, to_unmark: bool = False):
    """The comment as comment_get finds it for this reader; `to_unmark`: as comment_get_to_unmark does."""
    find = comment_get_to_unmark if to_unmark else comment_get
    try:
        return find(comment_id=pk, user=request.user)
    except NotFound:
        raise Http404("No such comment.") from None


def comments_config(proposal, *, last_page: bool, sort: str = ORDERINGS[0]) -> dict:
    """Translated strings and URLs for comments.js, rendered with json_script (no inline script)."""
    return {
        "proposal": proposal.pk,
        "comments_url": reverse("proposal-comments", args=[proposal.pk]),
        # The thread's order on this page: a refetch after a reconnect reads the same page of it.
        "ordering": sort,
        "page_url": proposal.get_absolute_url(),
        "comment_url": reverse("comment-detail", args=[0]),
        # New comments go at the end of the thread: only its last page shows them.
        "last_page": last_page,
        "t": {
            "count": plural_forms(lambda n: ngettext("%(count)s comment", "%(count)s comments", n)),
            "new_comments": plural_forms(lambda n: ngettext("%(n)s new comment", "%(n)s new comments", n)),
            "a_citizen": gettext("A citizen"),
            "former_member": gettext("A former member"),
            "official": pgettext("badge on a comment", "Official"),
            "edited": gettext("edited"),
            "deleted": gettext("This comment was deleted by its author."),
            "hidden": gettext("This comment was hidden by moderation."),
            "reply_to": gettext("Reply to %(author)s’s comment"),
            "report_by": gettext("Report this comment by %(author)s"),
            "helpful_by": gettext("comment by %(author)s"),
            "updated": gettext("Your comment is updated."),
            "edit_pending": gettext(EDIT_PENDING),
            "deleted_own": gettext("Your comment is deleted."),
            "published": gettext("Your comment is published."),
            "pending": gettext("Thank you: your comment is waiting for moderation."),
            "error": gettext("Something went wrong. Please try again."),
            "offline": gettext("We could not reach the server. Check your connection and try again."),
        },
    }
