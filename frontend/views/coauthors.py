"""Co-authors on the pages: the first author's invitation form and list on the proposal's page, a
co-author's way to leave, and the page where an invited person accepts or declines (services.coauthors)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.accounts.blocking import is_blocked, refusal_response
from cocreate.exceptions import NotFound, ServiceError
from cocreate.forms import add_service_error
from cocreate.throttling import write_limited
from proposals import permissions
from proposals.coauthor_selectors import verified_canonical_addresses
from proposals.models import ProposalCoauthor
from proposals.services import coauthors as services

from ..forms import CoauthorInviteForm
from .base import proposal_or_404
from .proposals import proposal_detail


def _signed_in_writer(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("proposal_detail", args=[pk]))
    if is_blocked(request.user):
        return refusal_response(request, request.user)
    return None


@require_POST
@write_limited("coauthor_invite")
def coauthor_invite(request, pk: int):
    """The first author invites an address; the form's errors show the proposal's page again with them."""
    refused = _signed_in_writer(request, pk)
    if refused is not None:
        return refused
    proposal = proposal_or_404(request, pk)
    form = CoauthorInviteForm(request.POST)
    if form.is_valid():
        try:
            services.coauthor_invite(actor=request.user, proposal=proposal, email=form.cleaned_data["email"])
        except ServiceError as error:
            if error.http_status == 403:  # not theirs to invite to: said above the page, no form for them
                messages.error(request, error.message)
                return redirect(proposal)
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("An invitation went to %(address)s. It is listed below until it is answered.")
                % {"address": form.cleaned_data["email"]},
            )
            return redirect(reverse("proposal_detail", args=[pk]) + "#coauthors")
    response = proposal_detail(request, pk, coauthor_form=form)
    response.status_code = 400
    return response


@require_POST
@write_limited("proposal_edit")
def coauthor_remove(request, pk: int, coauthor_id: int):
    """The first author cancels an invitation or removes a co-author; a co-author leaves."""
    refused = _signed_in_writer(request, pk)
    if refused is not None:
        return refused
    proposal = proposal_or_404(request, pk)
    try:
        row = services.coauthor_get(proposal=proposal, coauthor_id=coauthor_id)
        leaving = row.user_id == request.user.pk
        services.coauthor_remove(actor=request.user, coauthor=row)
    except NotFound:
        messages.error(request, _("This invitation or co-author is no longer there."))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if leaving:
            messages.success(request, _("You are no longer a co-author of this proposal."))
        elif row.is_accepted:
            messages.success(request, _("The co-author is removed."))
        else:
            messages.success(request, _("The invitation is cancelled."))
    return redirect(reverse("proposal_detail", args=[pk]) + "#coauthors")


def _invitation(user, pk: int) -> ProposalCoauthor | None:
    """The invitation to co-author proposal `pk` that went to one of `user`'s confirmed addresses."""
    return (
        ProposalCoauthor.objects.select_related("proposal", "invited_by")
        .filter(proposal_id=pk, email__in=verified_canonical_addresses(user))
        .first()
    )


@write_limited("proposal_edit")
def coauthor_invitation(request, pk: int):
    """The page an invitation's e-mail and notice lead to: the signed-in person whose confirmed address
    was invited reads it and accepts or declines; anyone else is told whose it is, and nothing more."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    invitation = _invitation(request.user, pk)
    if invitation is None or not invitation.proposal.is_published:
        context = {"unverified": not permissions.can_participate(request.user)}
        return render(request, "frontend/coauthor_invitation.html", context, status=404)
    context = {"invitation": invitation, "proposal": invitation.proposal}
    if request.method == "POST":
        if is_blocked(request.user):
            return refusal_response(request, request.user)
        accept = request.POST.get("answer") == "accept"
        try:
            services.coauthor_respond(user=request.user, invitation=invitation, accept=accept)
        except ServiceError as error:
            context["refusal"] = error.message
            return render(request, "frontend/coauthor_invitation.html", context, status=error.http_status)
        if accept:
            messages.success(request, _("You are now a co-author of this proposal: you are named on it."))
            return redirect(invitation.proposal)
        messages.success(request, _("You declined the invitation."))
        return redirect("coauthor_invitation", pk)
    return render(request, "frontend/coauthor_invitation.html", context)
