"""The stage of the journey a proposal is about, over the API: named by slug at submission, read back with
its name in the reader's language, filtered on in a consultation's list and in search, and in the open
data."""

import csv
import io
import json

import pytest

from cms.models import ConsultationStage
from proposals.models import Proposal
from tests.support import contract, factories
from tests.support.api import assert_error, client_for

pytestmark = pytest.mark.django_db

CREATE = "/api/v1/proposals/"


@pytest.fixture
def journey():
    return factories.consultation(stages=("Apply online", "Wait for the decision"))


def payload(consultation, **fields):
    return {
        "consultation": consultation.pk,
        "title": "Let people book a call back",
        "summary": "Nobody should wait on hold for an hour.",
        "body": "A call-back slot chosen online, confirmed by text message.",
        **fields,
    }


def proposals_url(consultation) -> str:
    return f"/api/v1/consultations/{consultation.pk}/proposals/"


def name_in_french(consultation, slug: str, name: str) -> None:
    """A French translation of the consultation naming one stage in French, published."""
    translated = factories.translation(consultation, factories.french(), title="Parcours")
    ConsultationStage.objects.filter(page=translated, slug=slug).update(name=name)
    translated.save_revision().publish()


# Submission


def test_a_proposal_is_submitted_about_a_stage(citizen, journey):
    response = client_for(citizen).post(CREATE, payload(journey, stage="apply-online"), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stage"], body["stage_name"]) == ("apply-online", "Apply online")
    assert Proposal.objects.get().stage == journey.stages.get(slug="apply-online")


@pytest.mark.parametrize("stage", [None, ""])
def test_a_proposal_about_no_stage(citizen, journey, stage):
    response = client_for(citizen).post(CREATE, payload(journey, stage=stage), format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["stage"], response.json()["stage_name"]) == (None, None)
    assert Proposal.objects.get().stage is None


@pytest.mark.parametrize("stage", ["nope", "Not a slug!", ["apply-online"], 3])
def test_a_stage_that_is_none_of_the_consultations_is_refused(citizen, journey, stage):
    response = client_for(citizen).post(CREATE, payload(journey, stage=stage), format="json")

    assert_error(response, 400, "invalid", fields=["stage"])
    assert not Proposal.objects.exists()


def test_a_stage_of_another_consultation_is_refused(citizen, journey):
    factories.consultation(stages=("Appeal",))

    response = client_for(citizen).post(CREATE, payload(journey, stage="appeal"), format="json")

    assert_error(response, 400, "invalid", fields=["stage"])
    assert not Proposal.objects.exists()


def test_the_refusal_is_in_the_readers_language(citizen, journey):
    response = client_for(citizen).post(
        CREATE, payload(journey, stage="nope"), format="json", HTTP_ACCEPT_LANGUAGE="fr"
    )

    fields = assert_error(response, 400, "invalid", fields=["stage"])["fields"]
    assert fields["stage"] == ["Choisissez l’une des étapes de cette consultation."]


# Reading


def test_a_proposal_names_its_stage_in_the_readers_language(api, journey):
    proposal = factories.ProposalFactory(consultation=journey, stage=journey.stages.get(slug="apply-online"))
    name_in_french(journey, "apply-online", "Déposer en ligne")

    english = api.get(f"/api/v1/proposals/{proposal.pk}/").json()
    french = api.get(f"/api/v1/proposals/{proposal.pk}/", HTTP_ACCEPT_LANGUAGE="fr").json()

    assert (english["stage"], english["stage_name"]) == ("apply-online", "Apply online")
    assert (french["stage"], french["stage_name"]) == ("apply-online", "Déposer en ligne")


def test_the_list_gives_each_proposals_stage(api, journey):
    apply = journey.stages.get(slug="apply-online")
    factories.ProposalFactory(consultation=journey, stage=apply, title="About applying")
    factories.ProposalFactory(consultation=journey, title="About nothing")
    name_in_french(journey, "apply-online", "Déposer en ligne")

    results = api.get(proposals_url(journey), HTTP_ACCEPT_LANGUAGE="fr").json()["results"]

    stages = {p["title"]: (p["stage"], p["stage_name"]) for p in results}
    assert stages == {"About applying": ("apply-online", "Déposer en ligne"), "About nothing": (None, None)}


def test_the_list_filters_by_stage(api, journey):
    apply, wait = journey.stages.order_by("sort_order")
    factories.ProposalFactory(consultation=journey, stage=apply, title="About applying")
    factories.ProposalFactory(consultation=journey, stage=wait, title="About waiting")
    factories.ProposalFactory(consultation=journey, title="About nothing")

    def titles(**params):
        return [p["title"] for p in api.get(proposals_url(journey), params).json()["results"]]

    assert titles(stage="apply-online") == ["About applying"]
    assert titles(stage="wait-for-the-decision") == ["About waiting"]
    assert sorted(titles()) == ["About applying", "About nothing", "About waiting"]


@pytest.mark.parametrize("value", ["", "null", "nope", "appeal"])
def test_the_list_refuses_a_stage_the_consultation_does_not_have(api, journey, value):
    factories.consultation(stages=("Appeal",))  # its stage exists, but not in this consultation
    factories.ProposalFactory(consultation=journey)

    response = api.get(f"{proposals_url(journey)}?stage={value}")

    assert_error(response, 400, "invalid", fields=["stage"])


def test_the_list_stays_a_fixed_number_of_queries(api, journey, django_assert_max_num_queries):
    apply = journey.stages.get(slug="apply-online")
    factories.ProposalFactory(consultation=journey, stage=apply)
    api.get(proposals_url(journey))  # warm the site-root cache
    with django_assert_max_num_queries(9) as few:
        api.get(proposals_url(journey))
    factories.ProposalFactory.create_batch(15, consultation=journey, stage=apply)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(proposals_url(journey)).json()["results"]) == 16


