"""Supports: add and withdraw. The unique constraint keeps one support per citizen per proposal; the count
moves in the same transaction, under the proposal's row lock (which also orders supports against a
moderator hiding it), and the new absolute count goes live after commit."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cocreate.exceptions import Conflict, NotAllowed, NotFound
from proposals import notifications, permissions, search
from proposals.live import events
from proposals.live.broadcasts import broadcast_on_commit
from proposals.models import Proposal
from proposals.services import proposal_reach_threshold

from .models import Support


@dataclass(frozen=True)
class SupportResult:
    proposal_id: int
    supports: int
    version: int
    changed: bool  # False when the call found things already as asked (idempotent repeat)


def _check_can_participate(user) -> None:
    if not permissions.can_participate(user):
        raise NotAllowed(
            _("Confirm your e-mail address before supporting proposals."), code="email_unverified"
        )


def _locked_and_open(proposal_id: int) -> Proposal:
    """The proposal with its row locked until the transaction ends, checked for support.

    Checked under the lock, not on the caller's copy: a moderator hiding the proposal or an official
    closing it holds the same row, so a support cannot land on a proposal hidden meanwhile. A no-key
    lock: the support rows' foreign keys to it do not wait for it."""
    try:
        proposal = (
            Proposal.objects.select_for_update(of=("self",), no_key=True)
            .select_related("consultation")
            .get(pk=proposal_id)
        )
    except Proposal.DoesNotExist:
        raise NotFound(_("No such proposal.")) from None
    if not proposal.is_published:
        raise Conflict(_("This proposal cannot be supported."), code="proposal_not_published")
    if not proposal.consultation.is_open():
        raise Conflict(
            _("This consultation is closed: supports can no longer change."), code="consultation_closed"
        )
    return proposal


def _move_count(proposal: Proposal, delta: int) -> SupportResult:
    """Call inside the transaction that inserted or deleted the support row, holding the row lock taken by
    `_locked_and_open`: the proposal's loaded count is then the current one, and the new values are
    known without reading them back."""
    supports, version = proposal.supports_count + delta, proposal.supports_version + 1
    Proposal.objects.filter(pk=proposal.pk).update(supports_count=supports, supports_version=version)
    broadcast_on_commit(
        proposal.consultation_id,
        events.support_changed(proposal_id=proposal.pk, supports=supports, version=version),
    )
    # After the count's event: pages hear of the new count first, then of the promise it made.
    if delta > 0:
        proposal_reach_threshold(proposal=proposal, supports=supports)
    search.index_on_commit(proposal.pk)
    return SupportResult(proposal.pk, supports, version, changed=True)


def _current(proposal: Proposal) -> SupportResult:
    """Nothing changed: the values loaded under the row lock are the current ones."""
    return SupportResult(proposal.pk, proposal.supports_count, proposal.supports_version, changed=False)


def support_add(*, user, proposal: Proposal) -> SupportResult:
    _check_can_participate(user)
    with transaction.atomic():
        proposal = _locked_and_open(proposal.pk)
        try:
            with transaction.atomic():  # savepoint: a duplicate must not poison the outer transaction
                Support.objects.create(proposal=proposal, user=user)
        except IntegrityError:
            return _current(proposal)
        # Supporting follows by default (withdrawing does not unfollow); a follow already there is kept.
        notifications.follow_ensure(user=user, proposal=proposal)
        return _move_count(proposal, +1)


def support_withdraw(*, user, proposal: Proposal) -> SupportResult:
    _check_can_participate(user)
    with transaction.atomic():
        proposal = _locked_and_open(proposal.pk)
        deleted, _rows = Support.objects.filter(proposal=proposal, user=user).delete()
        if not deleted:
            return _current(proposal)
        return _move_count(proposal, -1)
