"""Reads of comments: a proposal's thread as one viewer may see it, and one comment to act on."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from cocreate.exceptions import NotFound

from . import permissions
from .models import Comment, Proposal, Visibility


def _readable(user) -> Q:
    """The comments whose text this viewer may read: published ones, plus their own, plus everything for
    moderators; never a deleted one (its text is gone)."""
    standing = Q(deleted_at__isnull=True)
    if permissions.can_moderate(user):
        return standing
    if user.is_authenticated:
        return standing & (Q(visibility=Visibility.PUBLISHED) | Q(author=user))
    return standing & Q(visibility=Visibility.PUBLISHED)


def comment_thread(*, proposal: Proposal, user) -> QuerySet[Comment]:
    """The proposal's top-level comments, oldest first, each with `shown_replies` (oldest first): what this
    viewer may read. A top-level comment whose text they may not read (deleted, or hidden) stays as a
    placeholder while replies to it are shown, so the replies keep their place. Three queries whatever the
    length of the thread: the page of comments, their replies, and the count if paginated."""
    readable = _readable(user)
    replies = Comment.objects.filter(readable).select_related("author").order_by("created_at", "id")
    return (
        Comment.objects.filter(proposal=proposal, parent__isnull=True)
        .annotate(has_replies=Exists(replies.filter(parent=OuterRef("pk"))))
        .filter(readable | Q(has_replies=True, visibility__in=[Visibility.PUBLISHED, Visibility.HIDDEN]))
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="shown_replies"))
        .order_by("created_at", "id")
    )


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
            Comment.objects.filter(seen, proposal__in=proposals)
            .select_related("author", "proposal")
            .get(pk=comment_id)
        )
    except (Comment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("No such comment.")) from None
