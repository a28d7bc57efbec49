"""Open data downloads of live, public consultations (see proposals/open_data.py), for anyone:

- GET /api/v1/consultations/{id}/export.json: the consultation and its published proposals, each with its
  official responses.
- GET /api/v1/consultations/{id}/export.csv: one row per published proposal, its latest response in columns.
- GET /api/v1/consultations/journeys.json and .../journeys.csv: the service journey of every live, public
  consultation, what the check-ins of each stage add up to (nothing below the minimum of check-ins).

All are streamed. A draft, unpublished or view-restricted consultation is a 404, as everywhere else, and
absent from the journeys."""

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.views import APIView

from cocreate.schema import ERROR
from cocreate.streaming import streamed

from ..journey_selectors import MIN_CHECKINS
from ..models import Status
from ..open_data import (
    CSV_COLUMNS,
    JOURNEY_CSV_COLUMNS,
    csv_export,
    journeys_csv,
    journeys_json,
    json_export,
    open_consultation,
)


class OpenResponseSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Status.choices, allow_null=True)
    department = serializers.CharField(allow_blank=True)
    published_at = serializers.DateTimeField()
    body = serializers.CharField()


class OpenProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    category = serializers.CharField(allow_null=True, help_text="The category's name.")
    stage = serializers.CharField(
        allow_null=True, help_text="The slug of the stage of the service journey the proposal is about."
    )
    stage_name = serializers.CharField(
        allow_null=True, help_text="That stage's name, in the consultation's original language."
    )
    status = serializers.ChoiceField(choices=Status.choices)
    supports = serializers.IntegerField()
    comments = serializers.IntegerField(help_text="Published comments, replies included.")
    created_at = serializers.DateTimeField()
    threshold_reached_at = serializers.DateTimeField(allow_null=True)
    response_due_at = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    url = serializers.URLField()
    responses = OpenResponseSerializer(many=True, help_text="Official responses, oldest first.")


class OpenConsultationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    service = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    support_threshold = serializers.IntegerField()
    response_deadline_days = serializers.IntegerField()
    url = serializers.URLField(allow_null=True, help_text="Null only for a page outside every site.")


class ConsultationExportSerializer(serializers.Serializer):
    """Only describes the download in the schema: the view writes it a chunk at a time."""

    consultation = OpenConsultationSerializer()
    proposals = OpenProposalSerializer(many=True, help_text="Published proposals only, by id.")


class ConsultationExportView(APIView):
    content_type = ""
    extension = ""

    def get(self, request, pk: int):
        consultation = open_consultation(pk)
        write = json_export if self.extension == "json" else csv_export
        chunks = write(consultation, request.build_absolute_uri)
        response = StreamingHttpResponse(streamed(chunks, request._request), content_type=self.content_type)
        filename = f"consultation-{consultation.pk}-proposals.{self.extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@extend_schema_view(
    get=extend_schema(
        operation_id="consultation_export_json",
        responses={(200, "application/json"): ConsultationExportSerializer, 404: ERROR},
        description="Open data: the consultation and its published proposals (counts, status, promise "
        "dates, official responses without the official's name), as a JSON download. No personal data.",
    )
)
class ConsultationExportJSONView(ConsultationExportView):
    content_type = "application/json"
    extension = "json"


@extend_schema_view(
    get=extend_schema(
        operation_id="consultation_export_csv",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="UTF-8, a header row then one row per published proposal, by id: "
                + ", ".join(CSV_COLUMNS)
                + ". `response_*`: the latest official response. Dates in ISO 8601. Text that a "
                "spreadsheet would read as a formula starts with an apostrophe. No personal data.",
            ),
            404: ERROR,
        },
    )
)
class ConsultationExportCSVView(ConsultationExportView):
    content_type = "text/csv; charset=utf-8"
    extension = "csv"


class OpenStageFiguresSerializer(serializers.Serializer):
    checkins = serializers.IntegerField(min_value=MIN_CHECKINS)
    frustration_median = serializers.FloatField()
    motivation_median = serializers.FloatField()
    gave_up_share = serializers.FloatField(help_text="The share (0 to 1) of check-ins that gave up here.")
    frustration = serializers.ListField(
        child=serializers.IntegerField(), help_text="Check-ins at each point of the 1-to-5 scale, 1 first."
    )
    motivation = serializers.ListField(
        child=serializers.IntegerField(), help_text="Check-ins at each point of the 1-to-5 scale, 1 first."
    )


class OpenStageSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="1 for the journey's first stage.")
    slug = serializers.CharField()
    name = serializers.CharField(help_text="In the consultation's original language.")
    figures = OpenStageFiguresSerializer(allow_null=True, help_text="Null below `minimum` check-ins.")
    breaking_point = serializers.BooleanField()


class OpenJourneySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    breaking_point = serializers.CharField(allow_null=True, help_text="The breaking point stage's slug.")
    stages = OpenStageSerializer(many=True, help_text="In journey order.")


class JourneysExportSerializer(serializers.Serializer):
    """Only describes the download in the schema: the view writes it a consultation at a time."""

    minimum = serializers.IntegerField(help_text="The check-ins a stage needs for its figures to be given.")
    consultations = OpenJourneySerializer(many=True, help_text="Live, public consultations, by id.")


class JourneysExportView(APIView):
    """Every live, public consultation's journey (proposals.open_data.journey_records)."""

    content_type = ""
    extension = ""

    def get(self, request):
        chunks = journeys_json() if self.extension == "json" else journeys_csv()
        response = StreamingHttpResponse(streamed(chunks, request._request), content_type=self.content_type)
        response["Content-Disposition"] = f'attachment; filename="consultation-journeys.{self.extension}"'
        return response


JOURNEYS_DESCRIPTION = (
    "Open data: the service journey of every live, public consultation, stage by stage in journey order, "
    "with what its check-ins add up to (counts and medians, never a check-in) and whether it is the "
    f"breaking point. A stage with fewer than {MIN_CHECKINS} check-ins has its figures empty, its count "
    "too. Stages are named in the consultation's original language."
)


@extend_schema_view(
    get=extend_schema(
        operation_id="consultation_journeys_json",
        responses={(200, "application/json"): JourneysExportSerializer},
        description=JOURNEYS_DESCRIPTION + " A JSON download.",
    )
)
class JourneysExportJSONView(JourneysExportView):
    content_type = "application/json"
    extension = "json"


@extend_schema_view(
    get=extend_schema(
        operation_id="consultation_journeys_csv",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="UTF-8, a header row then one row per stage, consultations by id, stages in "
                "journey order: "
                + ", ".join(JOURNEY_CSV_COLUMNS)
                + ". `frustration_<n>`, `motivation_<n>`: the check-ins at point n of the 1-to-5 scale; "
                "`breaking_point`: true or false. Text that a spreadsheet would read as a formula starts "
                "with an apostrophe.",
            ),
        },
        description=JOURNEYS_DESCRIPTION + " A CSV download.",
    )
)
class JourneysExportCSVView(JourneysExportView):
    content_type = "text/csv; charset=utf-8"
    extension = "csv"
