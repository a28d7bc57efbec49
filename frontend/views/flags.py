"""Reports to the moderators ("flags") on a proposal or a comment. The forms post without JavaScript; the page
says thank you."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.exceptions import ServiceError
from cocreate.forms import add_service_error
from cocreate.throttling import write_limited
from proposals import services

from ..forms import FlagForm
from .base import proposal_or_404
from .proposals import proposal_detail
from .thread import comment_anchor, comment_or_404


def _report(request, *, proposal, comment=None):
    """Validate the report form and call the service. Returns the bound form when it has errors to show,
    else None (the outcome is in the messages)."""
    form = FlagForm(request.POST, auto_id="id_report_%s")
    if not form.is_valid():
        return form
    try:
        target = {"comment": comment} if comment is not None else {"proposal": proposal}
        services.flag_create(reporter=request.user, **target, **form.cleaned_data)
    except ServiceError as error:
        if error.fields:
            add_service_error(form, error)
            return form
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you: moderators will look at it."))
    return None


@require_POST
@write_limited("flags")
def proposal_flag(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("proposal_detail", args=[pk]) + "#report")
    proposal = proposal_or_404(request, pk)
    form = _report(request, proposal=proposal)
    if form is not None:
        return proposal_detail(request, pk, flag_form=form)
    return redirect(proposal)


@require_POST
@write_limited("flags")
def comment_flag(request, pk: int):
    """A comment's report form (shown with ?report=<id>). Its errors come back as a message above the page
    at the comment, where the form is a link again: the reasons are few and the message names what was
    missing."""
    comment = comment_or_404(request, pk)
    target = comment_anchor(request, comment)
    if not request.user.is_authenticated:
        return redirect_to_login(target)
    form = _report(request, proposal=comment.proposal, comment=comment)
    if form is not None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(target)
