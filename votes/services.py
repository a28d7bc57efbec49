"""Supports: add and withdraw. The unique constraint keeps one support per citizen per proposal; the count
moves in the same transaction by one atomic UPDATE, which is also what locks the proposal's row (and orders
supports against a moderator hiding it), and the new absolute count goes live after commit.

A popular proposal gets its supports all at once and each of them waits for that one row, which stays
locked from the UPDATE to the end of the commit: so the UPDATE is the transaction's last statement, after
the support and the follow rows. Locking the row first, as a SELECT FOR UPDATE would, kept it through every
statement of the transaction, each a round trip from a busy worker (docs/performance.md has the figures).

A support is three statements (the support row, the follow row, the count), a withdrawal two, in plain
SQL where the ORM has no form for them: an insert that says whether it inserted (`ON CONFLICT DO NOTHING
RETURNING`, no savepoint), a delete without the ORM's read before it, and an update that returns what it
wrote (`UPDATE ... RETURNING`). All run on PostgreSQL and on SQLite (3.35 or later)."""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate.exceptions import Conflict, NotAllowed, NotFound
from proposals import notifications, permissions, search
from proposals.live import events
from proposals.live.broadcasts import broadcast_on_commit
from proposals.models import Proposal, Visibility
from proposals.services import proposal_reach_threshold


@dataclass(frozen=True)
class SupportResult:
    proposal_id: int
    supports: int
    version: int
    changed: bool  # False when the call found things already as asked (idempotent repeat)


def _check_may_change(user, proposal: Proposal) -> None:
    """Before the transaction, on the caller's copy: the citizen may take part, and the proposal takes
    supports (permissions.support_refusal). The proposal's state is checked again when the count moves."""
    refusal = permissions.support_refusal(user, proposal)
    if refusal == permissions.EMAIL_UNVERIFIED:
        raise NotAllowed(
            _("Confirm your e-mail address before supporting proposals."), code="email_unverified"
        )
    if refusal == permissions.PROPOSAL_NOT_PUBLISHED:
        raise _not_published()
    if refusal == permissions.CONSULTATION_CLOSED:
        raise _closed()


def _not_published() -> Conflict:
    return Conflict(_("This proposal cannot be supported."), code="proposal_not_published")


def _check_published(visibility: str) -> None:
    if visibility != Visibility.PUBLISHED:
        raise _not_published()


def _closed() -> Conflict:
    return Conflict(
        _("This consultation is closed: supports can no longer change."), code="consultation_closed"
    )


# The support row, unless the citizen already supports the proposal: then no row, and no error that would
# need a savepoint to keep the transaction usable.
_INSERT_SUPPORT = """
    INSERT INTO votes_support (proposal_id, user_id, created_at) VALUES (%s, %s, %s)
    ON CONFLICT (proposal_id, user_id) DO NOTHING RETURNING id"""

# The count and version moved by the database's own arithmetic on the row as it is once locked, only while
# the proposal is published and its consultation is live and open at `at`; what it wrote, the promise's
# state, and the consultation's threshold as committed now.
_MOVE_COUNT = """
    UPDATE proposals_proposal
    SET supports_count = supports_count + %s, supports_version = supports_version + 1
    WHERE id = %s AND visibility = %s AND EXISTS (
        SELECT 1 FROM cms_consultationpage c JOIN wagtailcore_page w ON w.id = c.page_ptr_id
        WHERE c.page_ptr_id = proposals_proposal.consultation_id
            AND w.live AND c.opens_at <= %s AND c.closes_at > %s)
    RETURNING supports_count, supports_version, status, threshold_reached_at IS NULL,
        (SELECT support_threshold FROM cms_consultationpage c
         WHERE c.page_ptr_id = proposals_proposal.consultation_id)"""


# The citizen's support row, if any (no model signal listens to a support's deletion, so no need for the
# ORM's read of the rows before it deletes them).
_DELETE_SUPPORT = "DELETE FROM votes_support WHERE proposal_id = %s AND user_id = %s"


def _insert_support(proposal: Proposal, user) -> bool:
    """Whether the support row was inserted (False: the citizen already supports the proposal)."""
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SUPPORT, [proposal.pk, user.pk, created_at])
        return cursor.fetchone() is not None


def _delete_support(proposal: Proposal, user) -> bool:
    """Whether there was a support row to delete."""
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_SUPPORT, [proposal.pk, user.pk])
        return cursor.rowcount > 0


def _move_count(proposal: Proposal, delta: int) -> SupportResult:
    """Call inside the transaction that inserted or deleted the support row, as its last statement: from
    the UPDATE to the commit the proposal's row is this transaction's, so a support that waited for the
    row adds to what its predecessor committed. PostgreSQL checks the WHERE again on the row as it is once
    locked, so a proposal hidden while this support waited is not updated and the support is refused (the
    caller's transaction rolls back). The consultation is checked as that statement found it, at the time
    it started: a support sent before the consultation closed counts, however long it waited for the row."""
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_MOVE_COUNT, [delta, proposal.pk, Visibility.PUBLISHED.value, at, at])
        moved = cursor.fetchone()
    if moved is None:
        _refuse(proposal)
    supports, version, status, unreached, threshold = moved
    broadcast_on_commit(
        proposal.consultation_id,
        events.support_changed(proposal_id=proposal.pk, supports=supports, version=version),
    )
    # After the count's event: pages hear of the new count first, then of the promise it made. Under the
    # lock, so the promise is made exactly once however many supports arrive together.
    if delta > 0 and unreached and supports >= threshold:
        proposal.supports_count, proposal.supports_version, proposal.status = supports, version, status
        proposal.threshold_reached_at = None
        proposal.consultation.support_threshold = threshold
        proposal_reach_threshold(proposal=proposal, supports=supports)
    search.index_on_commit(proposal.pk)
    return SupportResult(proposal.pk, supports, version, changed=True)


def _refuse(proposal: Proposal):
    """The count did not move: say why (the caller's transaction then rolls back)."""
    visibility = Proposal.objects.filter(pk=proposal.pk).values_list("visibility", flat=True).first()
    if visibility is None:
        raise NotFound(_("No such proposal."))
    _check_published(visibility)
    raise _closed()  # published, so its consultation was not open


def _current(proposal: Proposal) -> SupportResult:
    """Nothing changed: the count and version last committed, read without locking the row."""
    supports, version, visibility = Proposal.objects.values_list(
        "supports_count", "supports_version", "visibility"
    ).get(pk=proposal.pk)
    _check_published(visibility)
    return SupportResult(proposal.pk, supports, version, changed=False)


def support_add(*, user, proposal: Proposal) -> SupportResult:
    """`proposal` as the caller read it (its consultation too)."""
    _check_may_change(user, proposal)
    with transaction.atomic():
        if not _insert_support(proposal, user):
            return _current(proposal)
        # Supporting follows by default (withdrawing does not unfollow); a follow already there is kept.
        notifications.follow_ensure(user=user, proposal=proposal)
        return _move_count(proposal, +1)


def support_withdraw(*, user, proposal: Proposal) -> SupportResult:
    _check_may_change(user, proposal)
    with transaction.atomic():
        if not _delete_support(proposal, user):
            return _current(proposal)
        return _move_count(proposal, -1)
