"""Supports: add and withdraw. The unique constraint keeps one support per citizen per proposal; the count
moves in the same transaction by one atomic UPDATE, which is also what locks the proposal's row (and orders
supports against a moderator hiding it), and the new absolute count goes live after commit.

A popular proposal gets its supports all at once and each of them waits for that one row, which stays
locked from the UPDATE to the end of the commit: so the UPDATE is the transaction's last statement, after
the support and the follow rows. Locking the row first, as a SELECT FOR UPDATE would, kept it through every
statement of the transaction, each a round trip from a busy worker (docs/performance.md has the figures)."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cms.models import ConsultationPage
from cocreate.exceptions import Conflict, NotAllowed, NotFound
from proposals import notifications, permissions, search
from proposals.live import events
from proposals.live.broadcasts import broadcast_on_commit
from proposals.models import Proposal, Visibility
from proposals.services import proposal_reach_threshold

from .models import Support


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


def _check_consultation_open(consultation: ConsultationPage) -> None:
    if not permissions.consultation_open(consultation):
        raise _closed()


def _move_count(proposal: Proposal, delta: int) -> SupportResult:
    """Call inside the transaction that inserted or deleted the support row, as its last statement: from
    the UPDATE to the commit the proposal's row is this transaction's. The count and version move by the
    database's own arithmetic on the row as it is once locked, so a support that waited for the row adds
    to what its predecessor committed; PostgreSQL checks the WHERE again on that row, so a proposal hidden
    while this support waited is not updated and the support is refused (the caller's transaction rolls
    back), and so is one whose consultation closed meanwhile."""
    moved = Proposal.objects.filter(pk=proposal.pk, visibility=Visibility.PUBLISHED).update(
        supports_count=F("supports_count") + delta, supports_version=F("supports_version") + 1
    )
    if not moved:  # deleted or no longer published since the caller read it
        if not Proposal.objects.filter(pk=proposal.pk).exists():
            raise NotFound(_("No such proposal."))
        raise _not_published()
    # Read under the row lock the UPDATE took: the values this transaction wrote, nobody else's since.
    proposal = Proposal.objects.select_related("consultation").get(pk=proposal.pk)
    _check_consultation_open(proposal.consultation)
    supports, version = proposal.supports_count, proposal.supports_version
    broadcast_on_commit(
        proposal.consultation_id,
        events.support_changed(proposal_id=proposal.pk, supports=supports, version=version),
    )
    # After the count's event: pages hear of the new count first, then of the promise it made. Under the
    # lock, so the promise is made exactly once however many supports arrive together.
    if delta > 0:
        proposal_reach_threshold(proposal=proposal, supports=supports)
    search.index_on_commit(proposal.pk)
    return SupportResult(proposal.pk, supports, version, changed=True)


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
        try:
            with transaction.atomic():  # savepoint: a duplicate must not poison the outer transaction
                Support.objects.create(proposal=proposal, user=user)
        except IntegrityError:
            return _current(proposal)
        # Supporting follows by default (withdrawing does not unfollow); a follow already there is kept.
        notifications.follow_ensure(user=user, proposal=proposal)
        return _move_count(proposal, +1)


def support_withdraw(*, user, proposal: Proposal) -> SupportResult:
    _check_may_change(user, proposal)
    with transaction.atomic():
        deleted, _rows = Support.objects.filter(proposal=proposal, user=user).delete()
        if not deleted:
            return _current(proposal)
        return _move_count(proposal, -1)
