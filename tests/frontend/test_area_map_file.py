"""GET /consultations/<id>/areas.svg: a consultation's area map as a file of its own, its legend drawn in,
in the reader's language, served so that it can run nothing; a 404 without areas or for a consultation
nobody may read."""

from xml.etree import ElementTree

import pytest
from django.test import Client

from tests.support import factories
from tests.support.area_maps import area_set

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def url(consultation) -> str:
    return f"/consultations/{consultation.pk}/areas.svg"


def parse(body: bytes):
    return ElementTree.fromstring(body)  # noqa: S314 - our own answer, under test


@pytest.fixture
def consultation():
    page = factories.consultation()
    north, _south = area_set("North <b>&</b>", "South", consultation=page)
    factories.ProposalFactory(consultation=page, area=north, supports_count=3)
    return page


def test_the_map_is_an_svg_image_that_runs_nothing(consultation):
    response = Client().get(url(consultation))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'none'" in policy and "sandbox" in policy
    body = response.content.decode()
    assert "<script" not in body and "<b>" not in body and " on" not in body.lower().replace(" one", "")
    root = parse(response.content)
    paths = root.findall(f"{SVG}g/{SVG}path")
    assert [p.find(f"{SVG}title").text for p in paths] == [
        "North <b>&</b>: 1 proposal, 3 supports",
        "South: 0 proposals, 0 supports",
    ]


def test_its_legend_is_drawn_in_the_readers_language(consultation):
    english = parse(Client().get(url(consultation)).content)
    french = parse(Client(headers={"accept-language": "fr-FR,fr;q=0.9"}).get(url(consultation)).content)

    assert [t.text for t in english.findall(f"{SVG}text")] == ["No proposals", "1 proposal"]
    assert [t.text for t in french.findall(f"{SVG}text")] == ["Aucune proposition", "1\u00a0proposition"]
    assert french.find(f"{SVG}title").text == "Propositions par secteur"


def test_no_file_without_areas_nor_for_a_consultation_nobody_may_read(consultation):
    unpublished = factories.consultation()
    area_set("North", consultation=unpublished)
    unpublished.unpublish()

    for page in (factories.consultation(), unpublished):
        assert Client().get(url(page)).status_code == 404
    assert Client().get("/consultations/999999/areas.svg").status_code == 404
    assert Client().post(url(consultation)).status_code == 405


def test_the_consultation_page_links_to_it(consultation):
    html = Client().get(consultation.url).content.decode()

    assert f'<a href="{url(consultation)}" download="areas.svg">Download the map (SVG)</a>' in html
