"""GET /api/v1/consultations/{id}/areas/: the figures of a consultation's area map, for anyone: each area of
its area set in order with its published proposals and their supports, and the proposals about no area.
A live, public consultation only (found as the open data finds it, a 404 for anything else)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.schema import ERROR

from ..area_selectors import consultation_area_figures
from ..open_data import open_consultation


class AreaSetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AreaCountsSerializer(serializers.Serializer):
    proposals = serializers.IntegerField(
        help_text="Published proposals (withdrawn ones included, those merged into another left out)."
    )
    supports = serializers.IntegerField(help_text="Their valid supports, added up.")


class AreaFiguresSerializer(AreaCountsSerializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class ConsultationAreasSerializer(serializers.Serializer):
    consultation = serializers.IntegerField()
    area_set = AreaSetSerializer(allow_null=True, help_text="Null when the consultation has no areas.")
    areas = AreaFiguresSerializer(many=True, help_text="In the set's order; empty without an area set.")
    no_area = AreaCountsSerializer(
        allow_null=True,
        help_text="The proposals that name no area of the set; null without an area set.",
    )


def areas_data(consultation) -> dict:
    figures = consultation_area_figures(consultation=consultation)
    if figures is None:
        return {"consultation": consultation.pk, "area_set": None, "areas": [], "no_area": None}
    *rows, elsewhere = figures
    area_set = consultation.area_set
    return {
        "consultation": consultation.pk,
        "area_set": {"id": area_set.pk, "name": area_set.name},
        "areas": [
            {
                "id": r.area.pk,
                "slug": r.area.slug,
                "name": r.area.name,
                "proposals": r.proposals,
                "supports": r.supports,
            }
            for r in rows
        ],
        "no_area": {"proposals": elsewhere.proposals, "supports": elsewhere.supports},
    }


class ConsultationAreasView(APIView):
    permission_classes = []

    @extend_schema(
        operation_id="consultation_areas",
        responses={200: ConsultationAreasSerializer, 404: ERROR},
        description="Anyone: the consultation's published proposals and their supports, area by area, as its "
        "page's map shows them.",
    )
    def get(self, request, pk: int):
        consultation = open_consultation(pk)
        return Response(ConsultationAreasSerializer(areas_data(consultation)).data)
