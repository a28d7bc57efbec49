"""GET /api/v1/proposals/{id}/supports-by-area/: a proposal's supporters by the area they declared in its
consultation's area set, as its page shows them: no area with fewer than `minimum` supporters (but some)
has a figure, and their supports are in `others` with those of citizens who declared no area, so that no
figure can be worked out from the rest."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.schema import ERROR
from proposals import selectors

from ..selectors import MIN_AREA_SUPPORTERS, supports_by_area

TOO_FEW_SUPPORTERS = "too_few_supporters"


class AreaSupportersSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    supporters = serializers.IntegerField(
        allow_null=True, help_text=f"Null when fewer than {MIN_AREA_SUPPORTERS} (but some)."
    )
    withheld = serializers.ChoiceField(
        choices=[(TOO_FEW_SUPPORTERS, "Fewer supporters than the minimum")],
        allow_null=True,
        help_text="Why `supporters` is null; null when it is given.",
    )


class SupportsByAreaSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    supports = serializers.IntegerField(help_text="Its valid supports: the figures below add up to it.")
    minimum = serializers.IntegerField(help_text="The supporters an area needs before its figure is given.")
    area_set = serializers.IntegerField(allow_null=True, help_text="Null when the consultation has no areas.")
    areas = AreaSupportersSerializer(many=True, help_text="In the set's order; empty without an area set.")
    others = serializers.IntegerField(
        help_text="Supports of citizens who declared no area of the set (or whose account is deleted), and "
        "those of the areas withheld."
    )


class SupportsByAreaView(APIView):
    permission_classes = []

    @extend_schema(
        operation_id="proposal_supports_by_area",
        responses={200: SupportsByAreaSerializer, 404: ERROR},
        description="A proposal's supporters by the area they declared, as its page shows them.",
    )
    def get(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        figures = supports_by_area(proposal=proposal)
        body = {
            "proposal": proposal.pk,
            "supports": proposal.supports_count,
            "minimum": MIN_AREA_SUPPORTERS,
            "area_set": proposal.consultation.area_set_id,
            "areas": [],
            "others": proposal.supports_count,
        }
        if figures is not None:
            body["supports"], body["others"] = figures.total, figures.others
            body["areas"] = [
                {
                    "id": item.area.pk,
                    "slug": item.area.slug,
                    "name": item.area.name,
                    "supporters": item.supports,
                    "withheld": TOO_FEW_SUPPORTERS if item.supports is None else None,
                }
                for item in figures.areas
            ]
        return Response(SupportsByAreaSerializer(body).data)
