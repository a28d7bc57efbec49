"""Officials give consultations their areas by uploading GeoJSON boundaries to an area set in the CMS: a bad
file is refused with a message naming what is wrong (and the feature), nothing stored; a new file replaces
the areas, keeping those whose name stays; moderators, citizens and visitors cannot reach any of it."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset
from wagtail.users.models import UserProfile

from cms.areas import MAX_BYTES, MAX_FEATURES, MAX_VERTICES
from cms.models import Area, AreaSet, ConsultationPage
from proposals.models import DeclaredArea, Proposal
from tests.support import factories
from tests.support.forms import page_form
from tests.support.pages import NB, visible_text, visible_text_with_nbsp

pytestmark = pytest.mark.django_db


def url(action: str, *args) -> str:
    return reverse(f"wagtailsnippets_cms_areaset:{action}", args=args)


def feature(name, geometry=None, **properties) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": name, **properties},
        "geometry": geometry or factories.square(2.3, 48.85),
    }


def collection(*features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def upload(content, name: str = "districts.geojson") -> SimpleUploadedFile:
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    return SimpleUploadedFile(name, data, content_type="application/geo+json")


def post(client, content, *, name="Districts", area_set=None):
    data = {"name": name}
    if content is not None:
        data["boundaries"] = upload(content)
    target = url("add") if area_set is None else url("edit", area_set.pk)
    return client.post(target, data)


def errors(response) -> list[str]:
    assert response.status_code == 200, "the form was accepted"
    return list(response.context["form"].errors.get("boundaries", []))


def test_an_official_uploads_districts(client_as, official):
    north = factories.square(2.30, 48.86)
    south = {"type": "MultiPolygon", "coordinates": [factories.square(2.30, 48.84)["coordinates"]]}

    response = post(
        client_as(official), collection(feature(" North  side ", north), feature("Sud-Est", south))
    )

    assert response.status_code == 302, response.context and response.context["form"].errors
    area_set = AreaSet.objects.get()
    assert area_set.name == "Districts" and area_set.updated_at is not None
    assert [(a.name, a.slug, a.geometry, a.sort_order) for a in area_set.areas.all()] == [
        ("North side", "north-side", north, 0),
        ("Sud-Est", "sud-est", south, 1),
    ]
    listing = visible_text(client_as(official).get(url("list")))
    assert "Districts" in listing


def test_a_position_with_an_altitude_is_kept_without_it(client_as, official):
    ring = [[2.3, 48.8, 35], [2.4, 48.8, 35], [2.4, 48.9, 36], [2.3, 48.8, 35]]

    post(client_as(official), collection(feature("Hill", {"type": "Polygon", "coordinates": [ring]})))

    assert Area.objects.get().geometry["coordinates"] == [
        [[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]]
    ]


def ring_of(*positions) -> dict:
    return {"type": "Polygon", "coordinates": [list(positions)]}


OPEN_RING = ring_of([0, 0], [1, 0], [1, 1], [0, 1])
SHORT_RING = ring_of([0, 0], [1, 0], [0, 0])
LATITUDE_FIRST = ring_of([48.8, 2.3], [48.8, 200], [48.9, 2.4], [48.8, 2.3])
TEXT_POSITION = ring_of(["2.3", "48.8"], [2.4, 48.8], [2.4, 48.9], ["2.3", "48.8"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n", "The file is not valid JSON (UTF-8): is it a GeoJSON file?"),
        (b'{"type": "FeatureCollection", "features": [', "The file is not valid JSON (UTF-8)"),
        (b'{"type": "FeatureCollection", "features": [NaN]}', "The file is not valid JSON (UTF-8)"),
        (b"[" * 100_000 + b"]" * 100_000, "The file is not valid JSON (UTF-8)"),
        ({"type": "Feature", "geometry": None}, "The file is not a GeoJSON FeatureCollection."),
        (factories.square(0, 0), "The file is not a GeoJSON FeatureCollection."),
        (collection(), "The file has no features: each area is one feature."),
        (
            {**collection(feature("A")), "crs": {"type": "name", "properties": {"name": "EPSG:2154"}}},
            "The file’s coordinates are not in WGS84 (longitude, latitude): export it in WGS84.",
        ),
        (collection({"type": "Point"}), "Feature 1 is not a GeoJSON Feature."),
        (collection(feature("A"), feature("")), "Feature 2: its “name” property is missing or empty."),
        (collection(feature(42)), "Feature 1: its “name” property is missing or empty."),
        (collection(feature("x" * 81)), f"Feature 1 (“{'x' * 80}”): its name is longer than 80 characters."),
        (collection(feature("!!!")), "Feature 1 (“!!!”): its name has no letter or digit."),
        (
            collection(feature("North"), feature("south"), feature("NORTH")),
            "Feature 3 (“NORTH”): its name is the same as Feature 1 (“North”)’s (letters’ case and "
            "punctuation aside).",
        ),
        (
            collection(feature("Centre", {"type": "Point", "coordinates": [2.3, 48.8]})),
            "Feature 1 (“Centre”): its geometry is not a Polygon or a MultiPolygon.",
        ),
        (collection(feature("Centre", {"type": "Polygon"})), "Feature 1 (“Centre”): a polygon has no rings."),
        (
            collection(feature("A"), feature("Open", OPEN_RING)),
            "Feature 2 (“Open”): a ring is not closed (its last position is not its first).",
        ),
        (collection(feature("Short", SHORT_RING)), "Feature 1 (“Short”): a ring has fewer than 4 positions."),
        (
            collection(feature("Swapped", LATITUDE_FIRST)),
            "Feature 1 (“Swapped”): the position [48.8, 200] is out of range: longitude goes from -180 to "
            "180 and latitude from -90 to 90 (WGS84, longitude first).",
        ),
        (
            collection(feature("Text", TEXT_POSITION)),
            "Feature 1 (“Text”): a position is not [longitude, latitude] in numbers.",
        ),
        (
            collection(feature("Empty", {"type": "MultiPolygon", "coordinates": []})),
            "Feature 1 (“Empty”): a MultiPolygon has no polygons.",
        ),
        (
            collection(*(feature(f"Area {i}") for i in range(MAX_FEATURES + 1))),
            "The file has 301 features, for 300 at most.",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 40 else None,
)
def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_stored(client_as, official, content, message):
    response = post(client_as(official), content)

    assert any(error.startswith(message) for error in errors(response)), errors(response)
    assert message in visible_text(response)
    assert not AreaSet.objects.exists() and not Area.objects.exists()


def test_every_bad_feature_is_named_at_once(client_as, official):
    content = collection(
        feature("Open", OPEN_RING), feature("Fine"), feature("Short", SHORT_RING), feature("")
    )

    assert errors(post(client_as(official), content)) == [
        "Feature 1 (“Open”): a ring is not closed (its last position is not its first).",
        "Feature 3 (“Short”): a ring has fewer than 4 positions.",
        "Feature 4: its “name” property is missing or empty.",
    ]


def test_too_many_positions_are_refused(client_as, official):
    ring = [[0, 0]] * (MAX_VERTICES // 2 + 1)
    content = collection(feature("A", ring_of(*ring)), feature("B", ring_of(*ring)))

    assert errors(post(client_as(official), content)) == [
        "The file has more than 100,000 positions in all: simplify the boundaries."
    ]
    assert not AreaSet.objects.exists()


def test_a_file_too_large_is_refused_unread(client_as, official):
    padding = {"description": "x" * MAX_BYTES}

    response = post(client_as(official), collection(feature("A", **padding)))

    [error] = errors(response)
    assert re.fullmatch(
        r"The file is 2,097,\d{3} bytes long, for 2,097,152 at most: simplify the boundaries\.", error
    )
    assert not AreaSet.objects.exists()


def test_a_new_set_needs_a_file(client_as, official):
    assert errors(post(client_as(official), None)) == ["Upload the areas’ boundaries: a GeoJSON file."]
    assert not AreaSet.objects.exists()


def test_a_new_file_keeps_the_areas_whose_name_stays(client_as, official):
    districts = factories.area_set("North", "South", "East")
    north, south, east = districts.areas.all()
    citizen, other = factories.citizen(), factories.citizen()
    on_north = factories.ProposalFactory(area=north)
    on_south = factories.ProposalFactory(area=south)
    DeclaredArea.objects.create(user=citizen, area_set=districts, area=north)
    DeclaredArea.objects.create(user=other, area_set=districts, area=south)
    wider_north = factories.square(2.30, 48.85, side=0.05)
    client = client_as(official)

    response = post(
        client,
        collection(feature("West"), feature("North", wider_north), feature("East")),
        name="Districts 2027",
        area_set=districts,
    )

    assert response.status_code == 302, response.context and response.context["form"].errors
    assert [(a.name, a.sort_order) for a in districts.areas.all()] == [("West", 0), ("North", 1), ("East", 2)]
    assert Area.objects.get(pk=north.pk).geometry == wider_north  # the same area, its boundary moved
    assert Area.objects.filter(pk=east.pk).exists()
    assert not Area.objects.filter(pk=south.pk).exists()
    assert Proposal.objects.get(pk=on_north.pk).area_id == north.pk
    assert Proposal.objects.get(pk=on_south.pk).area is None
    assert list(DeclaredArea.objects.values_list("user", "area")) == [(citizen.pk, north.pk)]
    assert AreaSet.objects.get().name == "Districts 2027"
    told = visible_text(client.get(response["Location"]))
    assert "Areas kept: 2; added: 1; removed: 1. Removed: South." in told
    assert "1 proposal named a removed area and now names none." in told


def test_a_bad_new_file_leaves_the_areas_as_they_were(client_as, official):
    districts = factories.area_set("North", "South")

    response = post(
        client_as(official), collection(feature("Open", OPEN_RING)), name="Renamed", area_set=districts
    )

    assert errors(response)
    assert AreaSet.objects.get().name == "Districts"
    assert [a.name for a in districts.areas.all()] == ["North", "South"]


def test_renaming_without_a_file_keeps_the_areas(client_as, official):
    districts = factories.area_set("North", "South")

    form = client_as(official).get(url("edit", districts.pk))
    assert "Its areas now: North, South. Leave empty to keep them." in visible_text(form)
    response = post(client_as(official), None, name="Quartiers", area_set=districts)

    assert response.status_code == 302
    assert AreaSet.objects.get().name == "Quartiers"
    assert [a.name for a in districts.areas.all()] == ["North", "South"]


def test_the_errors_are_in_french_for_a_french_official(client_as, official):
    profile = UserProfile.get_for_user(official)
    profile.preferred_language = "fr"
    profile.save()

    response = post(client_as(official), collection(feature("Nord", OPEN_RING)))

    text = visible_text_with_nbsp(response)
    error = "un anneau n’est pas fermé (sa dernière position n’est pas la première)."
    assert f"Élément 1 («{NB}Nord{NB}»){NB}: {error}" in text
    assert not AreaSet.objects.exists()


# Only officials


def refused_writes(client, area_set) -> None:
    post(client, collection(feature("Stolen")))
    post(client, collection(feature("Stolen")), name="Taken", area_set=area_set)
    client.post(url("delete", area_set.pk))
    assert AreaSet.objects.get().name == "Districts"
    assert [a.name for a in AreaSet.objects.get().areas.all()] == ["North"]


def test_a_moderator_cannot_reach_the_areas(client_as):
    client = client_as(factories.moderator())
    districts = factories.area_set("North")

    for target in (url("list"), url("add"), url("edit", districts.pk)):
        assert client.get(target)["Location"] == reverse("wagtailadmin_home"), target
    refused_writes(client, districts)
    assert url("list") not in client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.parametrize("signed_in", [True, False], ids=["citizen", "anonymous"])
def test_citizens_and_visitors_are_sent_to_sign_in(client_as, signed_in):
    client = client_as(factories.citizen() if signed_in else None)
    districts = factories.area_set("North")

    for target in (url("list"), url("add"), url("edit", districts.pk)):
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith(reverse("wagtailadmin_login"))
    refused_writes(client, districts)


def test_an_official_deletes_a_set_and_its_consultations_keep_none(client_as, official):
    page = factories.consultation()
    districts = factories.area_set("North", consultations=[page])
    proposal = factories.ProposalFactory(consultation=page, area=districts.areas.get())

    response = client_as(official).post(url("delete", districts.pk))

    assert response.status_code == 302
    assert not AreaSet.objects.exists()
    page.refresh_from_db()
    assert page.area_set is None
    assert Proposal.objects.get(pk=proposal.pk).area is None


# A consultation's areas, chosen in the page editor


def post_page(client, page, **fields):
    data = page_form(title=page.title, slug=page.slug, categories=inline_formset([]), **fields)
    return client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)


def test_an_official_gives_a_consultation_its_areas(client_as, official):
    page = factories.consultation(categories=())
    districts = factories.area_set("North", "South")

    html = client_as(official).get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert 'name="area_set"' in html  # Wagtail's chooser of the snippet
    response = post_page(client_as(official), page, area_set=str(districts.pk))

    assert response.status_code == 302, response.context and response.context["form"].errors
    assert ConsultationPage.objects.get(pk=page.pk).area_set == districts


def test_a_translation_keeps_the_originals_areas(client_as, official):
    page = factories.consultation(categories=())
    districts, other = factories.area_set("North"), factories.area_set("Elsewhere", name="Other")
    page.area_set = districts
    page.save_revision().publish()
    translated = factories.translation(page, factories.french(), title="Allocation chômage")

    response = post_page(client_as(official), translated, area_set=str(other.pk))

    assert response.status_code == 302, response.context and response.context["form"].errors
    assert ConsultationPage.objects.get(pk=translated.pk).area_set == districts
    assert ConsultationPage.objects.get(pk=page.pk).area_set == districts
