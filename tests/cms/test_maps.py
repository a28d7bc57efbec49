"""The area map's drawing (cms.maps): boundaries projected and fitted, holes and separate parts kept, the
drawing small, names escaped, classes and their legend."""

import re
from xml.etree import ElementTree

from cms import maps

SVG = "{http://www.w3.org/2000/svg}"


def square(lon, lat, size, *, reverse=False):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return ring[::-1] if reverse else ring


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def subpaths(d):
    """The absolute points of each subpath of path data written as cms.maps writes it: "M12 30l5-2 0 7Z",
    the first point absolute, each next one a step from the one before."""
    found = []
    for part in re.findall(r"M([^Z]*)Z", d):
        numbers = [int(n) for n in re.findall(r"-?\d+", part)]
        x, y = numbers[:2]
        points = [(x, y)]
        for dx, dy in zip(numbers[2::2], numbers[3::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x, y))
        found.append(points)
    return found


def parse(svg):
    return ElementTree.fromstring(svg)  # noqa: S314 - the module's own output, under test


def drawn(outline, areas, **kwargs):
    classes = kwargs.pop("classes", None) or maps.bands([a.value or 0 for a in areas])
    svg = maps.render(outline, areas, classes=classes, title="Map", description="Proposals by area", **kwargs)
    return svg, parse(svg)


def test_areas_are_fitted_to_the_view_box_north_up_and_west_left():
    west, east = polygon(square(2.30, 48.85, 0.01)), polygon(square(2.32, 48.85, 0.01))

    outline = maps.outline({"w": west, "e": east})

    assert outline.width == maps.WIDTH
    xs = {key: [x for part in subpaths(d) for x, _y in part] for key, d in outline.paths.items()}
    ys = [y for d in outline.paths.values() for part in subpaths(d) for _x, y in part]
    assert max(xs["w"]) < min(xs["e"])  # west is left
    assert (
        min(min(v) for v in xs.values()) == maps.MARGIN
        and max(max(v) for v in xs.values()) == maps.WIDTH - maps.MARGIN
    )
    assert (
        min(ys) == maps.MARGIN and outline.height - maps.MARGIN - 1 <= max(ys) <= outline.height - maps.MARGIN
    )


def test_longitudes_are_shortened_by_the_cosine_of_the_latitude():
    # A square of 0.01° by 0.01° at 60° north is half as wide as it is tall on the ground, and on the map.
    outline = maps.outline({1: polygon(square(10, 60, 0.01))}, max_height=2000)

    (part,) = subpaths(outline.paths[1])
    width = max(x for x, _ in part) - min(x for x, _ in part)
    height = max(y for _, y in part) - min(y for _, y in part)
    assert abs(height / width - 2) < 0.01


def test_a_hole_and_the_parts_of_a_multipolygon_are_subpaths_of_one_path_drawn_evenodd():
    with_hole = polygon(square(0, 0, 1), square(0.4, 0.4, 0.2, reverse=True))
    islands = {"type": "MultiPolygon", "coordinates": [[square(2, 0, 0.5)], [square(3, 0, 0.5)]]}

    outline = maps.outline({"hole": with_hole, "islands": islands})
    _svg, root = drawn(outline, [maps.MapArea("hole", "A", 1, "1"), maps.MapArea("islands", "B", 2, "2")])

    assert len(subpaths(outline.paths["hole"])) == 2
    assert len(subpaths(outline.paths["islands"])) == 2
    (group,) = root.findall(f"{SVG}g")
    assert group.get("fill-rule") == "evenodd" and len(group.findall(f"{SVG}path")) == 2


def test_points_closer_than_half_a_unit_to_the_line_are_dropped_and_the_corners_kept():
    # A square's side with 1,000 points on it: the drawing keeps the four corners.
    side = [[i / 1000, 0] for i in range(1000)]
    ring = [*side, [1, 0], [1, 1], [0, 1], [0, 0]]

    (part,) = subpaths(maps.outline({1: polygon(ring)}).paths[1])

    assert len(part) == 4


def test_coordinates_are_whole_units_each_a_step_from_the_one_before():
    outline = maps.outline({1: polygon(square(2.3456789, 48.8512345, 0.0123456))}, max_height=2000)

    d = outline.paths[1]
    assert re.fullmatch(r"M\d+ \d+l(-?\d+[ ]?)+Z", d.replace(" -", "-")), d
    (points,) = subpaths(d)
    assert (
        points == [(4, 4), (4, outline.height - 4), (636, outline.height - 4), (636, 4)] or len(points) == 4
    )


def test_a_ring_smaller_than_the_tolerance_is_kept_rather_than_lost():
    big, tiny = polygon(square(0, 0, 1)), polygon(square(0.5, 0.5, 0.004))

    outline = maps.outline({"big": big, "tiny": tiny})

    assert len(subpaths(outline.paths["tiny"])[0]) >= 3


