"""The petition promise for officials over HTTP: the responses awaited across consultations, and one
consultation's dashboard. Thin: the figures come from cms.backoffice.selectors, as on the admin's pages, so
the API and the admin give the same numbers. Officials and admins only (`permissions.can_respond`), checked
before any look-up; errors become the common JSON body.

- GET /api/v1/awaiting-responses/[?consultation=<id>]: published proposals whose promised response is
  still due, the earliest deadline (so the overdue) first, paginated. (The public list of one
  consultation, /api/v1/consultations/{id}/proposals/?awaiting_response=true, stays open to everyone.)
- GET /api/v1/consultations/{id}/dashboard/: any consultation, live or not, as in the admin."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cms.models import ConsultationPage
from cocreate.api_params import BAD_PARAMETER, query_params
from cocreate.exceptions import NotFound
from cocreate.schema import ERROR
from proposals.api.pagination import ProposalPagination
from proposals.api.roles import CanRespond
from proposals.api.serializers import ProposalListSerializer
from proposals.models import Status
from proposals.selectors import stage_names_of

from .selectors import ConsultationFigures, awaiting_queue, consultation_figures


def _consultation(pk) -> ConsultationPage:
    consultation = ConsultationPage.objects.canonical().filter(pk=pk).first()
    if consultation is None:
        raise NotFound(_("No such consultation."))
    return consultation


class AwaitingFilterSerializer(serializers.Serializer):
    consultation = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text="Only this consultation's."
    )


class AwaitingResponsesView(GenericAPIView):
    permission_classes = [CanRespond]
    serializer_class = ProposalListSerializer
    pagination_class = ProposalPagination

    @extend_schema(
        operation_id="awaiting_responses",
        parameters=[AwaitingFilterSerializer],
        responses={
            200: ProposalListSerializer(many=True),
            400: BAD_PARAMETER,
            401: ERROR,
            403: ERROR,
            404: ERROR,
        },
        description="Officials and admins: every published proposal whose promised official response is "
        "still awaited, across consultations, the earliest deadline (so the overdue) first.",
    )
    def get(self, request):
        consultation_id = query_params(AwaitingFilterSerializer, request).get("consultation")
        if consultation_id is not None:
            _consultation(consultation_id)  # an unknown one is a 404, not an empty list
        proposals = (
            awaiting_queue(consultation_id)
            .select_related("author", "category", "stage", "area")
            .defer("area__geometry")
        )
        page = self.paginate_queryset(proposals)
        context = {"stage_names": stage_names_of(p.pk for p in page if p.stage_id)}
        return self.get_paginated_response(ProposalListSerializer(page, many=True, context=context).data)


class StatusCountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class DaySerializer(serializers.Serializer):
    date = serializers.DateField()
    supports = serializers.IntegerField()


class ConsultationDashboardSerializer(serializers.Serializer):
    consultation = serializers.IntegerField()
    by_status = StatusCountSerializer(many=True, help_text="Published proposals by status.")
    pending = serializers.IntegerField(help_text="Proposals waiting for moderation.")
    hidden = serializers.IntegerField(help_text="Proposals hidden by moderation.")
    reached = serializers.IntegerField(help_text="Published proposals that reached the support threshold.")
    awaiting_response = serializers.IntegerField(help_text="Of those, still without an official response.")
    overdue = serializers.IntegerField(help_text="Of those awaited, past their response deadline.")
    answered = serializers.IntegerField(help_text="Published proposals that reached it and were answered.")
    median_time_to_respond = serializers.FloatField(
        allow_null=True,
        help_text="Seconds from the threshold to the first response, the median over the answered ones "
        "(a response before the threshold counts as 0); null when none was answered.",
    )
    supports_per_day = DaySerializer(
        many=True,
        help_text="Supports standing now by the day they were given (site time zone), every day from the "
        "first to the last, the empty ones too; the last 366 days at most.",
    )


def dashboard_data(consultation_id: int, figures: ConsultationFigures) -> dict:
    median = figures.median_time_to_respond
    return {
        "consultation": consultation_id,
        "by_status": [
            {"status": value, "label": str(Status(value).label), "count": n}
            for value, n in figures.statuses.items()
        ],
        "pending": figures.pending,
        "hidden": figures.hidden,
        "reached": figures.reached,
        "awaiting_response": figures.awaiting,
        "overdue": figures.overdue,
        "answered": figures.answered,
        "median_time_to_respond": median.total_seconds() if median is not None else None,
        "supports_per_day": [{"date": day, "supports": n} for day, n in figures.supports_per_day],
    }


class ConsultationDashboardView(APIView):
    permission_classes = [CanRespond]

    @extend_schema(
        operation_id="consultation_dashboard",
        responses={
            200: ConsultationDashboardSerializer,
            401: ERROR,
            403: ERROR,
            404: OpenApiResponse(description="No such consultation."),
        },
        description="Officials and admins: one consultation's figures, the same as its dashboard in the "
        "admin.",
    )
    def get(self, request, pk: int):
        consultation = _consultation(pk)
        figures = consultation_figures(consultation_id=consultation.pk)
        return Response(ConsultationDashboardSerializer(dashboard_data(consultation.pk, figures)).data)
