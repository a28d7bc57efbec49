"""Area maps drawn on the server as SVG from the areas' GeoJSON boundaries: no tile server, no script, no
network, the same drawing offline. Pure functions: geometries and figures in, an SVG string out; the words
(title, description, each area's figures, the legend's labels) come from the caller in the reader's
language, and every one of them is escaped here (area names are what an official uploaded).

Two steps, so that the costly one is done once per set of areas:
- `outline`: the boundaries projected, fitted to a viewBox, simplified and written as path data. It
  depends on the geometries only (cache it per area set: they change only when an official uploads them).
- `render`: the outline shaded by a figure per area, a choropleth in a few classes (`bands`).

The projection is equirectangular with the longitudes scaled by the cosine of the middle latitude: over a
city or a region (tens of kilometres) it keeps shapes and areas within a fraction of a percent of a
conformal projection's, which no reader can see, and needs no projection library; it would stretch a
country-sized set east-west near its edges, which a consultation's districts never are.

Not by colour alone (WCAG 1.4.1): each class has its fill and a line pattern of its own (none, sparse
lines, dense lines, cross-hatching), the legend shows both, and each area's figures are in its <title>
(shown on hover) and in the table the page puts beside the map, which is the text alternative: the SVG is
one image (role="img", with its <title> and <desc>), so its parts are not announced one by one. Every fill
keeps 3:1 against the black boundaries drawn round it and the darkest against the white page (WCAG 1.4.11).
Presentation attributes only (the Content-Security-Policy forbids style attributes)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import ceil, cos, radians

from django.utils.html import escape

WIDTH = 640  # units of the viewBox; its height follows the areas' shape
MAX_HEIGHT = 960  # a set of areas much taller than wide is drawn narrower rather than taller
MARGIN = 4  # units clear round the drawing, so that the boundaries are not cut by its edge
TOLERANCE = 0.5  # Douglas-Peucker tolerance in viewBox units: half a pixel on a 640-pixel-wide map

INK = "#000000"  # boundaries and patterns: 3:1 at least against every fill below
# (fill, pattern) of each class, lowest first: a fill of its own and a pattern that tells it from its
# neighbours without colour. Contrasts against black: 21, 16.2, 10.4, 6.4; the last against white: 3.3.
SHADES = (
    ("#ffffff", None),
    ("#d4e6f5", "lines-sparse"),
    ("#8fbde0", "lines-dense"),
    ("#4a93cc", "cross"),
)
WITHHELD = ("#ffffff", "dots")  # a figure not shown (too few people to show it without singling them out)
PATTERN_SIZE = 10
KEY_LINE = 28  # units of height per line of a legend drawn under the map


@dataclass(frozen=True)
class Outline:
    """The areas' boundaries as path data in a viewBox of `width` by `height`, by the caller's key. Plain
    data: it pickles, so it can be cached."""

    width: int
    height: int
    paths: dict

    @property
    def empty(self) -> bool:
        return not self.paths


@dataclass(frozen=True)
class Band:
    """One class of the choropleth: the figures from `low` to `high`, both included."""

    index: int
    low: int
    high: int
    fill: str
    pattern: str | None


@dataclass(frozen=True)
class MapArea:
    """One area as the map shows it: `value` picks its class (None: withheld, see WITHHELD), `summary` is
    its figures in words, the tooltip of its shape after its name."""

    key: object
    name: str
    value: int | None
    summary: str


def _rings(geometry) -> list:
    """The rings of a GeoJSON Polygon or MultiPolygon, outer and inner alike (evenodd tells them apart);
    nothing for any other geometry (the upload refuses them: a stray one is left out, not fatal)."""
    if not isinstance(geometry, Mapping):
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if not isinstance(coordinates, list):
        return []
    if kind == "Polygon":
        return list(coordinates)
    if kind == "MultiPolygon":
        return [ring for polygon in coordinates if isinstance(polygon, list) for ring in polygon]
    return []


def _points(ring) -> list[tuple[float, float]]:
    points = []
    for position in ring if isinstance(ring, list) else []:
        if isinstance(position, list | tuple) and len(position) >= 2:
            lon, lat = position[0], position[1]
            if isinstance(lon, int | float) and isinstance(lat, int | float):
                points.append((float(lon), float(lat)))
    return points


def _distance(point, start, end) -> float:
    """Distance from `point` to the segment from `start` to `end`."""
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    x, y = ax + t * dx - px, ay + t * dy - py
    return (x * x + y * y) ** 0.5


def simplify(points: Sequence[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: the fewest of `points` (first and last kept) such that none left out is farther than
    `tolerance` from the line kept. Iterative, so a ring of 100,000 points does not hit the recursion
    limit."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > farthest:
                farthest, index = d, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _relative(points: list[tuple[int, int]]) -> str:
    """Path data of a closed ring of whole-unit points: the first absolute, then each as a step from the
    one before ("M12 30l5-2 0 7Z"), which takes half the characters of absolute numbers; the steps are
    between the rounded points, so no error adds up along the ring."""
    (x0, y0), steps = points[0], []
    for (px, py), (x, y) in zip(points, points[1:], strict=False):
        steps += (x - px, y - py)
    body = ""
    for n in steps:
        body += str(n) if n < 0 and body else f" {n}" if body else str(n)  # "-" separates on its own
    return f"M{x0} {y0}l{body}Z"


def _path(rings: list[list[tuple[float, float]]], tolerance: float) -> str:
    """The rings simplified (`tolerance`) and rounded to whole units: at most a unit off, a pixel of the
    map at its widest on a screen, half of one on a phone. A ring that rounds to fewer than three points is
    left out."""
    parts = []
    for ring in rings:
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring = ring[:-1]  # GeoJSON closes a ring on its first point; Z does here
        if len(ring) < 3:
            continue
        # Simplified as a closed line: from the first point round and back to it.
        kept = simplify([*ring, ring[0]], tolerance)[:-1]
        if len(kept) < 3:  # smaller than the tolerance: kept whole rather than lost
            kept = ring
        rounded: list[tuple[int, int]] = []
        for x, y in kept:
            point = (round(x), round(y))
            if not rounded or rounded[-1] != point:
                rounded.append(point)
        if len(rounded) > 1 and rounded[-1] == rounded[0]:
            rounded.pop()
        if len(set(rounded)) >= 3:
            parts.append(_relative(rounded))
    return "".join(parts)


def outline(
    geometries: Mapping[object, object],
    *,
    width: int = WIDTH,
    max_height: int = MAX_HEIGHT,
    margin: int = MARGIN,
    tolerance: float = TOLERANCE,
) -> Outline:
    """`geometries` (GeoJSON Polygons or MultiPolygons, WGS84 [longitude, latitude]) by key, projected
    together (see the module), fitted into a viewBox `width` wide (narrower if they are much taller than
    wide), simplified to `tolerance` units and rounded to whole units. An area without a usable ring has no
    path; no area at all makes an empty outline."""
    rings = {key: [_points(ring) for ring in _rings(geometry)] for key, geometry in geometries.items()}
    lons = [lon for parts in rings.values() for ring in parts for lon, _lat in ring]
    lats = [lat for parts in rings.values() for ring in parts for _lon, lat in ring]
    if not lons:
        return Outline(width, 0, {})
    scale_x = cos(radians((min(lats) + max(lats)) / 2))
    west, east, south, north = min(lons) * scale_x, max(lons) * scale_x, min(lats), max(lats)
    span_x, span_y = max(east - west, 1e-9), max(north - south, 1e-9)
    inner = width - 2 * margin
    scale = min(inner / span_x, (max_height - 2 * margin) / span_y)
    # Whole units, rounded up: the margin never shrinks below `margin`.
    drawn_width = min(width, ceil(span_x * scale + 2 * margin))
    height = ceil(span_y * scale + 2 * margin)
    paths = {}
    for key, parts in rings.items():
        projected = [
            [(margin + (lon * scale_x - west) * scale, margin + (north - lat) * scale) for lon, lat in ring]
            for ring in parts
        ]
        d = _path(projected, tolerance)
        if d:
            paths[key] = d
    return Outline(drawn_width, height, paths)


def bands(values: Iterable[int], *, count: int = len(SHADES) - 1, start: int = 1) -> list[Band]:
    """The choropleth's classes for these figures: 0 alone first, then up to `count` classes of equal width
    (whole numbers) from `start` up to the highest figure. Equal widths read at a glance in the legend ("1
    to 40, 41 to 80"); with figures 1 and 2 only, two classes of one figure each. `start` above 1 when the
    figures under it are withheld (see WITHHELD). Figures under `start` fall in the first class."""
    top = max([0, *values])
    classes = [Band(0, 0, 0, *SHADES[0])]
    if top < start:
        return classes
    count = min(count, top - start + 1, len(SHADES) - 1)
    step = -(-(top - start + 1) // count)  # rounded up: the last class ends at the top
    low = start
    for index in range(1, count + 1):
        high = min(top, low + step - 1)
        classes.append(Band(index, low, high, *SHADES[index]))
        low = high + 1
        if low > top:
            break
    return classes


def band_of(value: int | None, classes: Sequence[Band]) -> Band | None:
    """The class of `value` (None for a withheld figure)."""
    if value is None:
        return None
    for band in classes:
        if band.low <= value <= band.high:
            return band
    return classes[-1] if value > classes[-1].high else classes[0]


def _pattern(element_id: str, fill: str, pattern: str | None) -> str:
    s = PATTERN_SIZE
    marks = {
        None: "",
        "lines-sparse": f'<line x1="0" y1="0" x2="0" y2="{s}" stroke="{INK}" stroke-width="1"/>',
        "lines-dense": (
            f'<line x1="0" y1="0" x2="0" y2="{s}" stroke="{INK}" stroke-width="1.5"/>'
            f'<line x1="{s / 2:g}" y1="0" x2="{s / 2:g}" y2="{s}" stroke="{INK}" stroke-width="1.5"/>'
        ),
        "cross": (
            f'<line x1="0" y1="0" x2="0" y2="{s}" stroke="{INK}" stroke-width="1.5"/>'
            f'<line x1="0" y1="0" x2="{s}" y2="0" stroke="{INK}" stroke-width="1.5"/>'
        ),
        "dots": f'<circle cx="{s / 2:g}" cy="{s / 2:g}" r="1.5" fill="{INK}"/>',
    }[pattern]
    rotate = ' patternTransform="rotate(45)"' if pattern in ("lines-sparse", "lines-dense", "cross") else ""
    return (
        f'<pattern id="{escape(element_id)}" patternUnits="userSpaceOnUse" width="{s}" height="{s}"{rotate}>'
        f'<rect width="{s}" height="{s}" fill="{fill}"/>{marks}</pattern>'
    )


def _paint(prefix: str, band: Band | None) -> tuple[str, str]:
    """The element id of a class's pattern (or of the withheld one) and its definition."""
    if band is None:
        return f"{prefix}-withheld", _pattern(f"{prefix}-withheld", *WITHHELD)
    return f"{prefix}-{band.index}", _pattern(f"{prefix}-{band.index}", band.fill, band.pattern)


def render(
    shapes: Outline,
    areas: Iterable[MapArea],
    *,
    classes: Sequence[Band],
    title: str,
    description: str,
    id_prefix: str = "area-map",
    legend: Sequence[tuple[Band | None, str]] = (),
) -> str:
    """The map: one <path> per area of `areas` that has a shape in `shapes` (fill-rule evenodd: holes and
    separate parts of one area), filled with its class's pattern, named with its figures in its <title>.
    `id_prefix` names the patterns and the title: distinct for each map of a page. `legend`, for a map
    shown on its own (a page gives its key as text beside it): (class or None for the withheld one,
    label) drawn under the map, a swatch and its label a line each."""
    used: dict[str, str] = {}
    drawn = []
    for area in areas:
        d = shapes.paths.get(area.key)
        if not d:
            continue
        paint_id, definition = _paint(id_prefix, band_of(area.value, classes))
        used.setdefault(paint_id, definition)
        drawn.append(
            f'<path d="{d}" fill="url(#{escape(paint_id)})" vector-effect="non-scaling-stroke">'
            f"<title>{escape(area.name)}: {escape(area.summary)}</title></path>"
        )
    key, height = [], shapes.height
    for band, label in legend:
        paint_id, definition = _paint(id_prefix, band)
        used.setdefault(paint_id, definition)
        key.append(
            f'<rect x="{MARGIN + 0.5}" y="{height + 8.5}" width="31" height="19" '
            f'fill="url(#{escape(paint_id)})" stroke="{INK}" stroke-width="1"/>'
            f'<text x="{MARGIN + 40}" y="{height + 23}" font-size="16" font-family="sans-serif" '
            f'fill="{INK}">{escape(label)}</text>'
        )
        height += KEY_LINE
    prefix = escape(id_prefix)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="area-map__drawing" role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" viewBox="0 0 {shapes.width} {height}" '
        f'width="{shapes.width}" height="{height}" focusable="false">'
        f'<title id="{prefix}-title">{escape(title)}</title>'
        f'<desc id="{prefix}-desc">{escape(description)}</desc>'
        f"<defs>{''.join(used.values())}</defs>"
        # What every area's path shares, said once: evenodd (holes, separate parts), the boundary's ink.
        f'<g fill-rule="evenodd" stroke="{INK}" stroke-width="1" stroke-linejoin="round">{"".join(drawn)}</g>'
        f"{''.join(key)}</svg>"
    )


def swatch(band: Band | None, *, id_prefix: str) -> str:
    """A legend's sample of a class (None: the withheld one), decorative (its label says the same):
    its own pattern, so that it stands apart from the map."""
    paint_id, definition = _paint(f"{id_prefix}-key", band)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="area-map__swatch" aria-hidden="true" '
        f'focusable="false" viewBox="0 0 32 20" width="32" height="20"><defs>{definition}</defs>'
        f'<rect x="0.5" y="0.5" width="31" height="19" fill="url(#{escape(paint_id)})" stroke="{INK}" '
        f'stroke-width="1"/></svg>'
    )
