"""Areas over the API: a proposal names one of its consultation's areas by id at submission or edit, is
read back with the area's id, name and slug, and the consultation's list filters by area; each person reads
and sets their own declared areas under /api/v1/me/areas/, and nobody else's."""

import pytest

from proposals.models import DeclaredArea, Proposal
from tests.support import factories
from tests.support.api import assert_error, client_for

pytestmark = pytest.mark.django_db

CREATE = "/api/v1/proposals/"
MINE = "/api/v1/me/areas/"


@pytest.fixture
def districts(consultation):
    return factories.area_set("North", "South", consultations=[consultation])


@pytest.fixture
def elsewhere():
    return factories.area_set("Harbour", name="Elsewhere", consultations=[factories.consultation()])


def payload(consultation, **fields):
    return {
        "consultation": consultation.pk,
        "title": "More benches",
        "summary": "Seats.",
        "body": "Why.",
        **fields,
    }


def ref(area) -> dict:
    return {"id": area.pk, "name": area.name, "slug": area.slug}


def test_a_proposal_is_submitted_about_an_area(citizen, consultation, districts):
    north = districts.areas.get(name="North")

    response = client_for(citizen).post(CREATE, payload(consultation, area=north.pk), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["area"] == ref(north)
    assert client_for(None).get(f"{CREATE}{response.json()['id']}/").json()["area"] == ref(north)


def test_a_proposal_about_no_area_says_null(citizen, consultation, districts):
    response = client_for(citizen).post(CREATE, payload(consultation, area=None), format="json")
    assert response.status_code == 201 and response.json()["area"] is None


@pytest.mark.parametrize("area", ["foreign", 2**31 - 1, "x", -1])
def test_an_area_not_of_the_consultation_is_a_400_and_nothing_is_written(
    citizen, consultation, districts, elsewhere, area
):
    value = elsewhere.areas.get().pk if area == "foreign" else area

    response = client_for(citizen).post(CREATE, payload(consultation, area=value), format="json")

    assert_error(response, 400, "invalid", fields=["area"])
    assert not Proposal.objects.exists()


def test_its_author_moves_it_and_others_cannot(citizen, consultation, districts, elsewhere):
    north, south = districts.areas.all()
    proposal = factories.ProposalFactory(author=citizen, consultation=consultation, area=north)
    url = f"{CREATE}{proposal.pk}/"

    assert_error(
        client_for(factories.citizen()).patch(url, {"area": south.pk}, format="json"), 403, "not_author"
    )
    assert_error(client_for(None).patch(url, {"area": south.pk}, format="json"), 401, "not_authenticated")
    assert_error(
        client_for(citizen).patch(url, {"area": elsewhere.areas.get().pk}, format="json"),
        400,
        "invalid",
        ["area"],
    )
    assert Proposal.objects.get(pk=proposal.pk).area == north

    moved = client_for(citizen).patch(url, {"area": south.pk}, format="json")
    assert moved.status_code == 200 and moved.json()["area"] == ref(south)
    kept = client_for(citizen).patch(url, {"title": "Benches by the river"}, format="json")
    assert kept.json()["area"] == ref(south)
    cleared = client_for(citizen).patch(url, {"area": None}, format="json")
    assert cleared.json()["area"] is None


def test_the_consultations_list_filters_by_area(consultation, districts, elsewhere):
    north, south = districts.areas.all()
    factories.ProposalFactory(consultation=consultation, area=north, title="Up north")
    factories.ProposalFactory(consultation=consultation, area=south, title="Down south")
    factories.ProposalFactory(consultation=consultation, title="Everywhere")
    url = f"/api/v1/consultations/{consultation.pk}/proposals/"

    titles = [p["title"] for p in client_for(None).get(url, {"area": north.pk}).json()["results"]]
    assert titles == ["Up north"]
    assert len(client_for(None).get(url).json()["results"]) == 3
    assert_error(client_for(None).get(url, {"area": elsewhere.areas.get().pk}), 400, "invalid", ["area"])


def test_the_consultation_lists_its_areas(consultation, districts):
    body = client_for(None).get(f"/api/v1/consultations/{consultation.pk}/").json()
    assert body["areas"] == [ref(area) for area in districts.areas.all()]
    other = factories.consultation(title="No areas")
    assert client_for(None).get(f"/api/v1/consultations/{other.pk}/").json()["areas"] == []


# Declared areas


def test_a_citizen_reads_declares_and_removes_their_area(citizen, consultation, districts):
    north, south = districts.areas.all()
    client = client_for(citizen)

    [item] = client.get(MINE).json()
    assert item == {
        "area_set": {"id": districts.pk, "name": "Districts"},
        "areas": [ref(north), ref(south)],
        "consultations": [{"id": consultation.pk, "title": consultation.title}],
        "declared": None,
    }
    declared = client.put(f"{MINE}{districts.pk}/", {"area": south.pk}, format="json")
    assert declared.status_code == 200 and declared.json()["declared"] == ref(south)
    assert client.get(MINE).json()[0]["declared"] == ref(south)

    assert client.delete(f"{MINE}{districts.pk}/").status_code == 204
    assert client.get(MINE).json()[0]["declared"] is None
    assert not DeclaredArea.objects.exists()


def test_a_foreign_area_or_an_unused_set_is_refused(citizen, districts, elsewhere):
    client = client_for(citizen)
    unused = factories.area_set("Nowhere", name="Unused")

    assert_error(
        client.put(f"{MINE}{districts.pk}/", {"area": elsewhere.areas.get().pk}, format="json"),
        400,
        "invalid",
        ["area"],
    )
    assert_error(
        client.put(f"{MINE}{districts.pk}/", {"area": "north"}, format="json"), 400, "invalid", ["area"]
    )
    assert_error(client.put(f"{MINE}{districts.pk}/", {}, format="json"), 400, "invalid", ["area"])
    assert_error(
        client.put(f"{MINE}{unused.pk}/", {"area": unused.areas.get().pk}, format="json"), 404, "not_found"
    )
    assert_error(client.delete(f"{MINE}{unused.pk}/"), 404, "not_found")
    assert not DeclaredArea.objects.exists()


def test_visitors_are_refused_and_nobody_reaches_anothers_declaration(citizen, districts):
    neighbour = factories.citizen()
    north, south = districts.areas.all()
    client_for(neighbour).put(f"{MINE}{districts.pk}/", {"area": north.pk}, format="json")

    assert_error(client_for(None).get(MINE), 401, "not_authenticated")
    assert_error(
        client_for(None).put(f"{MINE}{districts.pk}/", {"area": south.pk}, format="json"),
        401,
        "not_authenticated",
    )
    assert_error(client_for(None).delete(f"{MINE}{districts.pk}/"), 401, "not_authenticated")
    # Naming someone else changes nothing: the declaration is always the caller's own.
    client_for(citizen).put(f"{MINE}{districts.pk}/", {"area": south.pk, "user": neighbour.pk}, format="json")
    client_for(citizen).delete(f"{MINE}{districts.pk}/")
    assert client_for(citizen).get(MINE).json()[0]["declared"] is None
    assert list(DeclaredArea.objects.values_list("user", "area")) == [(neighbour.pk, north.pk)]
