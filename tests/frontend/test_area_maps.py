"""The area maps of the public pages: a consultation's proposals by area (the map and its table), a
proposal's supporters by declared area with nothing under five shown, both in French, names escaped, no
map without an area set, and the drawing kept between renders until new boundaries are uploaded."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.support import factories
from tests.support.area_maps import area_set, supporters
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db

FRENCH = {"accept-language": "fr-FR,fr;q=0.9"}


def section(response, role: str) -> str:
    found = re.search(
        rf'<section class="area-map"[^>]*data-role="{role}".*?</section>', response.content.decode(), re.S
    )
    assert found, f"the page has no {role}"
    return found[0]


def rows(html: str) -> list[tuple[str, ...]]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)[1]
    return [
        tuple(
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        )
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def proposal(consultation, area, supports):
    return factories.ProposalFactory(consultation=consultation, area=area, supports_count=supports)


@pytest.fixture
def districts():
    consultation = factories.consultation()
    north, south = area_set("North", "South", consultation=consultation)
    proposal(consultation, north, 10)
    proposal(consultation, north, 5)
    proposal(consultation, None, 7)
    return consultation, north, south


def test_the_consultation_page_shows_the_map_and_the_same_figures_in_a_table(districts):
    consultation, north, south = districts

    html = section(Client().get(consultation.url), "area-map")

    assert rows(html) == [("North", "2", "15"), ("South", "0", "0"), ("No area given", "1", "7")]
    svg = re.search(r"<svg[^>]*class=\"area-map__drawing\".*?</svg>", html, re.S)[0]
    assert 'role="img"' in svg
    assert svg.count("<path ") == 2
    assert "<title>North: 2 proposals, 15 supports</title>" in svg
    assert "<title>South: 0 proposals, 0 supports</title>" in svg
    legend = re.findall(r'<li class="area-map__key">.*?</svg>\s*(.*?)</li>', html, re.S)
    assert legend == ["No proposals", "1 proposal", "2 proposals"]


def test_a_consultation_without_areas_has_no_map():
    consultation = factories.consultation()
    proposal(consultation, None, 3)

    response = Client().get(consultation.url)

    assert 'data-role="area-map"' not in response.content.decode()
    assert "Proposals by area" not in visible_text(response)


def test_area_names_are_escaped_in_the_map_and_the_table():
    consultation = factories.consultation()
    (area,) = area_set('<img src=x onerror="alert(1)">Quartier & co', consultation=consultation)
    proposal(consultation, area, 1)

    html = Client().get(consultation.url).content.decode()

    assert "<img src=x" not in html
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Quartier &amp; co"
    assert section(Client().get(consultation.url), "area-map").count(escaped) == 2  # the map, the table


def test_the_consultation_map_in_french(districts):
    consultation, _north, _south = districts

    response = Client(headers=FRENCH).get(consultation.url)
    html = section(response, "area-map")

    assert "Propositions par secteur" in visible_text(response)
    assert rows(html)[-1] == ("Aucun secteur indiqué", "1", "7")
    # French typography: a no-break space between a number and what it counts.
    assert "<title>North: 2\u00a0propositions, 15\u00a0soutiens</title>" in html
    assert "Aucune proposition" in html


def test_the_drawing_is_kept_between_renders_and_drawn_again_after_an_upload(districts):
    consultation, north, _south = districts
    Client().get(consultation.url)

    with CaptureQueriesContext(connection) as queries:
        before = section(Client().get(consultation.url), "area-map")
    assert not any('"geometry"' in q["sql"] for q in queries.captured_queries)

    # New boundaries, as an upload writes them: North half as wide.
    north.geometry = factories.square(2.30, 48.85, 0.005)
    north.save()
    north.area_set.updated_at = timezone.now()
    north.area_set.save()
    after = section(Client().get(consultation.url), "area-map")

    path = r'<path d="([^"]+)"'
    assert re.findall(path, after) != re.findall(path, before)


def test_the_proposal_page_shows_its_supporters_by_area_with_nothing_under_five(districts):
    consultation, north, south = districts
    idea = proposal(consultation, north, 0)
    supporters(idea, 6, north)
    supporters(idea, 2, south)
    supporters(idea, 3)

    response = Client().get(idea.get_absolute_url())
    html = section(response, "supports-by-area")

    assert rows(html) == [
        ("North", "6"),
        ("South", "fewer than 5"),
        ("No area declared, or an area with fewer than 5", "5"),
    ]
    assert "<title>North: 6 supporters</title>" in html
    assert "<title>South: fewer than 5 supporters</title>" in html
    assert "In all 11" in visible_text(response)
    assert ">2<" not in html.split("<tbody>")[1]


def test_a_proposal_whose_areas_all_have_fewer_than_five_gets_the_table_without_a_map(districts):
    consultation, north, _south = districts
    idea = proposal(consultation, north, 0)
    supporters(idea, 4, north)

    html = section(Client().get(idea.get_absolute_url()), "supports-by-area")

    assert "<svg" not in html.split("<table")[0]
    assert rows(html) == [
        ("North", "fewer than 5"),
        ("South", "0"),
        ("No area declared, or an area with fewer than 5", "4"),
    ]


def test_no_supporters_section_without_areas_or_without_supports(districts):
    consultation, north, _south = districts
    unsupported = proposal(consultation, north, 0)
    elsewhere = factories.ProposalFactory()
    supporters(elsewhere, 6)

    for idea in (unsupported, elsewhere):
        assert 'data-role="supports-by-area"' not in Client().get(idea.get_absolute_url()).content.decode()


def test_the_proposal_page_in_french(districts):
    consultation, north, south = districts
    idea = proposal(consultation, north, 0)
    supporters(idea, 5, north)
    supporters(idea, 1, south)

    response = Client(headers=FRENCH).get(idea.get_absolute_url())
    html = section(response, "supports-by-area")

    assert rows(html) == [
        ("North", "5"),
        ("South", "moins de 5"),
        ("Aucun secteur déclaré, ou un secteur de moins de 5", "1"),
    ]
    assert "Soutiens par secteur" in visible_text(response)
    assert "En tout 6" in visible_text(response)
    assert "Moins de 5\u00a0soutiens" in html


def test_the_legend_names_each_class_with_its_range():
    consultation = factories.consultation()
    areas = area_set("A", "B", "C", consultation=consultation)
    for area, n in zip(areas, (0, 3, 9), strict=True):
        for _ in range(n):
            proposal(consultation, area, 0)

    html = section(Client().get(consultation.url), "area-map")

    legend = re.findall(r'<li class="area-map__key">.*?</svg>\s*(.*?)</li>', html, re.S)
    assert legend == ["No proposals", "1 to 3 proposals", "4 to 6 proposals", "7 to 9 proposals"]
    fills = re.findall(r'<path d="[^"]+" fill="url\(#consultation-areas-(\w+)\)"', html)
    assert fills == ["0", "1", "3"]
