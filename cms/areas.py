"""Areas from GeoJSON: an official uploads a file of boundaries to an area set (cms.area_forms), which is
checked here as a whole before anything is stored, then replaces the set's areas in one transaction.

What a file must be: a FeatureCollection of at most MAX_FEATURES features, each a Polygon or MultiPolygon
with a "name" property (non-empty text, at most 80 characters, unique in the file), positions [longitude,
latitude] in WGS84 within range, rings closed with at least 4 positions, at most MAX_VERTICES positions in
all and MAX_BYTES bytes. Every problem is reported, naming the feature (its number from 1 and its name), up
to MAX_ERRORS of them. Holes, winding order and self-intersections are not checked: the map draws what it is
given. A third number in a position (an altitude) is dropped.

Replacing keeps the areas whose name stays (their proposals and the citizens' declarations stay on them,
their boundary and order change), adds the new names and deletes the names that are gone: proposals that
named a deleted area name none, and citizens who declared it have declared nothing for the set.
"""

import json
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cocreate.limits import grouped

from .models import Area, AreaSet

MAX_BYTES = 2 * 1024 * 1024
MAX_FEATURES = 300
MAX_VERTICES = 100_000
MAX_ERRORS = 20
NAME_MAX = 80
# The names GeoJSON's first edition gave WGS84 in its optional "crs" member; RFC 7946 has no "crs" and
# means WGS84 always.
WGS84 = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
}


@dataclass(frozen=True)
class AreaBoundary:
    """One feature of a valid file: the area's name, its slug and its geometry as stored."""

    name: str
    slug: str
    geometry: dict


@dataclass(frozen=True)
class Replacement:
    """What an upload changed in a set: the names kept, added and removed, and how many proposals lost the
    area they named."""

    kept: list[str]
    added: list[str]
    removed: list[str]
    proposals_unset: int


class _Errors(Exception):
    pass


class _Checker:
    """Collects the problems of one file; stops at MAX_ERRORS."""

    def __init__(self):
        self.errors: list[str] = []
        self.vertices = 0

    def add(self, message: str) -> None:
        self.errors.append(message)
        if len(self.errors) >= MAX_ERRORS:
            raise _Errors

    def feature_label(self, index: int, name) -> str:
        if isinstance(name, str) and name.strip():
            return _("Feature %(number)s (“%(name)s”)") % {
                "number": index + 1,
                "name": name.strip()[:NAME_MAX],
            }
        return _("Feature %(number)s") % {"number": index + 1}

    def position(self, label: str, value) -> list[float] | None:
        if (
            not isinstance(value, list)
            or len(value) not in (2, 3)
            or not all(isinstance(n, int | float) and not isinstance(n, bool) for n in value)
        ):
            self.add(
                _("%(feature)s: a position is not [longitude, latitude] in numbers.") % {"feature": label}
            )
            return None
        lon, lat = value[0], value[1]
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            self.add(
                _(
                    "%(feature)s: the position [%(lon)s, %(lat)s] is out of range: longitude goes from -180 "
                    "to 180 and latitude from -90 to 90 (WGS84, longitude first)."
                )
                % {"feature": label, "lon": lon, "lat": lat}
            )
            return None
        return [lon, lat]

    def ring(self, label: str, value) -> list | None:
        if not isinstance(value, list) or len(value) < 4:
            self.add(_("%(feature)s: a ring has fewer than 4 positions.") % {"feature": label})
            return None
        self.vertices += len(value)
        if self.vertices > MAX_VERTICES:
            self.add(
                _("The file has more than %(max)s positions in all: simplify the boundaries.")
                % {"max": grouped(MAX_VERTICES)}
            )
            raise _Errors
        positions = [self.position(label, position) for position in value]
        if any(position is None for position in positions):
            return None
        if positions[0] != positions[-1]:
            self.add(
                _("%(feature)s: a ring is not closed (its last position is not its first).")
                % {"feature": label}
            )
            return None
        return positions

    def polygon(self, label: str, value) -> list | None:
        if not isinstance(value, list) or not value:
            self.add(_("%(feature)s: a polygon has no rings.") % {"feature": label})
            return None
        rings = [self.ring(label, ring) for ring in value]
        return None if any(ring is None for ring in rings) else rings

    def geometry(self, label: str, value) -> dict | None:
        kind = value.get("type") if isinstance(value, dict) else None
        if kind not in ("Polygon", "MultiPolygon"):
            self.add(_("%(feature)s: its geometry is not a Polygon or a MultiPolygon.") % {"feature": label})
            return None
        coordinates = value.get("coordinates")
        if kind == "Polygon":
            polygon = self.polygon(label, coordinates)
            return None if polygon is None else {"type": kind, "coordinates": polygon}
        if not isinstance(coordinates, list) or not coordinates:
            self.add(_("%(feature)s: a MultiPolygon has no polygons.") % {"feature": label})
            return None
        polygons = [self.polygon(label, polygon) for polygon in coordinates]
        return None if any(p is None for p in polygons) else {"type": kind, "coordinates": polygons}

    def name(self, label: str, properties) -> str | None:
        name = properties.get("name") if isinstance(properties, dict) else None
        if not isinstance(name, str) or not name.strip():
            self.add(_("%(feature)s: its “name” property is missing or empty.") % {"feature": label})
            return None
        name = " ".join(name.split())
        if len(name) > NAME_MAX:
            self.add(
                _("%(feature)s: its name is longer than %(max)s characters.")
                % {"feature": label, "max": NAME_MAX}
            )
            return None
        if not slugify(name, allow_unicode=True):
            self.add(_("%(feature)s: its name has no letter or digit.") % {"feature": label})
            return None
        return name


