"""Supporting a proposal, or withdrawing the support, from the button on its page or in a list."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.addresses import request_address_hash
from cocreate.exceptions import ServiceError
from cocreate.throttling import write_limited
from votes import reviews
from votes import services as vote_services

from .base import proposal_or_404, safe_next
from .proposals import proposal_detail


def _support(request, pk: int, *, add: bool):
    if not request.user.is_authenticated:
        messages.info(request, _("Sign in to support proposals."))
        return redirect_to_login(safe_next(request, reverse("proposal_detail", args=[pk])))
    proposal = proposal_or_404(request, pk)
    try:
        if add:
            result = vote_services.support_add(
                user=request.user, proposal=proposal, address_hash=request_address_hash(request)
            )
        else:
            result = vote_services.support_withdraw(user=request.user, proposal=proposal)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if add:
            text = _("You support “%(title)s”.") if result.changed else _("You already support “%(title)s”.")
        else:
            text = (
                _("You withdrew your support for “%(title)s”.")
                if result.changed
                else _("You were not supporting “%(title)s”.")
            )
        messages.success(request, text % {"title": proposal.title})
    return redirect(safe_next(request, proposal.get_absolute_url()))


@require_POST
@write_limited("support")
def proposal_support(request, pk: int):
    return _support(request, pk, add=True)


@require_POST
@write_limited("support")
def proposal_support_withdraw(request, pk: int):
    return _support(request, pk, add=False)


@require_POST
@write_limited("flags")
def proposal_support_review(request, pk: int):
    """The citizen whose support was set aside asks for a review (votes.reviews), from the proposal's page;
    a refusal is shown on the page again, at the form."""
    if not request.user.is_authenticated:
        return redirect_to_login(safe_next(request, reverse("proposal_detail", args=[pk])))
    proposal = proposal_or_404(request, pk)
    try:
        reviews.support_review_request(
            user=request.user, proposal_id=proposal.pk, message=request.POST.get("message", "")
        )
    except ServiceError as error:
        if not error.fields:  # nothing to review, or already asked: said at the top of the page
            messages.error(request, error.message)
            return redirect(proposal.get_absolute_url())
        response = proposal_detail(request, pk, review_failed=error)
        response.status_code = error.http_status
        return response
    messages.success(request, _("Your request is sent: an official will look at your support again."))
    return redirect(proposal.get_absolute_url())
