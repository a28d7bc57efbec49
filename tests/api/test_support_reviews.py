"""The requests for review over the API: the citizen whose support was set aside asks once, officials read
the open requests and decide; refusals both ways, and nothing written by a refused request (every answer
is also checked against the schema, see conftest.py)."""

import pytest

from proposals.models import Proposal
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for
from votes.invalidations import supports_invalidate
from votes.models import SupportReview
from votes.services import support_add

pytestmark = pytest.mark.django_db

NOT_OFFICIALS = [role for role in ROLES if role not in ("official", "superuser")]


@pytest.fixture
def setup(official):
    proposal = factories.ProposalFactory()
    bot, honest = factories.citizen(email="bot@spam.example"), factories.citizen(email="ana@example.org")
    for citizen in (bot, honest):
        support_add(user=citizen, proposal=proposal)
    supports_invalidate(actor=official, proposal=proposal, reason="Bots.", domains=["spam.example"])
    return proposal, bot, honest


def ask_url(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/support/review/"


def test_the_citizen_asks_once_and_an_official_counts_it_again(setup, official):
    proposal, bot, _honest = setup
    response = client_for(bot).post(ask_url(proposal), {"message": "I am real."}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["message"], body["reason"], body["decision"]) == ("I am real.", "Bots.", "")
    assert_error(
        client_for(bot).post(ask_url(proposal), {"message": "Again"}, format="json"), 409, "review_open"
    )

    listed = client_for(official).get(f"/api/v1/moderation/proposals/{proposal.pk}/support-reviews/")
    assert [r["id"] for r in listed.json()] == [body["id"]]
    decide = f"/api/v1/moderation/support-reviews/{body['id']}/decision/"
    response = client_for(official).post(decide, {"decision": "reinstated", "reply": ""}, format="json")
    assert response.status_code == 200 and response.json()["decision"] == "reinstated"
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 2
    assert_error(
        client_for(official).post(decide, {"decision": "upheld", "reply": "x"}, format="json"),
        409,
        "review_decided",
    )


def test_what_cannot_be_asked(setup):
    proposal, _bot, honest = setup
    assert_error(
        client_for(honest).post(ask_url(proposal), {"message": "?"}, format="json"), 409, "support_counted"
    )
    assert_error(
        client_for(factories.citizen()).post(ask_url(proposal), {"message": "?"}, format="json"),
        404,
        "not_found",
    )
    assert_error(
        client_for(setup[1]).post(ask_url(proposal), {"message": " "}, format="json"),
        400,
        "invalid",
        ["message"],
    )
    assert_error(
        client_for(None).post(ask_url(proposal), {"message": "?"}, format="json"), 401, "not_authenticated"
    )
    assert not SupportReview.objects.exists()


@pytest.mark.parametrize("role", NOT_OFFICIALS)
def test_no_one_else_reads_or_decides(role, as_role, setup):
    proposal, bot, _honest = setup
    review = SupportReview.objects.create(support=bot.supports.get(), message="Please.")
    _user, client = as_role(role)
    for response in (
        client.get(f"/api/v1/moderation/proposals/{proposal.pk}/support-reviews/"),
        client.post(
            f"/api/v1/moderation/support-reviews/{review.pk}/decision/",
            {"decision": "reinstated"},
            format="json",
        ),
    ):
        assert_error(
            response,
            401 if role == "anonymous" else 403,
            "not_authenticated" if role == "anonymous" else "forbidden",
        )
    assert SupportReview.objects.get().decided_at is None


def test_keeping_it_set_aside_needs_a_reply(setup, official):
    _proposal, bot, _honest = setup
    review = SupportReview.objects.create(support=bot.supports.get(), message="Please.")
    url = f"/api/v1/moderation/support-reviews/{review.pk}/decision/"
    assert_error(
        client_for(official).post(url, {"decision": "upheld"}, format="json"), 400, "invalid", ["reply"]
    )
    assert_error(
        client_for(official).post(url, {"decision": "maybe", "reply": ""}, format="json"),
        400,
        "invalid",
        ["decision"],
    )
    assert_error(
        client_for(official).post(
            "/api/v1/moderation/support-reviews/999999/decision/",
            {"decision": "upheld", "reply": "x"},
            format="json",
        ),
        404,
        "not_found",
    )
