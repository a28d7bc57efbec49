"""Thin HTTP: parse, call one service, serialize. Errors become the common JSON body in
cocreate.exceptions.api_exception_handler."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cms.models import Area, ConsultationCategory, ConsultationPage, ConsultationStage
from cocreate.api_params import json_body
from cocreate.exceptions import ServiceError
from cocreate.schema import refusal
from cocreate.throttling import ScopedWriteThrottle

from .. import permissions, selectors, services
from ..models import Proposal
from .serializers import (
    ModerationSerializer,
    OfficialResponseSerializer,
    ProposalCreateSerializer,
    ProposalDetailSerializer,
    ProposalEditSerializer,
    ResponseCreateSerializer,
    StatusSerializer,
    WithdrawSerializer,
)

# Refusals several operations share: taking part needs a confirmed address, and an open proposal.
UNVERIFIED = refusal("E-mail address not confirmed (`email_unverified`).", "email_unverified")
# Supporting and submitting: also what the consultation asks (its participation_level).
UNQUALIFIED = refusal(
    "E-mail address not confirmed (`email_unverified`); or the consultation asks for a verified identity "
    "(`identity_required`: sign in with an identity service) or for residents of its areas "
    "(`residents_only`: a verified identity whose address is in them). The message says what is missing.",
    "email_unverified",
    "identity_required",
    "residents_only",
)
NOT_OPEN = refusal(
    "The proposal is not published (`proposal_not_published`), was merged into another "
    "(`proposal_merged`: its `merged_into` takes the comments), or its consultation is closed "
    "(`consultation_closed`).",
    "proposal_not_published",
    "proposal_merged",
    "consultation_closed",
)


def detail_response(proposal: Proposal, request, *, http_status=status.HTTP_200_OK) -> Response:
    user = request.user
    context = {
        "request": request,
        "supported_by_me": user.is_authenticated and proposal.supports.filter(user=user).exists(),
        # Not a bare author_id == user.pk: a visitor's pk and a departed author's id are both None.
        "may_see_moderation": permissions.can_moderate(user)
        or (user.is_authenticated and proposal.author_id == user.pk),
        "stage_names": selectors.stage_names_of([proposal.pk]) if proposal.stage_id else {},
    }
    return Response(ProposalDetailSerializer(proposal, context=context).data, status=http_status)


def consultation_for_write(consultation_id: int) -> ConsultationPage:
    try:
        # A consultation's id is its canonical page's: a translation takes no proposals of its own.
        return ConsultationPage.objects.live().public().canonical().get(pk=consultation_id)
    except ConsultationPage.DoesNotExist:
        raise ServiceError(
            _("No open consultation has this id."), fields={"consultation": [_("No such consultation.")]}
        ) from None


def category_for(consultation: ConsultationPage, slug: str | None) -> ConsultationCategory | None:
    if not slug:
        return None
    category = ConsultationCategory.objects.filter(page=consultation, slug=slug).first()
    if category is None:
        raise ServiceError(
            _("This category does not belong to the consultation."),
            fields={"category": [_("Choose one of this consultation's categories.")]},
        )
    return category


def stage_for(consultation: ConsultationPage, slug: str | None) -> ConsultationStage | None:
    if not slug:
        return None
    stage = ConsultationStage.objects.filter(page=consultation, slug=slug).first()
    if stage is None:
        raise ServiceError(
            _("This stage does not belong to the consultation."),
            fields={"stage": [_("Choose one of this consultation's stages.")]},
        )
    return stage


def area_for(consultation: ConsultationPage, area_id: int | None) -> Area | None:
    """The area `area_id` of the consultation's set (services.area_check refuses any other), or None."""
    if area_id is None:
        return None
    area = Area.objects.filter(pk=area_id).defer("geometry").first()
    if area is None:
        raise ServiceError(
            _("This area is not one of the consultation’s."),
            fields={"area": [_("Choose one of this consultation’s areas.")]},
        )
    services.area_check(consultation=consultation, area=area)
    return area


class ProposalViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Never queried (selectors read the proposals); it tells the schema generator that {id} is an integer.
    queryset = Proposal.objects.none()
    serializer_class = ProposalDetailSerializer
    throttle_classes = [ScopedWriteThrottle]

    def get_throttles(self):
        scopes = {"create": "proposal_submit", "partial_update": "proposal_edit", "withdraw": "proposal_edit"}
        self.throttle_scope = scopes.get(self.action, "official")
        return super().get_throttles()

    def get_permissions(self):
        if self.action == "retrieve":
            return []
        return [IsAuthenticated()]

    def _proposal(self) -> Proposal:
        return selectors.proposal_get(proposal_id=self.kwargs["pk"], user=self.request.user)

    def retrieve(self, request, pk=None):
        return detail_response(self._proposal(), request)

    @extend_schema(
        request=ProposalCreateSerializer,
        responses={
            201: ProposalDetailSerializer,
            403: UNQUALIFIED,
            409: refusal("The consultation is not open (`consultation_closed`).", "consultation_closed"),
        },
    )
    def create(self, request):
        data = json_body(ProposalCreateSerializer, request)
        consultation = consultation_for_write(data["consultation"])
        proposal = services.proposal_submit(
            author=request.user,
            consultation=consultation,
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            category=category_for(consultation, data.get("category")),
            stage=stage_for(consultation, data.get("stage")),
            area=area_for(consultation, data.get("area")),
        )
        return detail_response(proposal, request, http_status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProposalEditSerializer,
        description="Its author edits the title, summary, details or area (a field left out stays as it "
        "is): "
        "at any time while nobody else supports it, then for PROPOSAL_EDIT_WINDOW_MINUTES after the first "
        "support from someone else. Each version is kept and the public history shows what changed. In a "
        "pre-moderated consultation, an edit of a published proposal returns it to moderation.",
        responses={
            200: ProposalDetailSerializer,
            403: refusal(
                "Not the proposal's author (`not_author`), or e-mail address not confirmed "
                "(`email_unverified`).",
                "not_author",
                "email_unverified",
            ),
            409: refusal(
                "Hidden by moderation (`proposal_hidden`), withdrawn by its author (`proposal_withdrawn`), "
                "merged into another (`proposal_merged`), its consultation closed (`consultation_closed`), "
                "or supported by others for longer than the edit window (`edit_window_closed`).",
                "proposal_hidden",
                "proposal_withdrawn",
                "proposal_merged",
                "consultation_closed",
                "edit_window_closed",
            ),
        },
    )
    def partial_update(self, request, pk=None):
        data = json_body(ProposalEditSerializer, request)
        proposal = self._proposal()
        if "area" in data:  # left out, the area stays; null, the proposal names none
            data["area"] = area_for(proposal.consultation, data["area"])
        proposal = services.proposal_edit(actor=request.user, proposal=proposal, **data)
        return detail_response(proposal, request)

    @extend_schema(
        request=WithdrawSerializer,
        description="Its author withdraws the proposal, once, with a public reason: it stays readable and "
        "counted as it was, marked withdrawn, and takes no new support (existing ones stand and may be "
        "withdrawn). Its status is the officials' and does not change.",
        responses={
            200: ProposalDetailSerializer,
            403: refusal("Not the proposal's author (`not_author`).", "not_author"),
            409: refusal("Already withdrawn (`proposal_withdrawn`).", "proposal_withdrawn"),
        },
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        data = json_body(WithdrawSerializer, request)
        proposal = services.proposal_withdraw(
            actor=request.user, proposal=self._proposal(), reason=data["reason"]
        )
        return detail_response(proposal, request)

    @extend_schema(request=ModerationSerializer, responses={200: ProposalDetailSerializer})
    @action(detail=True, methods=["post"])
    def moderation(self, request, pk=None):
        data = json_body(ModerationSerializer, request)
        proposal = services.proposal_moderate(
            actor=request.user, proposal=self._proposal(), action=data["action"], reason=data["reason"]
        )
        return detail_response(proposal, request)

    @extend_schema(request=StatusSerializer, responses={200: ProposalDetailSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        data = json_body(StatusSerializer, request)
        proposal = services.proposal_set_status(
            actor=request.user, proposal=self._proposal(), status=data["status"], note=data["note"]
        )
        return detail_response(proposal, request)

    @extend_schema(
        request=ResponseCreateSerializer,
        responses={
            201: OfficialResponseSerializer,
            403: OpenApiResponse(description="Not an official."),
            409: refusal("Not a published proposal (`proposal_not_published`).", "proposal_not_published"),
        },
    )
    @action(detail=True, methods=["post"])
    def responses(self, request, pk=None):
        data = json_body(ResponseCreateSerializer, request)
        response = services.response_publish(
            actor=request.user, proposal=self._proposal(), body=data["body"], decision=data["decision"]
        )
        return Response(OfficialResponseSerializer(response).data, status=status.HTTP_201_CREATED)
