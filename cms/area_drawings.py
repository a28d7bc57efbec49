"""The areas of an area set as its maps need them: the list in order (without the boundaries), and the
boundaries drawn once (cms.maps.outline) and kept in the cache, since they change only when an official
uploads new ones.

The drawing's cache key carries what an upload changes: the set's `updated_at` (which the upload sets) and
the ids of its areas (which an upload that removes or adds an area changes), both read with the list, so
that a map drawn before an upload is never shown after it and no other query is needed. Drawing 30
districts of 2,000 points each reads their whole GeoJSON and takes tens of milliseconds; with the drawing
in the cache, a page reads neither."""

import hashlib

from django.core.cache import cache
from django.db.models import F

from . import maps
from .models import Area

OUTLINE_SECONDS = 7 * 24 * 3600  # an upload changes the key: the old drawing is never read again


def area_list(*, area_set_id: int) -> list[Area]:
    """The set's areas in their order, without their boundaries, each with `set_updated_at` (its set's
    `updated_at`, for area_outline's key): one query."""
    return list(
        Area.objects.filter(area_set_id=area_set_id)
        .defer("geometry")
        .annotate(set_updated_at=F("area_set__updated_at"))
        .order_by("sort_order", "pk")
    )


def _key(area_set_id: int, areas: list[Area]) -> str:
    updated = areas[0].set_updated_at.isoformat() if areas and areas[0].set_updated_at else ""
    ids = hashlib.sha256(",".join(str(area.pk) for area in sorted(areas, key=lambda a: a.pk)).encode())
    return f"area-outline:{area_set_id}:{updated}:{ids.hexdigest()[:16]}"


def area_outline(*, area_set_id: int, areas: list[Area]) -> maps.Outline:
    """The set's boundaries drawn (by area id), from the cache; drawn from the rows and kept when missing.
    `areas`: area_list's answer for the set."""
    key = _key(area_set_id, areas)
    found = cache.get(key)
    if found is None:
        geometries = dict(Area.objects.filter(area_set_id=area_set_id).values_list("pk", "geometry"))
        found = maps.outline(geometries)
        cache.set(key, found, OUTLINE_SECONDS)
    return found
