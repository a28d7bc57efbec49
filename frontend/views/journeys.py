"""A consultation's journey map on its own, as HTML, for journey.js to put in place of the one it shows."""

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cms.models import ConsultationPage

from ..journey_map import journey_config, journey_map_view

JOURNEY_MAP_CACHE_SECONDS = 30


@require_GET
def consultation_journey_map(request, page_id: int):
    """The journey map section of a live, public consultation's page (any of its translations' ids names
    it), in the reader's language: journey.js reads it again after a reconnection, when the events it
    missed are lost. `?version=N`: the journey's version the page knows of (the sum of its stages'); a
    rendering cached at that version or a later one is served, any other is made afresh, so the pages that
    reconnect together after a restart cost one rendering. 404 for a consultation without stages."""
    try:
        wanted = int(request.GET.get("version", "0"))
    except ValueError:
        return HttpResponseBadRequest(_("The version must be a whole number."), content_type="text/plain")
    consultation = get_object_or_404(ConsultationPage.objects.live().public().of_page(page_id))
    # By translation key, not id: ids restart in a database made anew, a cache may outlive it.
    key = f"journey_map_{consultation.translation_key}_{get_language()}"
    cached = cache.get(key)
    if cached is not None and cached[0] >= wanted:
        return HttpResponse(cached[1])
    journey_map = journey_map_view(consultation=consultation)
    if journey_map is None:
        return HttpResponse(_("This consultation has no journey map."), status=404, content_type="text/plain")
    html = render_to_string(
        "frontend/includes/journey_map.html",
        {"journey_map": journey_map, "journey_config": journey_config(consultation)},
        request=request,
    )
    cache.set(key, (journey_map.version, html), JOURNEY_MAP_CACHE_SECONDS)
    return HttpResponse(html)
