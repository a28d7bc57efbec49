"""A person's drafts over HTTP, and a proposal's published versions. Thin: parse, call one service
(services.drafts, the submit form's), serialize; errors become the common JSON body.

- GET and POST /api/v1/me/drafts/: the signed-in person's drafts, the last changed first; saving a new one.
- GET, PATCH and DELETE /api/v1/me/drafts/{id}/: one of theirs; anyone else's draft does not exist (404).
- POST /api/v1/me/drafts/{id}/submit/: submitting it, as the form does: a proposal (201), the draft gone.
- GET /api/v1/proposals/{id}/versions/: anyone who may read the proposal, its published texts.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.api_params import json_body
from cocreate.exceptions import ServiceError
from cocreate.limits import Slug, Text
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle

from .. import selectors, services
from ..models import ProposalDraft, ProposalVersion
from ..services import DRAFTS_MAX
from ..services._common import BODY_MAX, SUMMARY_MAX, TITLE_MAX
from ..versions import published_versions
from .serializers import ProposalDetailSerializer, area_id_field
from .views import (
    UNQUALIFIED,
    area_for,
    category_for,
    consultation_for_write,
    detail_response,
    stage_for,
)

CLOSED = refusal("The consultation is not open for proposals (`consultation_closed`).", "consultation_closed")
NO_SUCH_DRAFT = OpenApiResponse(description="You have no draft with this id (`not_found`).")


class DraftSerializer(serializers.ModelSerializer):
    consultation = serializers.IntegerField(source="consultation_id")
    category = serializers.CharField(source="category.slug", allow_null=True, default=None)
    stage = serializers.CharField(source="stage.slug", allow_null=True, default=None)
    area = serializers.IntegerField(
        source="area_id", allow_null=True, help_text="The id of its area, if any."
    )

    class Meta:
        model = ProposalDraft
        fields = [
            "id",
            "consultation",
            "title",
            "summary",
            "body",
            "category",
            "stage",
            "area",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DraftWriteSerializer(serializers.Serializer):
    """The texts as far as they are written (one of them at least); a field left out of a PATCH stays as it
    is. `category` and `stage` are slugs of the consultation's own, `area` the id of one of its areas."""

    title = Text(max_length=TITLE_MAX, required=False, allow_blank=True)
    summary = Text(max_length=SUMMARY_MAX, required=False, allow_blank=True)
    body = Text(max_length=BODY_MAX, required=False, allow_blank=True)
    category = Slug(required=False, allow_blank=True, allow_null=True)
    stage = Slug(required=False, allow_blank=True, allow_null=True)
    area = area_id_field("The id of one of the consultation's areas, if any.")


class DraftCreateSerializer(DraftWriteSerializer):
    consultation = serializers.IntegerField(min_value=1)


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProposalVersion
        fields = ["title", "summary", "body", "created_at"]
        read_only_fields = fields


DRAFT_INVALID = refusal(
    "Bad input (`invalid`: a text over its limit, nothing written at all, a category, stage or area not the "
    f"consultation's), or {DRAFTS_MAX} drafts kept already (`too_many_drafts`).",
    "invalid",
    "too_many_drafts",
)


class _DraftView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    # Saving and submitting spend the submit form's budget; changing and deleting, its edits'.
    write_scopes = {"POST": "proposal_submit", "PATCH": "proposal_edit", "DELETE": "proposal_edit"}

    def get_throttles(self):
        self.throttle_scope = self.write_scopes.get(self.request.method, "proposal_edit")
        return super().get_throttles()

    def _draft(self, pk) -> ProposalDraft:
        return services.draft_get(author=self.request.user, draft_id=pk)