# Search


def test_search_counts_and_filters_by_stage(api, journey):
    apply, wait = journey.stages.order_by("sort_order")
    factories.ProposalFactory(consultation=journey, stage=apply, title="Tracker one")
    factories.ProposalFactory(consultation=journey, stage=apply, title="Tracker two")
    factories.ProposalFactory(consultation=journey, stage=wait, title="Tracker three")
    factories.ProposalFactory(consultation=journey, title="Tracker four")

    everything = api.get("/api/v1/search/", {"q": "tracker"}).json()
    filtered = api.get("/api/v1/search/", {"q": "tracker", "stage": "apply-online"}).json()

    assert everything["facets"]["stage"] == [
        {"value": "apply-online", "label": "Apply online", "count": 2},
        {"value": "wait-for-the-decision", "label": "Wait for the decision", "count": 1},
    ]
    assert sorted(hit["title"] for hit in filtered["results"]) == ["Tracker one", "Tracker two"]
    assert {(hit["stage"], hit["stage_name"]) for hit in filtered["results"]} == {
        ("apply-online", "Apply online")
    }
    # The stage facet ignores its own filter: the other stage stays a choice.
    assert [f["value"] for f in filtered["facets"]["stage"]] == ["apply-online", "wait-for-the-decision"]


@pytest.mark.parametrize("value", ["", "null", "nope", "appeal"])
def test_search_refuses_a_stage_that_does_not_exist(api, journey, value):
    other = factories.consultation(stages=("Appeal",))
    factories.ProposalFactory(consultation=journey, title="Tracker")
    # "appeal" is a stage, but not of the consultation searched.
    query = f"q=tracker&consultation={journey.pk}&stage={value}"
    if value == "appeal":
        assert api.get(f"/api/v1/search/?q=tracker&consultation={other.pk}&stage=appeal").status_code == 200

    assert_error(api.get(f"/api/v1/search/?{query}"), 400, "invalid", fields=["stage"])


# Open data


def download(api, consultation, fmt: str) -> str:
    response = api.get(f"/api/v1/consultations/{consultation.pk}/export.{fmt}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def test_the_open_data_gives_each_proposals_stage(api, journey):
    apply = journey.stages.get(slug="apply-online")
    about = factories.ProposalFactory(consultation=journey, stage=apply, title="About applying")
    nothing = factories.ProposalFactory(consultation=journey, title="About nothing")

    proposals = json.loads(download(api, journey, "json"))["proposals"]
    rows = list(csv.DictReader(io.StringIO(download(api, journey, "csv"))))

    assert [(p["id"], p["stage"], p["stage_name"]) for p in proposals] == [
        (about.pk, "apply-online", "Apply online"),
        (nothing.pk, None, None),
    ]
    assert [(r["title"], r["stage"], r["stage_name"]) for r in rows] == [
        ("About applying", "apply-online", "Apply online"),
        ("About nothing", "", ""),
    ]


# The schema


def test_the_schema_documents_the_stage():
    schema = contract.schema()
    components = schema["components"]["schemas"]
    for name in ("ProposalList", "ProposalDetail"):
        assert {"stage", "stage_name"} <= set(components[name]["properties"]), name
        assert components[name]["properties"]["stage"]["nullable"] is True
    assert "stage" in components["ProposalCreateRequest"]["properties"]
    for path in ("/api/v1/consultations/{id}/proposals/", "/api/v1/search/"):
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert "stage" in names, path
    assert "stage" in components["Facets"]["properties"]
