"""A proposal's pictures and documents. Thin HTTP over proposals.services.attachments; errors become the
common JSON body in cocreate.exceptions.api_exception_handler.

- POST /api/v1/proposals/{id}/attachments/ (multipart/form-data): its author adds an image or a PDF (201).
- DELETE /api/v1/proposals/{id}/attachments/{attachment_id}/: its author removes one; a moderator too, with
  a reason.
The files themselves are served at the `url` of each attachment in the proposal's representation.
Writes are rate-limited by the `proposal_edit` scope."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.exceptions import ServiceError
from cocreate.limits import Text
from cocreate.request_limits import JSONParser
from cocreate.schema import refusal
from cocreate.throttling import ScopedWriteThrottle

from .. import selectors, services
from ..attachments import ALT_TEXT_MAX, prepare_image, prepare_pdf
from ..models import ATTACHMENTS_PER_KIND, AttachmentKind
from ..services import REASON_MAX
from .serializers import AttachmentSerializer


class AttachmentCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=AttachmentKind.choices,
        help_text="What the file must be; its content is checked, not its name.",
    )
    file = serializers.FileField(
        help_text=f"A JPEG, PNG or WebP image of {settings.ATTACHMENT_IMAGE_MAX_BYTES:,} bytes at most (kept "
        f"re-encoded, without metadata, {settings.ATTACHMENT_IMAGE_LONG_SIDE} pixels on its long side at "
        f"most), or a PDF of {settings.ATTACHMENT_PDF_MAX_BYTES:,} bytes at most."
    )
    alt_text = Text(
        max_length=ALT_TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for an image: what it shows, for those who cannot see it.",
    )


class AttachmentRemoveSerializer(serializers.Serializer):
    reason = Text(
        max_length=REASON_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required of a moderator removing someone's file (kept in the audit trail).",
    )


EDIT_REFUSED_403 = refusal(
    "Not the proposal's author (`not_author`), or e-mail address not confirmed (`email_unverified`).",
    "not_author",
    "email_unverified",
)
EDIT_REFUSED_409 = (
    "Hidden by moderation (`proposal_hidden`), withdrawn (`proposal_withdrawn`), merged into another "
    "(`proposal_merged`), its consultation closed (`consultation_closed`), or supported by others for "
    "longer than the edit window (`edit_window_closed`)"
)
EDIT_CODES = (
    "proposal_hidden",
    "proposal_withdrawn",
    "proposal_merged",
    "consultation_closed",
    "edit_window_closed",
)


class ProposalAttachmentsView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "proposal_edit"

    @extend_schema(
        request={"multipart/form-data": AttachmentCreateSerializer},
        description=f"Its author adds an image or a PDF, {ATTACHMENTS_PER_KIND} of each at most, while the "
        "proposal may be edited (the rules of PATCH /proposals/{id}/). In a pre-moderated consultation, a "
        "file added to a published proposal returns it to moderation. A body larger than "
        f"{settings.UPLOAD_MAX_REQUEST_SIZE:,} bytes is refused (413 `request_too_large`).",
        responses={
            201: AttachmentSerializer,
            400: refusal(
                "The file is not of its kind (`unsupported_file_type`), damaged, too large "
                "(`file_too_large`, `image_too_large`), or an image without its description "
                "(`alt_text_required`).",
                "unsupported_file_type",
                "file_too_large",
                "image_too_large",
                "alt_text_required",
                "required",
            ),
            403: EDIT_REFUSED_403,
            409: refusal(
                f"{EDIT_REFUSED_409}, or {ATTACHMENTS_PER_KIND} files of this kind already "
                "(`too_many_attachments`).",
                *EDIT_CODES,
                "too_many_attachments",
            ),
        },
    )
    def post(self, request, pk):
        serializer = AttachmentCreateSerializer(data=request.data)
        if not serializer.is_valid():
            fields = {name: [str(m) for m in errors] for name, errors in serializer.errors.items()}
            raise ServiceError(_("The request has invalid fields."), fields=fields)
        data = serializer.validated_data
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        if data["kind"] == AttachmentKind.IMAGE:
            prepared = prepare_image(data["file"], data["alt_text"])
        else:
            prepared = prepare_pdf(data["file"])
        (attachment,) = services.attachments_add(actor=request.user, proposal=proposal, files=[prepared])
        body = AttachmentSerializer(attachment, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ProposalAttachmentView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "proposal_edit"

    @extend_schema(
        request=AttachmentRemoveSerializer,
        description="Its author removes a file while the proposal may be edited; a moderator removes any, "
        "with a reason kept in the audit trail. The file is no longer served.",
        responses={
            204: None,
            400: refusal("A moderator gave no reason (`invalid`).", "invalid"),
            403: refusal(
                "Neither its author nor a moderator (`forbidden`), or e-mail address not confirmed "
                "(`email_unverified`).",
                "forbidden",
                "not_author",
                "email_unverified",
            ),
            409: refusal(f"{EDIT_REFUSED_409}: for its author.", *EDIT_CODES),
        },
    )
    def delete(self, request, pk, attachment_id):
        serializer = AttachmentRemoveSerializer(data=request.data if isinstance(request.data, dict) else {})
        serializer.is_valid(raise_exception=True)
        attachment = selectors.attachment_get(proposal_id=pk, attachment_id=attachment_id, user=request.user)
        services.attachment_remove(
            actor=request.user, attachment=attachment, reason=serializer.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
