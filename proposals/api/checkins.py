"""Check-ins over HTTP: a consultation's stages, a citizen's own check-ins on them, giving, changing and
deleting one, and the moderators' decisions on a check-in's story. Thin: parse, call one service, serialize;
errors become the common JSON body.

- GET /api/v1/consultations/{id}/stages/: anyone, the stages of a live, public consultation in journey order.
- GET /api/v1/consultations/{id}/checkins/: the signed-in person's own check-ins on it, in journey order.
- PUT and DELETE /api/v1/consultations/{id}/checkins/{stage_slug}/: their check-in on one stage, named by
  its slug (the same in every language). A slug that is not one of this consultation's stages is a 404, as
  any URL that names nothing: the check-in lives at that address.
- POST /api/v1/checkins/{id}/moderation/: moderators and officials approve, hide or restore a story.

A check-in is only ever its author's: nobody else reads it here (the public sees the stage's figures, from
MIN_CHECKINS check-ins on, and its published stories, on the journey map), and another person's request
on the same address names their own check-in, never someone else's."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cms.models import ConsultationPage, ConsultationStage
from cocreate.api_params import json_body
from cocreate.exceptions import NotFound
from cocreate.limits import Text
from cocreate.schema import refusal
from cocreate.throttling import ScopedWriteThrottle

from .. import services
from ..choices import Frustration, Motivation
from ..models import CheckIn, Visibility
from ..open_data import open_consultation
from ..services import MODERATION_CHOICES, REASON_MAX, STORY_MAX
from .roles import CanModerate
from .views import UNVERIFIED

NO_SUCH_STAGE = OpenApiResponse(
    description="No live, public consultation has this id, or it has no stage with this slug "
    "(`not_found`); for DELETE, or you have no check-in on that stage."
)
CLOSED = refusal(
    "The consultation is closed: check-ins can no longer be given, changed or deleted "
    "(`consultation_closed`).",
    "consultation_closed",
)


def _scale_help(choices) -> str:
    return "From 1 to 5: " + "; ".join(f"{value} {label}" for value, label in choices) + "."


class StageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField(help_text="The same in every language: a check-in's address names it.")
    name = serializers.CharField(help_text="In the request's language where a translation names it.")
    description = serializers.CharField(allow_blank=True)
    position = serializers.IntegerField(help_text="1 for the first stage of the journey, then 2, 3...")


class ScalePoint(serializers.IntegerField):
    """A point of the 1-to-5 scale, as a JSON integer only: DRF's IntegerField reads "3" or 3.0 as 3, where
    a client that sends them has lost track of its own form."""

    def __init__(self, **kwargs):
        message = gettext_lazy("Choose a point from 1 to 5.")
        kwargs.setdefault("error_messages", {"invalid": message, "min_value": message, "max_value": message})
        super().__init__(min_value=1, max_value=5, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class CheckInSerializer(serializers.ModelSerializer):
    """A check-in as its author (or a moderator) reads it."""

    consultation = serializers.IntegerField(source="consultation_id")
    stage = serializers.CharField(source="stage.slug", help_text="The stage's slug.")
    frustration_label = serializers.CharField(
        source="get_frustration_display", help_text="The point in words, in the request's language."
    )
    motivation_label = serializers.CharField(
        source="get_motivation_display", help_text="The point in words, in the request's language."
    )
    visibility = serializers.ChoiceField(
        choices=Visibility.choices,
        help_text="The story's moderation: `pending` until a moderator approves it (in a pre-moderated "
        "consultation, or after a moderator hid the one it replaces), `hidden` with `moderation_reason`. "
        "Only published stories are ever shown, without their author. The scores count whatever it is.",
    )

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "consultation",
            "stage",
            "frustration",
            "frustration_label",
            "motivation",
            "motivation_label",
            "gave_up",
            "story",
            "visibility",
            "moderation_reason",
            "language",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CheckInWriteSerializer(serializers.Serializer):
    """The whole check-in: what is left out takes its default (no story, did not give up)."""

    frustration = ScalePoint(help_text=_scale_help(Frustration.choices))
    motivation = ScalePoint(help_text=_scale_help(Motivation.choices))
    gave_up = serializers.BooleanField(required=False, default=False, help_text="I gave up at this stage.")
    story = Text(
        max_length=STORY_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="What happened, if you wish. Moderated like a comment; shown without your name.",
    )


class CheckInModerationSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=MODERATION_CHOICES,
        help_text="approve publishes a pending story, hide hides it (a reason is required: its author reads "
        "it), restore publishes a hidden one again. The scores stay counted whatever is decided.",
    )
    reason = Text(max_length=REASON_MAX, required=False, allow_blank=True, default="")


def _stage(consultation: ConsultationPage, slug: str) -> ConsultationStage:
    # The canonical page's stages: check-ins point to them, and translations' stages share their slugs.
    stage = ConsultationStage.objects.filter(page_id=consultation.pk, slug=slug).first()
    if stage is None:
        raise NotFound(_("This consultation has no such stage."))
    return stage


def _checkin_response(checkin: CheckIn, *, http_status=status.HTTP_200_OK) -> Response:
    return Response(CheckInSerializer(checkin).data, status=http_status)


class ConsultationStagesView(GenericAPIView):
    serializer_class = StageSerializer
    pagination_class = None

    @extend_schema(
        operation_id="consultation_stages",
        responses={
            200: StageSerializer(many=True),
            404: OpenApiResponse(description="No such consultation."),
        },
        description="Anyone: the stages of the consultation's service journey, in journey order, named in "
        "the request's language (Accept-Language). Check in on one with PUT "
        "/api/v1/consultations/{id}/checkins/{slug}/.",
    )
    def get(self, request, pk: int):
        consultation = open_consultation(pk)
        stages = [
            {
                "id": stage.pk,
                "slug": stage.slug,
                "name": stage.name,
                "description": stage.description,
                "position": position,
            }
            for position, stage in enumerate(consultation.localized_stages(), start=1)
        ]
        return Response(StageSerializer(stages, many=True).data)


class MyCheckInsView(GenericAPIView):
    serializer_class = CheckInSerializer
    pagination_class = None  # one per stage at most
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="consultation_my_checkins",
        responses={
            200: CheckInSerializer(many=True),
            404: OpenApiResponse(description="No such consultation."),
        },
        description="Signed-in people: their own check-ins on the consultation's stages, in journey order, "
        "with their stories' moderation. Nobody else's.",
    )
    def get(self, request, pk: int):
        consultation = open_consultation(pk)
        mine = (
            CheckIn.objects.filter(consultation=consultation, author=request.user)
            .select_related("stage")
            .order_by("stage__sort_order", "stage_id")
        )
        return Response(CheckInSerializer(mine, many=True).data)


class MyCheckInView(GenericAPIView):
    """PUT gives (201) or changes (200) the signed-in person's check-in on the stage; DELETE takes it back
    (204). Both need a confirmed address and an open consultation, as submitting a proposal does."""

    serializer_class = CheckInSerializer
    # OPTIONS (DRF's SimpleMetadata) looks up the object a PUT would change: with none to find, it
    # describes the endpoint without the PUT's fields. The check-in itself is found by the handlers below.
    queryset = CheckIn.objects.none()
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "checkins"

    @extend_schema(
        operation_id="consultation_checkin_save",
        parameters=[
            OpenApiParameter("stage_slug", str, OpenApiParameter.PATH, description="The stage's slug.")
        ],
        request=CheckInWriteSerializer,
        responses={
            200: CheckInSerializer,
            201: CheckInSerializer,
            403: UNVERIFIED,
            404: NO_SUCH_STAGE,
            409: CLOSED,
        },
        description="Signed-in people with a confirmed address: give your check-in on a stage of an open "
        "consultation (201), or change it (200; the whole check-in is replaced). Its scores count in the "
        "stage's figures at once; the story may wait for a moderator.",
    )
    def put(self, request, pk: int, stage_slug: str):
        consultation = open_consultation(pk)
        stage = _stage(consultation, stage_slug)  # a 404 whatever the body says
        data = json_body(CheckInWriteSerializer, request)
        checkin, created = services.checkin_save(
            author=request.user,
            consultation=consultation,
            stage_id=stage.pk,
            frustration=data["frustration"],
            motivation=data["motivation"],
            gave_up=data["gave_up"],
            story=data["story"],
        )
        return _checkin_response(
            checkin, http_status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        operation_id="consultation_checkin_delete",
        parameters=[
            OpenApiParameter("stage_slug", str, OpenApiParameter.PATH, description="The stage's slug.")
        ],
        request=None,
        responses={204: None, 403: UNVERIFIED, 404: NO_SUCH_STAGE, 409: CLOSED},
        description="Signed-in people: delete your check-in on the stage; its scores leave the figures at "
        "once.",
    )
    def delete(self, request, pk: int, stage_slug: str):
        stage = _stage(open_consultation(pk), stage_slug)
        mine = CheckIn.objects.filter(stage=stage, author=request.user).values_list("pk", flat=True).first()
        if mine is None:
            raise NotFound(_("You have no check-in on this stage."))
        services.checkin_delete(actor=request.user, checkin_id=mine)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CheckInModerationView(GenericAPIView):
    """Moderators and officials approve, hide (with a reason) or restore a check-in's story."""

    serializer_class = CheckInSerializer
    permission_classes = [CanModerate]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "official"

    @extend_schema(
        operation_id="checkin_moderate",
        request=CheckInModerationSerializer,
        responses={
            200: CheckInSerializer,
            404: OpenApiResponse(description="No such check-in."),
            409: refusal("The check-in tells no story: nothing to moderate (`no_story`).", "no_story"),
        },
        description="Moderators and officials: decide on a check-in's story (pending ones are in the "
        "moderation queue, kind `checkin`). Its scores stay counted whatever is decided. Not written to the "
        "audit trail, which is a proposal's: the check-in keeps its state and the reason.",
    )
    def post(self, request, pk: int):
        data = json_body(CheckInModerationSerializer, request)
        checkin = services.checkin_moderate(
            actor=request.user, checkin_id=pk, decision=data["action"], reason=data["reason"]
        )
        return _checkin_response(checkin)
