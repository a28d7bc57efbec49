"""Officials decide: a proposal's public status, and official responses."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate.accounts.mfa import role_refused
from cocreate.exceptions import Conflict, ServiceError
from cocreate.limits import at_most

from .. import audit, permissions, search
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import AuditAction, OfficialResponse, Proposal, Status
from ._common import BODY_MAX, NOTE_MAX, _locked, _require_text


def _change_status(*, actor, proposal: Proposal, status: str, note: str, response=None) -> None:
    """Call while holding the proposal row lock. `response` is the official response that carried the
    decision, if one did: the history links the two."""
    if proposal.status == status:
        return
    audit.audit_record(
        proposal=proposal,
        actor=actor,
        action=AuditAction.STATUS_CHANGED,
        response=response,
        from_value=proposal.status,
        to_value=status,
        reason=note,
    )
    proposal.status = status
    proposal.save(update_fields=["status"])
    if proposal.is_published:
        broadcast_on_commit(proposal.consultation_id, events.status_changed(proposal))
        search.index_on_commit(proposal.pk)


def proposal_reach_threshold(*, proposal: Proposal, supports: int) -> bool:
    """The petition promise. Call while holding the proposal row lock, in the transaction of the support
    that brought the count to `supports`, with `proposal.consultation` loaded. The first time the count
    reaches the consultation's threshold, the response deadline is set and an open proposal awaits a
    response; the lock and the `threshold_reached_at` check make it happen exactly once, however many
    supports arrive together. Returns whether it happened now."""
    consultation = proposal.consultation
    if proposal.threshold_reached_at is not None or supports < consultation.support_threshold:
        return False
    now = timezone.now()
    proposal.threshold_reached_at = now
    proposal.response_due_at = now + timedelta(days=consultation.response_deadline_days)
    proposal.save(update_fields=["threshold_reached_at", "response_due_at"])
    audit.audit_record(
        proposal=proposal, action=AuditAction.THRESHOLD_REACHED, to_value=str(consultation.support_threshold)
    )
    # An open proposal now awaits its response; one already under review or decided keeps its status.
    status = Status.AWAITING_RESPONSE if proposal.status == Status.OPEN else proposal.status
    if proposal.is_published:
        # Before the status change's own event: a page shows the promise and the new status at once and
        # announces them in one message; the status event that follows then changes nothing there.
        broadcast_on_commit(
            proposal.consultation_id,
            events.threshold_reached(proposal, status=status, threshold=consultation.support_threshold),
        )
    _change_status(actor=None, proposal=proposal, status=status, note="")
    return True


def proposal_withdraw_promise(*, actor, proposal: Proposal, reason: str) -> bool:
    """The petition promise taken back: an official set aside supports (votes.invalidations) and those
    left no longer reach the consultation's threshold. Call while holding the proposal row lock, in that
    transaction, with `proposal.supports_count` as it now is and `proposal.consultation` loaded. The
    deadline goes (the database keeps the two together: proposal_deadline_with_threshold), a proposal
    awaiting its response and not answered yet is open again, and the public history says so with the
    official's reason. A response already published stays, and so does the status it decided. The next
    support that reaches the threshold makes the promise again, with a new deadline. Returns whether the
    promise was withdrawn now."""
    threshold = proposal.consultation.support_threshold
    if proposal.threshold_reached_at is None or proposal.supports_count >= threshold:
        return False
    proposal.threshold_reached_at = proposal.response_due_at = None
    proposal.save(update_fields=["threshold_reached_at", "response_due_at"])
    audit.audit_record(
        proposal=proposal,
        actor=actor,
        action=AuditAction.THRESHOLD_WITHDRAWN,
        from_value=str(threshold),
        to_value=str(proposal.supports_count),
        reason=reason,
    )
    reopen = proposal.status == Status.AWAITING_RESPONSE and proposal.responded_at is None
    status = Status.OPEN if reopen else proposal.status
    if proposal.is_published:
        broadcast_on_commit(
            proposal.consultation_id,
            events.threshold_withdrawn(proposal, status=status, threshold=threshold),
        )
        search.index_on_commit(proposal.pk)
    _change_status(actor=None, proposal=proposal, status=status, note="")
    return True


def consultation_thresholds_apply(*, consultation) -> list[int]:
    """A consultation published with a threshold some of its proposals already meet (an official lowered
    it): each of them gets the promise now, as if its last support had reached the threshold, rather than
    at its next support, which may never come. Published proposals only, since only they take supports.
    One transaction; each row is locked and checked again, so a support arriving meanwhile makes the
    promise once, not twice. Returns the ids of the proposals that got it."""
    consultation = consultation.canonical_page()  # proposals belong to the original, not a translation
    candidates = Proposal.objects.published().filter(
        consultation=consultation,
        threshold_reached_at__isnull=True,
        supports_count__gte=consultation.support_threshold,
    )
    reached = []
    with transaction.atomic():
        for proposal in candidates.select_for_update(of=("self",)).order_by("pk"):
            proposal.consultation = consultation
            if proposal_reach_threshold(proposal=proposal, supports=proposal.supports_count):
                reached.append(proposal.pk)
    return reached


def _check_status(status: str | None, *, field: str, allow_blank: bool = False) -> str:
    status = (status or "").strip()
    if allow_blank and not status:
        return ""
    if status not in Status.values:
        raise ServiceError(
            _("Unknown status."), fields={field: [_("Choose one of: %s.") % ", ".join(Status.values)]}
        )
    return status


def proposal_set_status(*, actor, proposal: Proposal, status: str, note: str = "") -> Proposal:
    if not permissions.can_set_status(actor):
        raise role_refused(
            permissions.official_refusal(actor), _("Only officials can change the status of a proposal.")
        )
    status = _check_status(status, field="status")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(_("The note is too long."), fields={"note": [at_most(NOTE_MAX)]})
    with transaction.atomic():
        proposal = _locked(proposal.pk)
        _change_status(actor=actor, proposal=proposal, status=status, note=note)
    return proposal


def response_publish(*, actor, proposal: Proposal, body: str, decision: str = "") -> OfficialResponse:
    """Publish an official response; a decision, if given, becomes the proposal's status in the same
    transaction, so the answer and the status never disagree."""
    if not permissions.can_respond(actor):
        raise role_refused(
            permissions.official_refusal(actor), _("Only officials can publish official responses.")
        )
    body = _require_text({"body": body}, {"body": BODY_MAX})["body"]
    decision = _check_status(decision, field="decision", allow_blank=True)
    with transaction.atomic():
        proposal = _locked(proposal.pk)
        if not proposal.is_published:
            raise Conflict(_("Publish the proposal before responding to it."), code="proposal_not_published")
        response = OfficialResponse.objects.create(
            proposal=proposal,
            author=actor,
            # The official's name as people know it; never public_name, whose fallback is "A citizen".
            # Left empty when the official has none: readers see "Official" in their own language
            # (the templates, the API serializer and live.js put it in at display time).
            author_name=actor.get_full_name() or actor.display_name,
            department=actor.department,
            body=body,
            decision=decision,
        )
        audit.audit_record(
            proposal=proposal, actor=actor, action=AuditAction.RESPONSE_PUBLISHED, response=response
        )
        if proposal.responded_at is None:
            proposal.responded_at = response.published_at
            proposal.save(update_fields=["responded_at"])
        if decision:
            # No note: the response itself explains it, and the history links the two.
            _change_status(actor=actor, proposal=proposal, status=decision, note="", response=response)
        broadcast_on_commit(proposal.consultation_id, events.response_published(response))
    return response