def test_other_geometries_and_bad_coordinates_draw_nothing_for_that_area():
    outline = maps.outline(
        {
            "ok": polygon(square(0, 0, 1)),
            "point": {"type": "Point", "coordinates": [0, 0]},
            "junk": {"type": "Polygon", "coordinates": [[["a", "b"], None]]},
            "none": None,
        }
    )

    assert set(outline.paths) == {"ok"}
    assert maps.outline({}).empty


def test_names_and_words_are_escaped():
    outline = maps.outline({1: polygon(square(0, 0, 1))})
    name = '<script>alert(1)</script> & "Quartier"'

    svg, root = drawn(
        outline,
        [maps.MapArea(1, name, 3, "3 proposals <b>")],
        id_prefix='x"><script>',
    )

    assert "<script>" not in svg and "<b>" not in svg
    (path,) = root.findall(f"{SVG}g/{SVG}path")
    assert path.find(f"{SVG}title").text == f"{name}: 3 proposals <b>"


def test_the_map_is_one_image_with_a_title_and_a_description():
    svg, root = drawn(maps.outline({1: polygon(square(0, 0, 1))}), [maps.MapArea(1, "A", 1, "1")])

    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert (title.text, desc.text) == ("Map", "Proposals by area")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "style=" not in svg and "<script" not in svg


def test_bands_are_zero_then_equal_classes_up_to_the_highest_figure():
    assert [(b.low, b.high) for b in maps.bands([0, 5, 90, 12])] == [(0, 0), (1, 30), (31, 60), (61, 90)]
    assert [(b.low, b.high) for b in maps.bands([2, 1])] == [(0, 0), (1, 1), (2, 2)]
    assert [(b.low, b.high) for b in maps.bands([0, 0])] == [(0, 0)]
    assert [(b.low, b.high) for b in maps.bands([])] == [(0, 0)]


def test_bands_may_start_above_one_when_the_smaller_figures_are_withheld():
    assert [(b.low, b.high) for b in maps.bands([0, 5, 34], start=5)] == [(0, 0), (5, 14), (15, 24), (25, 34)]
    assert [(b.low, b.high) for b in maps.bands([0, 6], start=5)] == [(0, 0), (5, 5), (6, 6)]
    assert [(b.low, b.high) for b in maps.bands([0], start=5)] == [(0, 0)]


def test_each_class_has_its_own_fill_and_pattern_and_the_areas_take_their_class():
    outline = maps.outline({k: polygon(square(k, 0, 1)) for k in range(5)})
    values = [0, 10, 50, 90, None]
    classes = maps.bands([v for v in values if v is not None])
    areas = [maps.MapArea(k, f"A{k}", v, str(v)) for k, v in enumerate(values)]

    _svg, root = drawn(outline, areas, classes=classes)

    fills = [p.get("fill") for p in root.findall(f"{SVG}g/{SVG}path")]
    assert fills == ["url(#area-map-0)", "url(#area-map-1)", "url(#area-map-2)", "url(#area-map-3)",
                     "url(#area-map-withheld)"]  # fmt: skip
    patterns = root.findall(f"{SVG}defs/{SVG}pattern")
    assert len(patterns) == 5
    # Told apart without colour: no two classes share their marks.
    marks = [
        (pattern.get("patternTransform"), *(ElementTree.tostring(mark) for mark in list(pattern)[1:]))
        for pattern in patterns
    ]
    assert len(set(marks)) == 5
    assert len({pattern.find(f"{SVG}rect").get("fill") for pattern in patterns[:4]}) == 4


def test_a_legend_swatch_draws_its_class_alone_and_is_hidden_from_screen_readers():
    classes = maps.bands([10])

    swatch = parse(maps.swatch(classes[1], id_prefix="m"))
    withheld = parse(maps.swatch(None, id_prefix="m"))

    assert swatch.get("aria-hidden") == "true"
    assert swatch.find(f"{SVG}rect").get("fill") == "url(#m-key-1)"
    assert withheld.find(f"{SVG}rect").get("fill") == "url(#m-key-withheld)"


def test_a_large_boundary_makes_a_small_drawing():
    # A circle of 20,000 points: the drawing keeps what half a unit can show.
    from math import cos, pi, sin

    ring = [
        [2.35 + 0.05 * cos(2 * pi * i / 20000), 48.85 + 0.03 * sin(2 * pi * i / 20000)] for i in range(20000)
    ]
    ring.append(ring[0])

    d = maps.outline({1: polygon(ring)}).paths[1]

    assert len(subpaths(d)[0]) < 300
    assert len(d) < 5000
