"""Who may support and submit, through the API: a consultation's participation_level answers 403 with
`identity_required` or `residents_only` and a message saying what is missing and how to get it; withdrawing
a support is never refused for it; the public consultation shows the level and its areas."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cms.models import ConsultationPage
from proposals.models import Proposal
from tests.support import factories
from tests.support.api import assert_error
from tests.support.identity import configure_city_id, with_identity
from votes.models import Support

pytestmark = pytest.mark.django_db

AREAS = "69003\nVilleurbanne"


@pytest.fixture(autouse=True)
def city_id(settings):
    configure_city_id(settings)


def token_client(user) -> APIClient:
    """The API as a client program uses it: the person read with their token, identity included."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def proposal_at(level: str) -> Proposal:
    areas = AREAS if level == "residents" else ""
    consultation = factories.consultation(participation_level=level, participation_areas=areas)
    return factories.ProposalFactory(consultation=consultation)


def support(client, proposal, method="post"):
    return getattr(client, method)(f"/api/v1/proposals/{proposal.pk}/support/")


def submit(client, consultation, **headers):
    body = {
        "consultation": consultation.pk,
        "title": "Later buses",
        "summary": "After 22h.",
        "body": "Please.",
    }
    return client.post("/api/v1/proposals/", body, format="json", **headers)


@pytest.mark.parametrize(
    ("level", "code", "says"),
    [
        ("identity", "identity_required", "Sign in with City ID: it confirms who you are."),
        ("residents", "residents_only", "Only residents of 69003, Villeurbanne may support proposals"),
    ],
)
def test_a_citizen_without_an_identity_is_told_what_is_missing(level, code, says):
    proposal = proposal_at(level)
    client = token_client(factories.citizen())
    error = assert_error(support(client, proposal), 403, code)
    assert says in error["message"]
    assert_error(submit(client, proposal.consultation), 403, code)
    proposal.refresh_from_db()
    assert proposal.supports_count == 0 and Proposal.objects.count() == 1


@pytest.mark.parametrize(
    ("level", "identity"),
    [
        ("email", None),
        ("identity", {}),
        ("identity", {"locality": "Paris"}),
        ("residents", {"postal_code": "69 003"}),
        ("residents", {"locality": "villeurbanne"}),
    ],
)
def test_whoever_meets_the_level_supports_and_submits(level, identity):
    proposal = proposal_at(level)
    user = factories.citizen() if identity is None else with_identity(factories.citizen(), **identity)
    client = token_client(user)
    assert support(client, proposal).status_code == 201
    assert submit(client, proposal.consultation).status_code == 201


def test_a_resident_elsewhere_is_told_the_address_is_not_in_the_areas():
    proposal = proposal_at("residents")
    client = token_client(with_identity(factories.citizen(), postal_code="75011", locality="Paris"))
    error = assert_error(support(client, proposal), 403, "residents_only")
    assert (
        "The address your identity service confirmed (75011 Paris) is not in these areas." in error["message"]
    )


def test_the_refusal_is_in_french_for_a_french_reader():
    proposal = proposal_at("identity")
    response = submit(token_client(factories.citizen()), proposal.consultation, HTTP_ACCEPT_LANGUAGE="fr")
    error = assert_error(response, 403, "identity_required")
    assert "identité vérifiée" in error["message"] and "City ID" in error["message"]


def test_supports_from_before_a_raised_level_stay_counted_and_can_be_withdrawn():
    proposal = proposal_at("email")
    earlier = token_client(factories.citizen())
    assert support(earlier, proposal).status_code == 201
    ConsultationPage.objects.filter(pk=proposal.consultation_id).update(participation_level="identity")

    assert_error(support(token_client(factories.citizen()), proposal), 403, "identity_required")
    detail = APIClient().get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert detail["supports"] == 1 == Support.objects.filter(proposal=proposal).count()

    assert support(earlier, proposal, "delete").status_code == 204
    assert APIClient().get(f"/api/v1/proposals/{proposal.pk}/").json()["supports"] == 0
    assert_error(support(earlier, proposal), 403, "identity_required")  # and not again without one


@pytest.mark.parametrize(
    ("level", "areas"), [("email", []), ("identity", []), ("residents", ["69003", "Villeurbanne"])]
)
def test_the_public_consultation_shows_the_level_and_its_areas(level, areas):
    consultation = proposal_at(level).consultation
    body = APIClient().get(f"/api/v1/consultations/{consultation.pk}/").json()
    assert (body["participation_level"], body["participation_areas"]) == (level, areas)


def statements_of_a_support(level: str) -> int:
    proposal = proposal_at(level)
    client = token_client(with_identity(factories.citizen(), postal_code="69003"))
    with CaptureQueriesContext(connection) as captured:
        assert support(client, proposal).status_code == 201
    return len([q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]])


def test_checking_the_level_sends_no_query_of_its_own():
    assert statements_of_a_support("identity") == statements_of_a_support("email")
    assert statements_of_a_support("residents") == statements_of_a_support("email")