def _save(request, *, consultation, draft=None, data: dict) -> ProposalDraft:
    """The draft saved with `data` (what is left out is the draft's as it is)."""

    def choice(name, find):
        if name in data:
            return find(consultation, data[name])
        return getattr(draft, name) if draft is not None else None

    current = {
        name: getattr(draft, name) if draft is not None else "" for name in ("title", "summary", "body")
    }
    return services.draft_save(
        author=request.user,
        consultation=consultation,
        draft=draft,
        category=choice("category", category_for),
        stage=choice("stage", stage_for),
        area=choice("area", area_for),
        **{name: data.get(name, value) for name, value in current.items()},
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="me_drafts_list",
        responses={200: DraftSerializer(many=True)},
        description="Your drafts, the last changed first: yours alone, never shown to anyone else, "
        f"moderators included. At most {DRAFTS_MAX}.",
    ),
    post=extend_schema(
        operation_id="me_drafts_create",
        request=DraftCreateSerializer,
        responses={201: DraftSerializer, 400: DRAFT_INVALID, 403: UNQUALIFIED, 409: CLOSED},
        description="Save a proposal unfinished, to come back to: what submitting asks of you and of the "
        "consultation, the limits of a proposal's texts, something written in one of them.",
    ),
)
class MyDraftsView(_DraftView):
    def get(self, request):
        drafts = selectors.draft_list(author=request.user).select_related("category", "stage")
        return Response(DraftSerializer(drafts, many=True).data)

    def post(self, request):
        data = json_body(DraftCreateSerializer, request)
        draft = _save(request, consultation=consultation_for_write(data.pop("consultation")), data=data)
        return Response(DraftSerializer(draft).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="me_drafts_retrieve", responses={200: DraftSerializer, 404: NO_SUCH_DRAFT}
    ),
    patch=extend_schema(
        operation_id="me_drafts_partial_update",
        request=DraftWriteSerializer,
        responses={
            200: DraftSerializer,
            400: DRAFT_INVALID,
            403: UNQUALIFIED,
            404: NO_SUCH_DRAFT,
            409: CLOSED,
        },
        description="Change your draft: a field left out stays as it is; its consultation stays its own.",
    ),
    delete=extend_schema(operation_id="me_drafts_destroy", responses={204: None, 404: NO_SUCH_DRAFT}),
)
class MyDraftView(_DraftView):
    def get(self, request, pk: int):
        return Response(DraftSerializer(self._draft(pk)).data)

    def patch(self, request, pk: int):
        data = json_body(DraftWriteSerializer, request)
        draft = self._draft(pk)
        return Response(
            DraftSerializer(_save(request, consultation=draft.consultation, draft=draft, data=data)).data
        )

    def delete(self, request, pk: int):
        services.draft_delete(author=request.user, draft=self._draft(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    post=extend_schema(
        operation_id="me_drafts_submit",
        request=None,
        responses={
            201: ProposalDetailSerializer,
            400: refusal(
                "The draft is not ready: a text missing, or over its limit (`draft_incomplete`, its `fields` "
                "naming the draft's texts to complete).",
                "draft_incomplete",
            ),
            403: UNQUALIFIED,
            404: NO_SUCH_DRAFT,
            409: CLOSED,
        },
        description="Submit your draft as it is saved, as a proposal submitted from the form: the same "
        "checks, moderation and limits. The draft is gone once it is a proposal.",
    )
)
class MyDraftSubmitView(_DraftView):
    def post(self, request, pk: int):
        draft = self._draft(pk)
        try:
            proposal = services.draft_submit(
                author=request.user,
                draft=draft,
                title=draft.title,
                summary=draft.summary,
                body=draft.body,
                category=draft.category,
                stage=draft.stage,
                area=draft.area,
            )
        except ServiceError as error:
            if error.code != "invalid":
                raise
            # The texts the draft lacks, not fields of this request (which has none): named as the draft's.
            raise ServiceError(
                _("Your draft is not ready to submit: complete it first."),
                code="draft_incomplete",
                fields={name: [_("Complete this in your draft first.")] for name in error.fields},
            ) from None
        return detail_response(proposal, request, http_status=status.HTTP_201_CREATED)


class ProposalVersionsView(APIView):
    permission_classes = []

    @extend_schema(
        operation_id="proposal_versions",
        responses={200: VersionSerializer(many=True), 404: ERROR},
        description="The texts the proposal has been published with, oldest first: the one it was published "
        "with, then each edit of its author since. Every version is the author's: who they are is on the "
        "proposal. Empty while it was never published.",
    )
    def get(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        return Response(VersionSerializer(published_versions(proposal=proposal), many=True).data)