def _parse(data: bytes):
    def no_constant(constant: str):
        raise ValueError(constant)

    try:
        return json.loads(data.decode("utf-8-sig"), parse_constant=no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationError(_("The file is not valid JSON (UTF-8): is it a GeoJSON file?")) from None


def boundaries_from_geojson(data: bytes) -> list[AreaBoundary]:
    """The areas of a GeoJSON file's content (`data`), in the file's order; ValidationError listing every
    problem (up to MAX_ERRORS), each naming its feature, if the file is not entirely valid."""
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s bytes long, for %(max)s at most: simplify the boundaries.")
            % {"size": grouped(len(data)), "max": grouped(MAX_BYTES)}
        )
    document = _parse(data)
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ValidationError(_("The file is not a GeoJSON FeatureCollection."))
    crs = document.get("crs")
    if crs is not None and (
        not isinstance(crs, dict) or (crs.get("properties") or {}).get("name") not in WGS84
    ):
        raise ValidationError(
            _("The file’s coordinates are not in WGS84 (longitude, latitude): export it in WGS84.")
        )
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise ValidationError(_("The file has no features: each area is one feature."))
    if len(features) > MAX_FEATURES:
        raise ValidationError(
            _("The file has %(count)s features, for %(max)s at most.")
            % {"count": grouped(len(features)), "max": grouped(MAX_FEATURES)}
        )
    checker, boundaries, seen = _Checker(), [], {}
    try:
        for index, feature in enumerate(features):
            boundary = _feature(checker, index, feature, seen)
            if boundary is not None:
                boundaries.append(boundary)
    except _Errors:
        pass
    if checker.errors:
        raise ValidationError(checker.errors)
    return boundaries


def _feature(checker: _Checker, index: int, feature, seen: dict) -> AreaBoundary | None:
    """One feature checked: its boundary, or None once its problems are added to `checker`. `seen` maps
    each name's slug met so far to its feature's label."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        checker.add(
            _("%(feature)s is not a GeoJSON Feature.") % {"feature": checker.feature_label(index, None)}
        )
        return None
    properties = feature.get("properties")
    label = checker.feature_label(index, properties.get("name") if isinstance(properties, dict) else None)
    name = checker.name(label, properties)
    geometry = checker.geometry(label, feature.get("geometry"))
    if name is None:
        return None
    slug = slugify(name, allow_unicode=True)[:NAME_MAX]
    if slug in seen:
        checker.add(
            _("%(feature)s: its name is the same as %(other)s’s (letters’ case and punctuation aside).")
            % {"feature": label, "other": seen[slug]}
        )
        return None
    seen[slug] = label
    return None if geometry is None else AreaBoundary(name=name, slug=slug, geometry=geometry)


def area_set_replace_areas(*, area_set: AreaSet, boundaries: list[AreaBoundary]) -> Replacement:
    """Make `boundaries` (a valid file's, see boundaries_from_geojson) the areas of `area_set` (saved), in
    one transaction: an area whose name stays is kept (updated in place), the others are deleted, new names
    added. The set's row is locked, so two uploads to one set do not interleave."""
    with transaction.atomic():
        AreaSet.objects.select_for_update().filter(pk=area_set.pk).first()
        existing = {area.name: area for area in area_set.areas.all()}
        wanted = {boundary.name for boundary in boundaries}
        removed = [area for name, area in existing.items() if name not in wanted]
        gone = Area.objects.filter(pk__in=[area.pk for area in removed])
        # Through the reverse relation: the pages' floor names no model of the proposals'.
        proposals_unset = gone.aggregate(n=Count("proposals"))["n"] if removed else 0
        gone.delete()
        kept, added, changed = [], [], []
        # Slugs change with names only, and a name's slug is unique in the file: a kept area never takes
        # another's slug. New areas are inserted after the deletions, so a removed name's slug is free.
        for order, boundary in enumerate(boundaries):
            area = existing.get(boundary.name)
            if area is None:
                added.append(
                    Area(
                        area_set=area_set,
                        name=boundary.name,
                        slug=boundary.slug,
                        geometry=boundary.geometry,
                        sort_order=order,
                    )
                )
            else:
                area.slug, area.geometry, area.sort_order = boundary.slug, boundary.geometry, order
                changed.append(area)
                kept.append(area.name)
        Area.objects.bulk_update(changed, ["slug", "geometry", "sort_order"])
        Area.objects.bulk_create(added)
        area_set.updated_at = timezone.now()
        area_set.save(update_fields=["updated_at"])
    return Replacement(
        kept=kept,
        added=[area.name for area in added],
        removed=[area.name for area in removed],
        proposals_unset=proposals_unset,
    )
