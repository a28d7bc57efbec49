"""The author withdraws their proposal, with a public reason: it stays readable, listed and counted as it
was, and takes no new support (votes.services refuses one in the statement that moves the count)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate.exceptions import Conflict, NotAllowed, refuse

from .. import audit, permissions, search
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import AuditAction, Proposal
from ._common import REASON_MAX, _locked, _require_text

# The refusals of permissions.withdraw_refusal, by code (cocreate.exceptions.refuse).
WITHDRAW_REFUSALS = {
    permissions.NOT_AUTHOR: lambda: NotAllowed(
        _("Only its author can withdraw a proposal."), code=permissions.NOT_AUTHOR
    ),
    permissions.PROPOSAL_WITHDRAWN: lambda: Conflict(
        _("This proposal is already withdrawn."), code=permissions.PROPOSAL_WITHDRAWN
    ),
}


def proposal_withdraw(*, actor, proposal: Proposal, reason: str) -> Proposal:
    """Its author withdraws it, once, saying why (required: the reason is public, in its history, and tells
    its followers). One transaction holding the proposal's row, so a support that waits for it is refused
    once it is withdrawn. Its status, supports, promise and responses stay as they are: a withdrawal is
    the author's word, not the officials' answer."""
    if not permissions.is_proposal_author(actor, proposal):  # before taking the row of someone's proposal
        refuse(permissions.NOT_AUTHOR, WITHDRAW_REFUSALS)
    reason = _require_text({"reason": reason}, {"reason": REASON_MAX})["reason"]
    with transaction.atomic():
        proposal = _locked(proposal.pk)
        refuse(permissions.withdraw_refusal(actor, proposal), WITHDRAW_REFUSALS)
        proposal.withdrawn_at, proposal.withdrawal_reason = timezone.now(), reason
        proposal.save(update_fields=["withdrawn_at", "withdrawal_reason"])
        audit.audit_record(
            proposal=proposal, actor=actor, as_author=True, action=AuditAction.WITHDRAWN, reason=reason
        )
        if proposal.is_published:
            broadcast_on_commit(proposal.consultation_id, events.proposal_withdrawn(proposal))
            search.index_on_commit(proposal.pk)
    return proposal
