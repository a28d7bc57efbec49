"""Writes to proposals: submission, moderation, status and official responses. One transaction each;
live events go out after commit through proposals.live.broadcasts."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cocreate.exceptions import Conflict, NotAllowed, ServiceError

from . import permissions, search
from .live import events
from .live.broadcasts import broadcast_on_commit
from .models import ModerationDecision, OfficialResponse, Proposal, Status, StatusChange, Visibility

TITLE_MAX, SUMMARY_MAX, BODY_MAX, REASON_MAX, NOTE_MAX = 140, 500, 10_000, 500, 1000


def _require_text(fields: dict[str, str], limits: dict[str, int]) -> dict[str, str]:
    """Strip each value; report every empty or too long field at once, in the common error shape."""
    cleaned, errors = {}, {}
    for name, value in fields.items():
        value = (value or "").strip()
        if not value:
            errors[name] = [_("This field is required.")]
        elif len(value) > limits[name]:
            errors[name] = [_("At most %(n)d characters.") % {"n": limits[name]}]
        cleaned[name] = value
    if errors:
        raise ServiceError(_("Some fields need your attention."), code="invalid", fields=errors)
    return cleaned


def proposal_submit(*, author, consultation, title: str, summary: str, body: str, category=None) -> Proposal:
    if not permissions.can_participate(author):
        raise NotAllowed(
            _("Confirm your e-mail address before submitting a proposal."), code="email_unverified"
        )
    if not consultation.is_open():
        raise Conflict(_("This consultation is not open for proposals."), code="consultation_closed")
    if category is not None and category.page_id != consultation.pk:
        raise ServiceError(
            _("This category does not belong to the consultation."),
            fields={"category": [_("Choose one of this consultation's categories.")]},
        )
    text = _require_text(
        {"title": title, "summary": summary, "body": body},
        {"title": TITLE_MAX, "summary": SUMMARY_MAX, "body": BODY_MAX},
    )
    published = not consultation.pre_moderated
    with transaction.atomic():
        proposal = Proposal.objects.create(
            consultation=consultation,
            author=author,
            category=category,
            language=(get_language() or "en")[:8],
            visibility=Visibility.PUBLISHED if published else Visibility.PENDING,
            published_at=timezone.now() if published else None,
            **text,
        )
        if published:
            broadcast_on_commit(consultation.pk, events.proposal_published(proposal))
            search.index_on_commit(proposal.pk)
    return proposal


def _locked(proposal_id: int) -> Proposal:
    """The proposal with its row locked until the transaction ends (only its row: the category join is
    an outer join, which PostgreSQL cannot lock)."""
    return Proposal.objects.select_for_update(of=("self",)).select_related("category").get(pk=proposal_id)


def proposal_moderate(*, actor, proposal: Proposal, action: str, reason: str = "") -> Proposal:
    """Approve (publish) or hide a proposal. Hiding needs a reason; it is shown to the author."""
    if not permissions.can_moderate(actor):
        raise NotAllowed(_("Only moderators and officials can moderate proposals."))
    reason = (reason or "").strip()
    if action not in ModerationDecision.Action.values:
        raise ServiceError(_("Unknown moderation action."), fields={"action": [_("Use approve or hide.")]})
    if action == ModerationDecision.Action.HIDE and not reason:
        raise ServiceError(
            _("Say why the proposal is hidden."), fields={"reason": [_("A reason is required.")]}
        )
    if len(reason) > REASON_MAX:
        raise ServiceError(_("The reason is too long."), fields={"reason": [_("At most 500 characters.")]})

    with transaction.atomic():
        proposal = _locked(proposal.pk)
        was_published = proposal.is_published
        if action == ModerationDecision.Action.APPROVE:
            proposal.visibility = Visibility.PUBLISHED
            proposal.published_at = proposal.published_at or timezone.now()
            proposal.moderation_reason = ""
        else:
            proposal.visibility = Visibility.HIDDEN
            proposal.moderation_reason = reason
        proposal.save(update_fields=["visibility", "published_at", "moderation_reason"])
        ModerationDecision.objects.create(proposal=proposal, actor=actor, action=action, reason=reason)
        search.index_on_commit(proposal.pk)
        if proposal.is_published and not was_published:
            broadcast_on_commit(proposal.consultation_id, events.proposal_published(proposal))
        elif was_published and not proposal.is_published:
            broadcast_on_commit(proposal.consultation_id, events.proposal_hidden(proposal))
    return proposal


def _change_status(*, actor, proposal: Proposal, status: str, note: str) -> None:
    """Call while holding the proposal row lock."""
    if proposal.status == status:
        return
    StatusChange.objects.create(
        proposal=proposal, actor=actor, from_status=proposal.status, to_status=status, note=note
    )
    proposal.status = status
    proposal.save(update_fields=["status"])
    if proposal.is_published:
        broadcast_on_commit(proposal.consultation_id, events.status_changed(proposal))
        search.index_on_commit(proposal.pk)


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
        raise NotAllowed(_("Only officials can change the status of a proposal."))
    status = _check_status(status, field="status")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(_("The note is too long."), fields={"note": [_("At most 1000 characters.")]})
    with transaction.atomic():
        proposal = _locked(proposal.pk)
        _change_status(actor=actor, proposal=proposal, status=status, note=note)
    return proposal


def response_publish(*, actor, proposal: Proposal, body: str, decision: str = "") -> OfficialResponse:
    """Publish an official response; a decision, if given, becomes the proposal's status in the same
    transaction, so the answer and the status never disagree."""
    if not permissions.can_respond(actor):
        raise NotAllowed(_("Only officials can publish official responses."))
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
        if decision:
            # No note: it would be stored in the official's language; the response itself explains it.
            _change_status(actor=actor, proposal=proposal, status=decision, note="")
        broadcast_on_commit(proposal.consultation_id, events.response_published(response))
    return response
