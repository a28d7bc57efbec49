"""The signed-in person's declared areas: where they live, once per area set in use by a live consultation.

- GET /api/v1/me/areas/: each area set in use, its areas, the consultations that use it and the area they
  declared in it (null: none).
- PUT /api/v1/me/areas/{area_set}/ `{"area": id}`: declare (or change) it; `{"area": null}` removes it.
- DELETE /api/v1/me/areas/{area_set}/: remove it.
A declaration is the person's own: there is no way to name anyone else's.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.api_params import json_body
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle

from .. import selectors, services
from .serializers import AreaRefSerializer


class AreaSetRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UsingConsultationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class DeclarableSetSerializer(serializers.Serializer):
    area_set = AreaSetRefSerializer()
    areas = AreaRefSerializer(many=True)
    consultations = UsingConsultationSerializer(many=True, help_text="The live consultations that use it.")
    declared = AreaRefSerializer(allow_null=True, help_text="The area you declared in it; null: none.")


class DeclareSerializer(serializers.Serializer):
    area = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, allow_null=True, help_text="One of the set's areas; null: none."
    )


NOT_IN_USE = OpenApiResponse(description="No live consultation uses this area set (`not_found`).")


def _declarable(user, area_set_id: int) -> dict:
    return next(
        DeclarableSetSerializer(item).data
        for item in selectors.declarable_sets(user=user)
        if item.area_set.pk == area_set_id
    )


class MyAreasView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_areas_list",
        responses={200: DeclarableSetSerializer(many=True), 401: ERROR},
        description="The area sets in use by live consultations, each with the area you declared in it. "
        "The supports of a proposal are counted per their supporters' declared areas.",
    )
    def get(self, request):
        return Response(DeclarableSetSerializer(selectors.declarable_sets(user=request.user), many=True).data)


class MyAreaView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "follow"

    @extend_schema(
        operation_id="me_area_declare",
        request=DeclareSerializer,
        responses={
            200: DeclarableSetSerializer,
            400: refusal("Not one of the set's areas (`invalid`).", "invalid"),
            401: ERROR,
            404: NOT_IN_USE,
            429: ERROR,
        },
        description="Declare the area you live in, in this set (replacing the one you declared); null "
        "removes it.",
    )
    def put(self, request, area_set_id: int):
        data = json_body(DeclareSerializer, request)
        services.declared_area_set(user=request.user, area_set_id=area_set_id, area_id=data["area"])
        return Response(_declarable(request.user, area_set_id))

    @extend_schema(
        operation_id="me_area_remove",
        responses={204: None, 401: ERROR, 404: NOT_IN_USE, 429: ERROR},
        description="Remove the area you declared in this set, if any.",
    )
    def delete(self, request, area_set_id: int):
        services.declared_area_set(user=request.user, area_set_id=area_set_id, area_id=None)
        return Response(status=status.HTTP_204_NO_CONTENT)
