"""The search page: proposals and consultations, with facets, through the same search as the API."""

from dataclasses import replace

from django.shortcuts import render

from cms.models import ConsultationPage
from cocreate.api_params import strict_query
from proposals import search
from proposals.api.search import SearchParamsSerializer, search_for, unavailable_message
from proposals.models import Status
from proposals.selectors import category_names_of, stage_names_of

from ..pages import category_names_by_slug, stage_names_by_slug


def search_page(request):
    """Search results, facets and pages from the query string; with no words yet, just the form. Invalid
    parameters are shown as messages above the form, as the API reports them. A search engine that cannot
    answer gives the form and a message asking to retry, with a 503 (so caches and crawlers keep nothing)."""
    context = {"q": request.GET.get("q", "").strip(), "errors": [], "results": None, "consultations": []}
    if not context["q"]:
        return render(request, "frontend/search.html", context)
    params = SearchParamsSerializer(data=strict_query(request.GET))
    if not params.is_valid():
        context["errors"] = [str(m) for messages_ in params.errors.values() for m in messages_]
        return render(request, "frontend/search.html", context)
    try:
        context.update(_search_results(params.validated_data))
    except search.SearchUnavailable:
        context["errors"] = [unavailable_message()]
        response = render(request, "frontend/search.html", context, status=503)
        response["Retry-After"] = str(search.RETRY_AFTER)
        return response
    return render(request, "frontend/search.html", context)


def _search_results(data: dict) -> dict:
    """Proposals, and on the first page the live, public consultations that match, found through Wagtail's
    search backend (the engine when one is configured, else PostgreSQL)."""
    consultations = []
    if data["page"] == 1:
        # Every word must match, as for proposals (Wagtail's engine backend defaults to any word). A
        # handful at most: consultations are few, and proposals are what the page is for.
        found = ConsultationPage.objects.live().public().search(data["q"], operator="and")
        with search.engine_failures_as_unavailable():  # Wagtail's page search uses the same engine
            # A consultation and its translation may both match: it is listed once.
            consultations = ConsultationPage.one_per_consultation(found[:10])[:5]
    results = search_for(data)
    labels = dict(Status.choices)
    # The index holds each category's name in its consultation's original language.
    categories = category_names_of(hit.id for hit in results.hits)
    facets = results.facets.get("category", [])
    facet_names = category_names_by_slug(facet.value for facet in facets)
    # Stages as well: each hit's in its consultation's page in the reader's language, the facet by slug.
    stages = stage_names_of(hit.id for hit in results.hits if hit.stage)
    stage_facets = results.facets.get("stage", [])
    stage_facet_names = stage_names_by_slug(facet.value for facet in stage_facets)
    return {
        "category_facets": [
            replace(facet, label=facet_names.get(facet.value, facet.label)) for facet in facets
        ],
        "stage_facets": [
            replace(facet, label=stage_facet_names.get(facet.value, facet.label)) for facet in stage_facets
        ],
        "consultations": consultations,
        "results": results,
        "hits": [
            (
                hit,
                labels.get(hit.status, hit.status),
                categories.get(hit.id, hit.category_name),
                stages.get(hit.id, hit.stage_name),
            )
            for hit in results.hits
        ],
        "filters": {name: data.get(name) for name in ("consultation", "status", "category", "stage")},
    }
