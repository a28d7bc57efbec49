"""GET /api/v1/consultations/{id}/journey/: the journey map of a live, public consultation (found as the
open data finds it, a 404 for anything else): each stage in journey order, what its check-ins say once
there are enough of them (journey_selectors.MIN_CHECKINS), its most supported published proposals, and the
breaking point.

Stage names and descriptions are in the request's language (its translation's, where one is published);
below the minimum a stage's figures are null and nothing in the answer counts its check-ins."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..journey_map import JourneyMap, MapStage, current_journey_map
from ..journey_selectors import MIN_CHECKINS, StageFigures
from ..models import Proposal, Status
from ..open_data import open_consultation

# Why a stage's figures are null: the only reason there is.
TOO_FEW_CHECKINS = "too_few_checkins"
SCALE_HELP = "The number of check-ins at each point of the 1-to-5 scale, 1 first."


class StageFiguresSerializer(serializers.Serializer):
    checkins = serializers.IntegerField(min_value=MIN_CHECKINS)
    frustration_median = serializers.FloatField(help_text="From 1 (not frustrating at all) to 5 (extremely).")
    motivation_median = serializers.FloatField(help_text="From 1 (not motivated at all) to 5 (fully).")
    gave_up_share = serializers.FloatField(help_text="The share (0 to 1) of check-ins that gave up here.")
    frustration_overtakes = serializers.BooleanField(help_text="Frustration's median above motivation's.")
    frustration = serializers.ListField(
        child=serializers.IntegerField(), min_length=5, max_length=5, help_text=SCALE_HELP
    )
    motivation = serializers.ListField(
        child=serializers.IntegerField(), min_length=5, max_length=5, help_text=SCALE_HELP
    )
    version = serializers.IntegerField(
        help_text="Grows with each change of the stage's check-ins, as in the live `journey.stage_changed`."
    )


class JourneyProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(help_text="The status in the request's language.")
    supports = serializers.IntegerField()
    url = serializers.CharField()


class JourneyStageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField(help_text="In the request's language where a translation names it.")
    description = serializers.CharField(allow_blank=True)
    shown = serializers.BooleanField(help_text="At least `minimum` check-ins: its figures are shown.")
    withheld = serializers.ChoiceField(
        choices=[(TOO_FEW_CHECKINS, "Fewer check-ins than the minimum")],
        allow_null=True,
        help_text="Why `figures` is null; null when they are shown.",
    )
    figures = StageFiguresSerializer(
        allow_null=True,
        help_text="Null below `minimum` check-ins: nothing of them is told, not even a count.",
    )
    proposals = JourneyProposalSerializer(
        many=True,
        help_text="Its most supported published proposals, at most three, the most supported first.",
    )


class JourneySerializer(serializers.Serializer):
    consultation = serializers.IntegerField()
    minimum = serializers.IntegerField(
        help_text="The check-ins a stage needs before anything of them is shown."
    )
    breaking_point = serializers.CharField(
        allow_null=True,
        help_text="The slug of the first stage (in journey order, among those shown) where frustration's "
        "median is above motivation's; null when there is none.",
    )
    stages = JourneyStageSerializer(many=True, help_text="In journey order.")


def figures_data(figures: StageFigures) -> dict | None:
    if not figures.shown:
        return None
    return {
        "checkins": figures.checkins,
        "frustration_median": figures.frustration_median,
        "motivation_median": figures.motivation_median,
        "gave_up_share": round(figures.gave_up_share, 4),
        "frustration_overtakes": figures.frustration_overtakes,
        "frustration": list(figures.frustration),
        "motivation": list(figures.motivation),
        "version": figures.version,
    }


def proposal_data(proposal: Proposal) -> dict:
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "status": proposal.status,
        "status_label": str(proposal.get_status_display()),
        "supports": proposal.supports_count,
        "url": proposal.get_absolute_url(),
    }


def stage_data(item: MapStage) -> dict:
    return {
        "id": item.stage.pk,
        "slug": item.stage.slug,
        "name": item.stage.name,
        "description": item.stage.description,
        "shown": item.shown,
        "withheld": None if item.shown else TOO_FEW_CHECKINS,
        "figures": figures_data(item.figures),
        "proposals": [proposal_data(proposal) for proposal in item.proposals],
    }


def journey_data(consultation_id: int, found: JourneyMap) -> dict:
    breaking = found.breaking_point
    return {
        "consultation": consultation_id,
        "minimum": found.minimum,
        "breaking_point": breaking.stage.slug if breaking else None,
        "stages": [stage_data(item) for item in found.stages],
    }


class ConsultationJourneyView(APIView):
    @extend_schema(
        operation_id="consultation_journey",
        responses={200: JourneySerializer, 404: OpenApiResponse(description="No such consultation.")},
        description="Anyone: the consultation's journey map, stage by stage in journey order, named in the "
        "request's language (Accept-Language). A stage's figures are null until it has `minimum` check-ins.",
    )
    def get(self, request, pk: int):
        consultation = open_consultation(pk)
        found = current_journey_map(consultation=consultation)
        return Response(JourneySerializer(journey_data(consultation.pk, found)).data)
