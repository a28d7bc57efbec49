"""A proposal's pictures and documents, served from the storage (the disk or an object store alike) to those
who may read the proposal, never from MEDIA_URL: a hidden or pending proposal's files are not found for
anyone but its author and the moderators."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from cocreate.exceptions import NotFound
from proposals import selectors

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
        response = FileResponse(handle, content_type=attachment.content_type)
    else:
        response = FileResponse(
            handle, content_type=attachment.content_type, as_attachment=True, filename=attachment.title
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    response["Cache-Control"] = PUBLIC_CACHE if attachment.proposal.is_published else PRIVATE_CACHE
    return response
