"""Moderators approve, hide and restore proposals (and, from the queue, comments); acting on an item
resolves its open flags in the same transaction."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cocreate.accounts.mfa import role_refused
from cocreate.exceptions import ServiceError
from cocreate.limits import at_most

from .. import audit, permissions, search
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import AuditAction, Proposal, Visibility
from ._common import REASON_MAX, _locked, flags_resolve

APPROVE, HIDE, RESTORE = "approve", "hide", "restore"
MODERATION_ACTIONS = (APPROVE, HIDE, RESTORE)
MODERATION_CHOICES = [(APPROVE, _lazy("Approve")), (HIDE, _lazy("Hide")), (RESTORE, _lazy("Restore"))]


def _audit_action(action: str, before: str) -> AuditAction:
    if action == HIDE:
        return AuditAction.HIDDEN
    # "approve" and "restore" both publish; the trail records which it was from the state before.
    return AuditAction.RESTORED if before == Visibility.HIDDEN else AuditAction.APPROVED


def _checked_reason(action: str, reason: str, *, missing: str) -> str:
    """The reason, stripped, once the action and the reason are valid for it (proposals and comments alike);
    `missing` is the message when hiding without a reason."""
    reason = (reason or "").strip()
    if action not in MODERATION_ACTIONS:
        raise ServiceError(
            _("Unknown moderation action."), fields={"action": [_("Use approve, hide or restore.")]}
        )
    if action == HIDE and not reason:
        raise ServiceError(missing, fields={"reason": [_("A reason is required.")]})
    if len(reason) > REASON_MAX:
        raise ServiceError(_("The reason is too long."), fields={"reason": [at_most(REASON_MAX)]})
    return reason


def proposal_moderate(*, actor, proposal: Proposal, action: str, reason: str = "") -> Proposal:
    """Approve (publish), hide, or restore (publish again) a proposal. Hiding needs a reason; it is shown to
    the author. The audit trail says what happened: approved from pending, restored from hidden. The
    proposal's open flags are resolved: a moderator has looked at it. On a proposal hidden pending review
    (after reports), hiding confirms the hide and restoring publishes it again; only reports made after
    that decision count towards hiding it again."""
    if not permissions.can_moderate(actor):
        raise role_refused(
            permissions.moderation_refusal(actor), _("Only moderators and officials can moderate proposals.")
        )
    reason = _checked_reason(action, reason, missing=_("Say why the proposal is hidden."))

    with transaction.atomic():
        proposal = _locked(proposal.pk)
        was_published, before = proposal.is_published, proposal.visibility
        if action != HIDE:
            proposal.visibility = Visibility.PUBLISHED
            proposal.published_at = proposal.published_at or timezone.now()
            proposal.moderation_reason = ""
        else:
            proposal.visibility = Visibility.HIDDEN
            proposal.moderation_reason = reason
        proposal.auto_hidden_at = None  # a hide pending review is decided either way
        proposal.save(update_fields=["visibility", "published_at", "moderation_reason", "auto_hidden_at"])
        flags_resolve(proposal=proposal)
        audit.audit_record(
            proposal=proposal,
            actor=actor,
            action=_audit_action(action, before),
            from_value=before,
            to_value=proposal.visibility,
            reason=reason,
        )
        search.index_on_commit(proposal.pk)
        if proposal.is_published and not was_published:
            broadcast_on_commit(proposal.consultation_id, events.proposal_published(proposal))
        elif was_published and not proposal.is_published:
            broadcast_on_commit(proposal.consultation_id, events.proposal_hidden(proposal))
    return proposal
