"""Helpful marks on comments: a citizen marks a published comment of someone else's as helpful, and may take
the mark back. As a support of a proposal (votes.services), the unique constraint keeps one mark per citizen
per comment, and the count moves in the same transaction by one atomic UPDATE that returns what it wrote;
the new absolute count goes live after commit.

Two statements each, in plain SQL where the ORM has no form for them: an insert that says whether it
inserted (`ON CONFLICT DO NOTHING RETURNING`, so a repeat is no error and needs no savepoint) or a delete
that says whether it deleted, then `UPDATE ... RETURNING` of the comment's count and version. The UPDATE is
the last statement, so the comment's row is locked only from there to the commit. Comments are not as hot
as proposals: no group commit."""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate.exceptions import Conflict, NotAllowed, NotFound, refuse

from .. import permissions
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import Comment, Visibility
from ._common import merged_refusal


@dataclass(frozen=True)
class HelpfulResult:
    comment_id: int
    helpful: int
    version: int
    changed: bool  # False when the call found things already as asked (idempotent repeat)


def _not_published() -> Conflict:
    return Conflict(_("Only published comments can be marked as helpful."), code="comment_not_published")


_HELPFUL_REFUSALS = {
    permissions.EMAIL_UNVERIFIED: lambda: NotAllowed(
        _("Confirm your e-mail address before marking comments as helpful."), code="email_unverified"
    ),
    permissions.OWN_COMMENT: lambda: NotAllowed(
        _("You cannot mark your own comment as helpful."), code="own_comment"
    ),
    permissions.COMMENT_NOT_PUBLISHED: _not_published,
    permissions.PROPOSAL_NOT_PUBLISHED: lambda: Conflict(
        _("Only comments on published proposals can be marked as helpful."), code="proposal_not_published"
    ),
    permissions.PROPOSAL_MERGED: merged_refusal,
    permissions.CONSULTATION_CLOSED: lambda: Conflict(
        _("This consultation is closed: comments can no longer be marked as helpful."),
        code="consultation_closed",
    ),
}

_INSERT_MARK = """
    INSERT INTO proposals_commenthelpful (comment_id, user_id, created_at) VALUES (%s, %s, %s)
    ON CONFLICT (comment_id, user_id) DO NOTHING RETURNING id"""

_DELETE_MARK = "DELETE FROM proposals_commenthelpful WHERE comment_id = %s AND user_id = %s RETURNING id"

# The count and version moved by the database's own arithmetic on the row as it is once locked. A mark
# moves it only while the comment is shown to everyone: published, standing, on a published proposal
# (checked again on the locked row: a moderator may have hidden it since the caller read it); a withdrawal
# whatever the comment's state. It returns whether the comment is shown (the same test): then it goes live.
_MOVE_COUNT = """
    UPDATE proposals_comment
    SET helpful_count = helpful_count + %(delta)s, helpful_version = helpful_version + 1
    WHERE id = %(comment)s AND (%(withdrawal)s OR (
        visibility = %(published)s AND deleted_at IS NULL AND EXISTS (
            SELECT 1 FROM proposals_proposal p WHERE p.id = proposal_id AND p.visibility = %(published)s)))
    RETURNING helpful_count, helpful_version,
        visibility = %(published)s AND deleted_at IS NULL AND EXISTS (
            SELECT 1 FROM proposals_proposal p WHERE p.id = proposal_id AND p.visibility = %(published)s)"""


def _move_count(comment: Comment, delta: int) -> HelpfulResult | None:
    """Call inside the transaction that inserted or deleted the mark, as its last statement. None when the
    count did not move: the caller refuses, and its transaction rolls back."""
    params = {
        "delta": delta,
        "comment": comment.pk,
        "withdrawal": delta < 0,
        "published": Visibility.PUBLISHED.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(_MOVE_COUNT, params)
        moved = cursor.fetchone()
    if moved is None:
        return None
    helpful, version, shown = moved
    if shown:
        broadcast_on_commit(
            comment.proposal.consultation_id,
            events.comment_helpful_changed(
                proposal_id=comment.proposal_id, comment_id=comment.pk, helpful=helpful, version=version
            ),
        )
    comment.helpful_count, comment.helpful_version = helpful, version
    return HelpfulResult(comment.pk, helpful, version, changed=True)


def _no_comment() -> NotFound:
    return NotFound(_("No such comment."))


def _current(comment: Comment) -> HelpfulResult:
    """Nothing changed: the count and version last committed, read without locking the row."""
    current = Comment.objects.values_list("helpful_count", "helpful_version").filter(pk=comment.pk).first()
    if current is None:  # removed with its proposal meanwhile
        raise _no_comment()
    helpful, version = current
    comment.helpful_count, comment.helpful_version = helpful, version
    return HelpfulResult(comment.pk, helpful, version, changed=False)


def comment_helpful_mark(*, user, comment: Comment) -> HelpfulResult:
    """`user` finds `comment` helpful (permissions.helpful_refusal says who may). Marking again changes
    nothing and answers the current count."""
    refuse(permissions.helpful_refusal(user, comment), _HELPFUL_REFUSALS)
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_MARK, [comment.pk, user.pk, at])
            inserted = cursor.fetchone() is not None
        if not inserted:
            return _current(comment)
        moved = _move_count(comment, +1)
        if moved is None:  # hidden, deleted or unpublished since the check above
            raise _not_published()
        return moved


def comment_helpful_withdraw(*, user, comment: Comment) -> HelpfulResult:
    """`user` takes back their mark on `comment`, whatever the comment or its consultation has become since.
    Without a mark, nothing changes."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_DELETE_MARK, [comment.pk, user.pk])
            deleted = cursor.fetchone() is not None
        if not deleted:
            return _current(comment)
        moved = _move_count(comment, -1)
        if moved is None:  # the comment itself is gone (the mark went with it: not reached)
            raise _no_comment()
        return moved
