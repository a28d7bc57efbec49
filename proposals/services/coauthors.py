"""Co-authors: a proposal's first author invites people by e-mail address, up to PROPOSAL_COAUTHORS_MAX,
invitations still open included; the person whose confirmed address it is accepts or declines; co-authors
are named on the proposal and edit it under its author's rules (permissions.edit_refusal). Its first
author cancels an invitation or removes a co-author; a co-author leaves. Withdrawing stays its first
author's.

Inviting tells the inviter nothing about the address: the row is written and an e-mail goes to it whether
or not an account has it (notifications.coauthors), and the refusals depend only on what the inviter
already knows (their own addresses, the addresses they invited). Joining and leaving are public entries of
the proposal's history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cocreate import page_cache
from cocreate.accounts.canonical import canonical_email
from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError, refuse

from .. import audit, permissions
from ..coauthor_selectors import verified_canonical_addresses
from ..models import AuditAction, CoauthorState, Proposal, ProposalCoauthor
from ..notifications import coauthors as coauthor_notices
from ._common import _locked

ADDRESS_MAX = 254

# The codes of the refusals below are written out where they are raised: the API schema's tests read
# them from the source (tests/support/contract.py).


def _too_many() -> Conflict:
    limit = settings.PROPOSAL_COAUTHORS_MAX
    return Conflict(
        ngettext(
            "A proposal can have %(n)d co-author, invitations still open included.",
            "A proposal can have %(n)d co-authors, invitations still open included.",
            limit,
        )
        % {"n": limit},
        code="too_many_coauthors",
    )


# The refusals of permissions.coauthor_join_refusal, then of coauthor_invite_refusal, by code.
JOIN_REFUSALS = {
    permissions.EMAIL_UNVERIFIED: lambda: NotAllowed(
        _("Confirm your e-mail address first."), code=permissions.EMAIL_UNVERIFIED
    ),
    permissions.PROPOSAL_HIDDEN: lambda: Conflict(
        _("A proposal hidden by moderation takes no co-authors."), code=permissions.PROPOSAL_HIDDEN
    ),
    permissions.PROPOSAL_NOT_PUBLISHED: lambda: Conflict(
        _("This proposal takes co-authors once it is published."), code=permissions.PROPOSAL_NOT_PUBLISHED
    ),
    permissions.PROPOSAL_WITHDRAWN: lambda: Conflict(
        _("A withdrawn proposal takes no co-authors."), code=permissions.PROPOSAL_WITHDRAWN
    ),
    permissions.CONSULTATION_CLOSED: lambda: Conflict(
        _("This consultation is closed: its proposals take no co-authors."),
        code=permissions.CONSULTATION_CLOSED,
    ),
}
INVITE_REFUSALS = {
    permissions.NOT_AUTHOR: lambda: NotAllowed(
        _("Only the author who submitted a proposal can invite or remove its co-authors."),
        code=permissions.NOT_AUTHOR,
    ),
    **JOIN_REFUSALS,
}


def _valid_address(address: str) -> str:
    address = (address or "").strip()
    try:
        if not address:
            raise ValidationError(_("This field is required."))
        if len(address) > ADDRESS_MAX:
            raise ValidationError(_("An e-mail address has %(n)d characters at most.") % {"n": ADDRESS_MAX})
        validate_email(address)
    except ValidationError as error:
        message = error.messages[0] if error.code != "invalid" else _("Enter a valid e-mail address.")
        raise ServiceError(
            _("Some fields need your attention."), code="invalid", fields={"email": [message]}
        ) from None
    return address


def coauthor_invite(*, actor, proposal: Proposal, email: str) -> ProposalCoauthor:
    """The first author invites `email` to co-author `proposal`. One transaction holding the proposal's
    row, so two invitations at once are counted one after the other and never pass the limit together.
    The invitation's e-mail, and a notice in the site to an account whose confirmed address it is, go
    after commit / in it (notifications.coauthors)."""
    address = _valid_address(email)
    if not permissions.is_proposal_author(actor, proposal):  # before taking the row of someone's proposal
        refuse(permissions.NOT_AUTHOR, INVITE_REFUSALS)
    canonical = canonical_email(address)
    with transaction.atomic():
        proposal = _locked(proposal.pk)
        refuse(permissions.coauthor_invite_refusal(actor, proposal), INVITE_REFUSALS)
        if canonical in verified_canonical_addresses(actor, verified_only=False):
            raise Conflict(_("This is your own address: you are this proposal's author."), code="own_address")
        rows = list(ProposalCoauthor.objects.filter(proposal=proposal).values_list("email", "state"))
        for invited, state in rows:
            if invited == canonical:
                if state == CoauthorState.ACCEPTED:
                    raise Conflict(_("This address's owner is a co-author already."), code="already_coauthor")
                raise Conflict(_("This address is invited already."), code="already_invited")
        if sum(state != CoauthorState.DECLINED for _email, state in rows) >= settings.PROPOSAL_COAUTHORS_MAX:
            raise _too_many()
        invitation = ProposalCoauthor.objects.create(
            proposal=proposal, email=canonical, address=address, invited_by=actor
        )
        entry = audit.audit_record(
            proposal=proposal, actor=actor, as_author=True, action=AuditAction.COAUTHOR_INVITED
        )
        coauthor_notices.invitation_notify(invitation=invitation, entry=entry)
    return invitation


def invitation_for(*, user, coauthor_id: int) -> ProposalCoauthor:
    """The open or answered invitation `coauthor_id` if it went to one of `user`'s confirmed addresses;
    anyone else's does not exist for them (404), so ids tell nothing."""
    found = (
        ProposalCoauthor.objects.select_related("proposal", "invited_by")
        .filter(pk=coauthor_id, email__in=verified_canonical_addresses(user))
        .first()
        if user.is_authenticated
        else None
    )
    if found is None:
        raise NotFound(_("No such invitation."))
    return found


