"""GET and POST /api/v1/moderation/proposals/{id}/invalidations/: officials with their second factor set
supports aside and read what was set aside; everyone else is refused before any look-up, and a refused or
bad request writes nothing (every answer is also checked against the schema, see conftest.py)."""

import pytest
from rest_framework.throttling import ScopedRateThrottle

from proposals.models import AuditEntry, Proposal, Status
from tests.support import contract, factories
from tests.support.api import ROLES, assert_error, client_for
from votes.invalidations import supports_invalidate
from votes.models import Invalidation, Support
from votes.services import support_add

pytestmark = pytest.mark.django_db

NOT_OFFICIALS = [role for role in ROLES if role not in ("official", "superuser")]


def url(proposal_id: int) -> str:
    return f"/api/v1/moderation/proposals/{proposal_id}/invalidations/"


@pytest.fixture
def proposal():
    page = factories.consultation(support_threshold=3)
    proposal = factories.ProposalFactory(consultation=page)
    for email in ("ana@example.org", "bot1@spam.example", "bot2@spam.example"):
        support_add(user=factories.citizen(email=email), proposal=proposal)
    return proposal


def written(proposal) -> tuple:
    proposal.refresh_from_db()
    return (
        proposal.supports_count,
        Invalidation.objects.count(),
        Support.objects.exclude(invalidation=None).count(),
        AuditEntry.objects.filter(action=AuditEntry.Action.SUPPORTS_SET_ASIDE).count(),
    )


BODY = {"reason": "Accounts made by a script.", "domains": ["spam.example"]}


def test_an_official_sets_supports_aside_and_gets_the_new_count(proposal, official):
    assert Proposal.objects.get(pk=proposal.pk).status == Status.AWAITING_RESPONSE
    response = client_for(official).post(url(proposal.pk), BODY, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["supports"], body["promise_withdrawn"]) == (1, True)
    assert body["version"] == Proposal.objects.get(pk=proposal.pk).supports_version
    assert body["invalidation"]["set_aside"] == body["invalidation"]["still_set_aside"] == 2
    assert body["invalidation"]["criteria"] == {"domains": ["spam.example"]}
    assert body["invalidation"]["reason"] == "Accounts made by a script."
    assert written(proposal) == (1, 1, 2, 1)
    assert Proposal.objects.get(pk=proposal.pk).status == Status.OPEN

    listed = client_for(official).get(url(proposal.pk))
    assert listed.status_code == 200
    assert [(i["id"], i["set_aside"]) for i in listed.json()] == [(body["invalidation"]["id"], 2)]


def test_the_criteria_go_together(proposal, official):
    bot = Support.objects.get(user__email="bot1@spam.example").user
    body = {**BODY, "user_ids": [bot.pk], "joined_from": "2000-01-01", "joined_to": "2100-01-01"}
    response = client_for(official).post(url(proposal.pk), body, format="json")
    assert response.status_code == 201
    assert response.json()["supports"] == 2
    assert list(Support.objects.exclude(invalidation=None).values_list("user", flat=True)) == [bot.pk]


@pytest.mark.parametrize("role", NOT_OFFICIALS)
def test_no_one_else_sets_supports_aside_or_reads_them(role, as_role, proposal):
    before = written(proposal)
    _user, client = as_role(role)
    for response in (client.post(url(proposal.pk), BODY, format="json"), client.get(url(proposal.pk))):
        if role == "anonymous":
            assert_error(response, 401, "not_authenticated")
        else:
            assert_error(response, 403, "forbidden")
    assert written(proposal) == before


def test_an_official_without_a_second_factor_is_told_to_set_it_up(proposal):
    client = client_for(factories.official(second_factor=False))
    assert_error(client.post(url(proposal.pk), BODY, format="json"), 403, "mfa_required")
    assert_error(client.get(url(proposal.pk)), 403, "mfa_required")
    assert written(proposal)[1] == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"domains": ["spam.example"]}, ["reason"]),
        ({"reason": "  ", "domains": ["spam.example"]}, ["reason"]),
        ({"reason": "Fraud."}, ["criteria"]),
        ({"reason": "Fraud.", "user_ids": ["x"]}, ["user_ids"]),
        ({"reason": "Fraud.", "address_hashes": ["zz"]}, ["address_hashes"]),
        ({"reason": "Fraud.", "joined_from": "2026-12-02", "joined_to": "2026-12-01"}, ["joined_to"]),
        ({"reason": "Fraud.", "joined_from": "yesterday"}, ["joined_from"]),
    ],
)
def test_bad_requests_are_refused_with_their_fields(proposal, official, body, fields):
    before = written(proposal)
    response = client_for(official).post(url(proposal.pk), body, format="json")
    assert_error(response, 400, "invalid", fields)
    assert written(proposal) == before


def test_criteria_matching_nothing_counted_are_a_conflict(proposal, official):
    client = client_for(official)
    assert client.post(url(proposal.pk), BODY, format="json").status_code == 201
    before = written(proposal)
    assert_error(client.post(url(proposal.pk), BODY, format="json"), 409, "nothing_to_set_aside")
    assert written(proposal) == before


def test_an_unknown_proposal_is_not_found(official):
    assert_error(client_for(official).post(url(987654), BODY, format="json"), 404, "not_found")
    assert_error(client_for(official).get(url(987654)), 404, "not_found")


def test_the_list_says_how_many_are_still_set_aside(proposal, official):
    supports_invalidate(actor=official, proposal=proposal, reason="Bots.", domains=["spam.example"])
    Support.objects.filter(user__email="bot1@spam.example").delete()  # the citizen withdrew it
    [listed] = client_for(official).get(url(proposal.pk)).json()
    assert (listed["set_aside"], listed["still_set_aside"]) == (2, 1)
    assert listed["created_by_name"] == official.get_full_name()


@pytest.fixture
def tight_rates(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"official": "1/minute"})


def test_writes_are_rate_limited_and_reads_are_not(tight_rates, proposal, official):
    client = client_for(official)
    assert client.post(url(proposal.pk), BODY, format="json").status_code == 201
    before = written(proposal)
    body = {"reason": "More.", "domains": ["example.org"]}
    assert_error(client.post(url(proposal.pk), body, format="json"), 429, "rate_limited")
    assert written(proposal) == before
    for _ in range(3):
        assert client.get(url(proposal.pk)).status_code == 200


def test_the_schema_documents_the_codes_both_ways():
    operations = contract.schema()["paths"]["/api/v1/moderation/proposals/{id}/invalidations/"]
    assert {"200", "401", "403", "404"} <= set(operations["get"]["responses"])
    assert {"201", "400", "401", "403", "404", "409", "429"} <= set(operations["post"]["responses"])
