"""A proposal's pictures and documents: added and removed by its author from its edit page, and served
from the storage (the disk or an object store alike) to those who may read the proposal, never from
MEDIA_URL: a hidden or pending proposal's files are not found for anyone but its author and the
moderators."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cocreate.accounts.blocking import is_blocked, refusal_response
from cocreate.exceptions import NotFound, ServiceError
from cocreate.forms import add_service_error
from cocreate.streaming import StreamedFileResponse
from cocreate.throttling import write_limited
from proposals import selectors, services
from proposals.models import Visibility

from ..forms import attachments_form_for
from . import proposals
from .base import proposal_or_404

# An image shown in a page, a PDF saved: neither may run anything if opened on its own in a browser.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
# A published proposal's file may be kept a few minutes by browsers and shared caches; a moderator's hide
# reaches them within that time. Any other is its author's or a moderator's: kept by no one.
PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, no-store"


@require_safe
def attachment_file(request, pk: int, attachment_id: int, small: bool = False):
    try:
        attachment = selectors.attachment_get(proposal_id=pk, attachment_id=attachment_id, user=request.user)
    except NotFound:
        raise Http404 from None
    field = attachment.small_file if small and attachment.small_file else attachment.file
    try:
        handle = field.storage.open(field.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    if attachment.is_image:
        response = StreamedFileResponse(handle, request=request, content_type=attachment.content_type)
    else:
        response = StreamedFileResponse(
            handle,
            request=request,
            content_type=attachment.content_type,
            as_attachment=True,
            filename=attachment.title,
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    response["Cache-Control"] = PUBLIC_CACHE if attachment.proposal.is_published else PRIVATE_CACHE
    return response


@require_POST
@write_limited("proposal_edit")
def attachments_add(request, pk: int):
    """Its author adds pictures or documents to their proposal from its edit page; the page again, with
    the form's errors, if any file is refused (then none is kept)."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("proposal_edit", args=[pk]))
    if is_blocked(request.user):
        return refusal_response(request, request.user)
    proposal = proposal_or_404(request, pk)
    form = attachments_form_for(list(proposal.attachments.all()), request.POST, request.FILES)
    if form.is_valid():
        if not form.cleaned_data["prepared"]:
            form.add_error(None, _("Choose a file to add."))
        else:
            try:
                services.attachments_add(
                    actor=request.user, proposal=proposal, files=form.cleaned_data["prepared"]
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _added_message(proposal))
                return redirect("proposal_edit", pk)
    return proposals.proposal_edit(request, pk, files_form=form)


def _added_message(proposal) -> str:
    proposal.refresh_from_db(fields=["visibility"])
    if proposal.visibility == Visibility.PENDING and proposal.consultation.pre_moderated:
        return _("Your files are added. A moderator will look at them before your proposal is shown again.")
    return _("Your files are added.")


@require_POST
@write_limited("proposal_edit")
def attachment_remove(request, pk: int, attachment_id: int):
    """Its author removes a file from their proposal, back to its edit page, told it is done or why not."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("proposal_edit", args=[pk]))
    if is_blocked(request.user):
        return refusal_response(request, request.user)
    try:
        attachment = selectors.attachment_get(proposal_id=pk, attachment_id=attachment_id, user=request.user)
    except NotFound:
        raise Http404 from None
    try:
        services.attachment_remove(actor=request.user, attachment=attachment)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("proposal_detail", pk)
    messages.success(request, _("The file is removed."))
    return redirect("proposal_edit", pk)
