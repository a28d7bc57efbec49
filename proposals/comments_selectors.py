"""Reads of comments: a proposal's thread as one viewer may see it, and one comment to act on."""

from django.db.models import BooleanField, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.utils.translation import gettext as _

from cocreate.exceptions import NotFound

from . import permissions
from .models import THREAD_ORDERINGS, Comment, CommentHelpful, Proposal, Visibility

# A thread's orders (the API's `ordering`, the page's `sort`): the first is the default.
ORDERINGS = tuple(THREAD_ORDERINGS)


def _readable(user) -> Q:
    """The comments whose text this viewer may read: published ones, plus their own, plus everything for
    moderators; never a deleted one (its text is gone)."""
    standing = Q(deleted_at__isnull=True)
    if permissions.can_moderate(user):
        return standing
    if user.is_authenticated:
        return standing & (Q(visibility=Visibility.PUBLISHED) | Q(author=user))
    return standing & Q(visibility=Visibility.PUBLISHED)


def _with_my_marks(comments: QuerySet[Comment], user) -> QuerySet[Comment]:
    """Each comment with `helpful_by_me`: whether this viewer marked it as helpful (never, for a visitor)."""
    if not user.is_authenticated:
        return comments.annotate(helpful_by_me=Value(False, output_field=BooleanField()))
    mine = CommentHelpful.objects.filter(comment=OuterRef("pk"), user=user)
    return comments.annotate(helpful_by_me=Exists(mine))


def comment_thread(*, proposal: Proposal, user, ordering: str = ORDERINGS[0]) -> QuerySet[Comment]:
    """The proposal's top-level comments in `ordering` (THREAD_ORDERINGS: oldest first, or the most helpful
    first), each with `shown_replies` (oldest first): what this viewer may read, each with `helpful_by_me`.
    A top-level comment whose text they may not read (deleted, or hidden) stays as a placeholder while
    replies to it are shown, so the replies keep their place. Three queries whatever the length of the
    thread: the page of comments, their replies, and the count if paginated."""
    readable = _readable(user)
    replies = Comment.objects.filter(readable).select_related("author").order_by("created_at", "id")
    return (
        _with_my_marks(Comment.objects.filter(proposal=proposal, parent__isnull=True), user)
        .annotate(has_replies=Exists(replies.filter(parent=OuterRef("pk"))))
        .filter(readable | Q(has_replies=True, visibility__in=[Visibility.PUBLISHED, Visibility.HIDDEN]))
        .select_related("author")
        .prefetch_related(
            Prefetch("replies", queryset=_with_my_marks(replies, user), to_attr="shown_replies")
        )
        .order_by(*THREAD_ORDERINGS[ordering])
    )


def comments_before(*, proposal: Proposal, user, comment: Comment, ordering: str = ORDERINGS[0]) -> int:
    """How many top-level comments of the thread come before `comment` (a top-level one) in `ordering`: where
    the page of the thread that shows it starts."""
    thread = comment_thread(proposal=proposal, user=user)
    earlier = Q(created_at__lt=comment.created_at) | Q(created_at=comment.created_at, pk__lt=comment.pk)
    if ordering == "helpful":
        earlier = Q(helpful_count__gt=comment.helpful_count) | (
            Q(helpful_count=comment.helpful_count) & earlier
        )
    return thread.filter(earlier).count()


def comment_get(*, comment_id, user) -> Comment:
    """A comment this user may see (read, or find as its placeholder), on a proposal they may see; any other
    comment does not exist for them."""
    proposals = Proposal.objects.visible_to(user)
    if not permissions.can_moderate(user):
        proposals = proposals.in_public_consultations()
    seen = _readable(user) | Q(visibility=Visibility.PUBLISHED)  # a deleted one, to its placeholder
    if user.is_authenticated:
        seen |= Q(author=user)
    try:
        return (
            _with_my_marks(Comment.objects.filter(seen, proposal__in=proposals), user)
            .select_related("author", "proposal")
            .get(pk=comment_id)
        )
    except (Comment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("No such comment.")) from None


def comment_get_to_unmark(*, comment_id, user) -> Comment:
    """A comment this user may take their helpful mark back from: one they may see (comment_get), or one
    they marked, whatever it has become since (hidden, or its proposal no longer shown): a mark can always be
    withdrawn. Any other comment does not exist for them."""
    try:
        return comment_get(comment_id=comment_id, user=user)
    except NotFound:
        if not user.is_authenticated:
            raise
        marked = Comment.objects.filter(pk=comment_id, helpful_marks__user=user).select_related("proposal")
        try:
            return marked.get()
        except (Comment.DoesNotExist, ValueError, TypeError, OverflowError):
            raise NotFound(_("No such comment.")) from None
