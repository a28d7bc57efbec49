"""Invitations to co-author a proposal (services.coauthors): an e-mail to the address invited, whoever has
it, and a notice in the site of the account whose confirmed address it is, if one is.

The e-mail goes to the address as the author typed it, in any case: that an address has no account must
not show in what happens (no e-mail then would tell the author nothing, but the person would never hear of
it). It is not a notification one chooses or unsubscribes from: one e-mail per invitation, which its
author asked for, under a rate limit (`coauthor_invite`). The notice in the site carries no e-mail of its
own (`email_wanted` false), so nobody gets the invitation twice."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import get_language

from cocreate.accounts.language import email_language
from cocreate.transactions import after_commit

from ..models import AuditEntry, ProposalCoauthor
from .delivery import absolute_url, render_email
from .fanout import _insert_notifications


def _owners(invitation: ProposalCoauthor):
    """The active accounts whose confirmed address is the one invited (by its canonical form, or as typed
    for an address that owns no canonical form)."""
    confirmed = EmailAddress.objects.filter(user_id=OuterRef("pk"), verified=True).filter(
        Q(canonical_form__canonical=invitation.email) | Q(email__iexact=invitation.address)
    )
    return get_user_model().objects.filter(Exists(confirmed), is_active=True)


def invitation_notify(*, invitation: ProposalCoauthor, entry: AuditEntry) -> None:
    """Call in the invitation's transaction: the notice in the site now, the e-mail after commit."""
    owners = _owners(invitation).exclude(pk=invitation.invited_by_id)
    # Never e-mailed as a notification: the invitation's own e-mail goes to the address.
    _insert_notifications(entry, owners, wanted=Q(pk__isnull=True))
    owner = owners.first()
    language = email_language(owner) if owner is not None else (get_language() or settings.LANGUAGE_CODE)
    after_commit(invitation_email_send, invitation.pk, language)


def invitation_url(proposal_id: int) -> str:
    return reverse("coauthor_invitation", args=[proposal_id])


def invitation_email_send(invitation_id: int, language: str) -> None:
    """The invitation's e-mail, unless it was cancelled meanwhile. A failure is logged by after_commit:
    the invitation still waits in the site, and its author sees it open."""
    invitation = (
        ProposalCoauthor.objects.select_related("proposal", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None:
        return
    inviter = invitation.invited_by
    context = {
        "proposal": invitation.proposal,
        "inviter": str(inviter.public_name) if inviter else "",
        "address": invitation.address,
        "invitation_url": absolute_url(invitation_url(invitation.proposal_id)),
        "proposal_url": absolute_url(invitation.proposal.get_absolute_url()),
    }
    subject, body = render_email("coauthor_invitation", context, language=language, token="")
    EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.address]).send()
