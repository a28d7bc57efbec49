"""Search and similar proposals: parse the query string, call one search function, serialize.

Both are reads open to anyone and only ever return published proposals. Bad input is a 400 in the common
error body, with the field named; nothing reaches the database unchecked. A search engine that cannot
answer is a 503 in the same body, with `Retry-After`."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cms.models import ConsultationCategory, ConsultationPage, ConsultationStage
from cocreate.api_params import BAD_PARAMETER, query_params
from cocreate.exceptions import error_body
from cocreate.limits import Slug, Text
from cocreate.schema import refusal

from .. import search
from ..models import Status

MAX_PAGE_ID = 2_147_483_647  # Wagtail page ids are 32-bit integers


def _consultation_exists(consultation_id: int) -> bool:
    return ConsultationPage.objects.live().public().canonical().filter(pk=consultation_id).exists()


class SearchParamsSerializer(serializers.Serializer):
    q = Text(max_length=search.MAX_QUERY_LENGTH, help_text="The words to look for.")
    consultation = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_ID)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    category = Slug(required=False, max_length=80, help_text="A category's slug.")
    stage = Slug(required=False, max_length=80, help_text="The slug of a stage of a consultation's journey.")
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=1000)
    page_size = serializers.IntegerField(required=False, default=20, min_value=1, max_value=50)

    def validate_q(self, value: str) -> str:
        if not any(c.isalnum() for c in value):
            raise serializers.ValidationError(_("Type at least one word."))
        return value

    def validate_consultation(self, value: int) -> int:
        if not _consultation_exists(value):
            raise serializers.ValidationError(_("No such consultation."))
        return value

    def validate(self, data: dict) -> dict:
        if data.get("category"):
            categories = ConsultationCategory.objects.filter(slug=data["category"], page__live=True)
            if data.get("consultation"):
                categories = categories.filter(page_id=data["consultation"])
            if not categories.exists():
                raise serializers.ValidationError({"category": [_("No such category.")]})
        if data.get("stage"):
            stages = ConsultationStage.objects.filter(slug=data["stage"], page__live=True)
            if data.get("consultation"):
                stages = stages.filter(page_id=data["consultation"])
            if not stages.exists():
                raise serializers.ValidationError({"stage": [_("No such stage.")]})
        return data


class SimilarParamsSerializer(serializers.Serializer):
    consultation = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_ID)
    title = Text(max_length=140, help_text="The draft's title, as typed so far.")
    summary = Text(max_length=500, required=False, allow_blank=True, default="")
    limit = serializers.IntegerField(required=False, default=5, min_value=1, max_value=10)

    def validate_consultation(self, value: int) -> int:
        if not _consultation_exists(value):
            raise serializers.ValidationError(_("No such consultation."))
        return value


class FacetSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    status = FacetSerializer(many=True)
    category = FacetSerializer(many=True)
    stage = FacetSerializer(many=True)


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    category = serializers.CharField(allow_null=True)
    category_name = serializers.CharField()
    stage = serializers.CharField(
        allow_null=True, help_text="The slug of the stage of the journey it is about."
    )
    stage_name = serializers.CharField()
    supports = serializers.IntegerField()
    url = serializers.CharField()
    score = serializers.FloatField()
    highlights = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy(
            "Per field (title, summary, body): HTML fragments, the text escaped and the matched words "
            "in <mark>. Fields without a match are left out."
        ),
    )


class SearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="total")
    count_is_lower_bound = serializers.BooleanField(
        source="total_is_lower_bound",
        help_text="True when more proposals may match than were counted: `count` and every facet's count "
        'are then lower bounds ("at least"), and the pages list the counted ones. More words or a '
        "consultation narrow the search.",
    )
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    results = SearchHitSerializer(source="hits", many=True)
    facets = FacetsSerializer()


class SimilarHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    supports = serializers.IntegerField()
    url = serializers.CharField()
    score = serializers.FloatField()


def search_for(params: dict) -> search.SearchPage:
    """Run a search from SearchParamsSerializer's validated data (the API and the search page)."""
    return search.proposal_search(
        query=params["q"],
        consultation_id=params.get("consultation"),
        status=params.get("status") or None,
        category=params.get("category") or None,
        stage=params.get("stage") or None,
        page=params["page"],
        page_size=params["page_size"],
    )


def unavailable_message() -> str:
    return _("Search is unavailable right now. Please try again in a few minutes.")


UNAVAILABLE = refusal(
    "The search engine cannot answer now (`search_unavailable`); retry after `Retry-After`.",
    "search_unavailable",
)


class SearchAPIView(APIView):
    """A search engine that is down or too slow is a 503 the client may retry, not a server error."""

    def handle_exception(self, exc):
        if isinstance(exc, search.SearchUnavailable):
            body = error_body("search_unavailable", unavailable_message())
            return Response(body, status=503, headers={"Retry-After": str(search.RETRY_AFTER)})
        return super().handle_exception(exc)


class ProposalSearchView(SearchAPIView):
    @extend_schema(
        operation_id="search_proposals",
        parameters=[SearchParamsSerializer],
        responses={200: SearchPageSerializer, 400: BAD_PARAMETER, 503: UNAVAILABLE},
        description="Published proposals matching the words, best first, with highlights and the counts "
        "per status, category and stage of the whole result set. Past a bound the backend may count only "
        "part of the matches: `count_is_lower_bound` then says that every count is a lower bound.",
    )
    def get(self, request):
        page = search_for(query_params(SearchParamsSerializer, request))
        return Response(SearchPageSerializer(page).data)


class ProposalSimilarView(SearchAPIView):
    @extend_schema(
        operation_id="similar_proposals",
        parameters=[SimilarParamsSerializer],
        responses={200: SimilarHitSerializer(many=True), 400: BAD_PARAMETER, 503: UNAVAILABLE},
        description="The published proposals of the consultation closest to a draft, closest first: what "
        "the submission form shows while a citizen types.",
    )
    def get(self, request):
        params = query_params(SimilarParamsSerializer, request)
        hits = search.proposal_similar(
            consultation_id=params["consultation"],
            title=params["title"],
            summary=params["summary"],
            limit=params["limit"],
        )
        return Response(SimilarHitSerializer(hits, many=True).data)
