"""A consultation's area map as an SVG file of its own (GET /consultations/<id>/areas.svg), to embed or to
save: the map of its page with its legend drawn in, in the reader's language, for a live, public
consultation that has areas (a 404 otherwise, as for its page).

An SVG opened on its own is a document that could run script: this one has none (cms.maps writes no
script, no event attribute, and escapes every word), and its policy forbids any anyway, loads nothing
and sandboxes it; nosniff keeps it an image."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from cms.models import ConsultationPage

from ..area_maps import consultation_area_map

MAP_POLICY = "default-src 'none'; style-src 'none'; script-src 'none'; sandbox"
# The figures move with every support: a browser or a shared cache may keep the file a minute.
MAP_CACHE = "public, max-age=60"


@require_safe
def consultation_map_svg(request, page_id: int):
    consultation = get_object_or_404(ConsultationPage.objects.live().public().of_page(page_id))
    found = consultation_area_map(consultation=consultation, standalone=True)
    if found is None or found.drawing is None:
        raise Http404
    response = HttpResponse(found.drawing.svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = MAP_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = 'inline; filename="areas.svg"'
    response["Cache-Control"] = MAP_CACHE
    patch_vary_headers(response, ("Accept-Language", "Cookie"))  # the words are in the reader's language
    return response