def coauthor_respond(*, user, invitation: ProposalCoauthor, accept: bool) -> ProposalCoauthor:
    """`user`, whose confirmed address `invitation` went to, accepts it (joining the proposal's authors: a
    public entry of its history) or declines it. One transaction holding the proposal's row."""
    if not permissions.can_participate(user):
        raise NotAllowed(_("Confirm your e-mail address first."), code="email_unverified")
    if invitation.email not in verified_canonical_addresses(user):
        raise NotFound(_("No such invitation."))
    with transaction.atomic():
        proposal = _locked(invitation.proposal_id)
        invitation = ProposalCoauthor.objects.select_for_update().filter(pk=invitation.pk).first()
        if invitation is None or invitation.state != CoauthorState.INVITED:
            raise Conflict(_("This invitation is no longer open."), code="invitation_not_open")
        invitation.responded_at = timezone.now()
        if not accept:
            invitation.state = CoauthorState.DECLINED
            invitation.save(update_fields=["state", "responded_at"])
            return invitation
        refuse(permissions.coauthor_join_refusal(user, proposal), JOIN_REFUSALS)
        if permissions.is_proposal_author(user, proposal):
            raise Conflict(_("You are this proposal's author already."), code="already_coauthor")
        if proposal.coauthors.filter(user=user).exists():  # invited at another of their addresses too
            raise Conflict(_("You are a co-author of this proposal already."), code="already_coauthor")
        invitation.state, invitation.user = CoauthorState.ACCEPTED, user
        invitation.save(update_fields=["state", "user", "responded_at"])
        audit.audit_record(proposal=proposal, actor=user, as_author=True, action=AuditAction.COAUTHOR_JOINED)
        page_cache.pages_changed_on_commit(proposal.consultation_id)
    invitation.proposal = proposal
    return invitation


def coauthor_remove(*, actor, coauthor: ProposalCoauthor) -> None:
    """The first author cancels an invitation (open or declined) or removes a co-author; a co-author
    leaves. Whatever the proposal's state: people may always stop standing behind words, and the author
    take back an invitation. A co-author's leaving is a public entry of the history, which names the
    co-author (`from_value` says whether they left or were removed)."""
    is_self = coauthor.user_id is not None and coauthor.user_id == actor.pk and actor.is_active
    if not is_self and not permissions.is_proposal_author(actor, coauthor.proposal):
        raise NotAllowed(
            _("Only the proposal's first author can remove its co-authors; a co-author can leave."),
            code="not_author",
        )
    with transaction.atomic():
        proposal = _locked(coauthor.proposal_id)
        row = (
            ProposalCoauthor.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=coauthor.pk)
            .first()
        )
        if row is None:
            return  # removed meanwhile: what was asked is done
        row.delete()
        if row.state == CoauthorState.ACCEPTED:
            audit.audit_record(
                proposal=proposal,
                actor=row.user,
                as_author=True,
                action=AuditAction.COAUTHOR_LEFT,
                from_value="left" if is_self else "removed",
            )
            page_cache.pages_changed_on_commit(proposal.consultation_id)


def coauthor_get(*, proposal: Proposal, coauthor_id: int) -> ProposalCoauthor:
    """One of `proposal`'s invitations or co-authors, or 404."""
    found = ProposalCoauthor.objects.select_related("proposal", "user").filter(
        proposal=proposal, pk=coauthor_id
    )
    row = found.first() if isinstance(coauthor_id, int) else None
    if row is None:
        raise NotFound(_("No such co-author or invitation."))
    return row
