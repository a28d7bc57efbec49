"""POST /api/v1/moderation/proposals/{id}/merge/: officials with their second factor merge duplicates into a
proposal and get its new count; everyone else is refused before any look-up, and a refused or bad request
writes nothing (every answer is also checked against the schema, see conftest.py)."""

import pytest
from rest_framework.throttling import ScopedRateThrottle

from proposals.models import AuditEntry, Proposal
from tests.support import contract, factories
from tests.support.api import ROLES, assert_error, client_for
from votes.models import Support
from votes.services import support_add

pytestmark = pytest.mark.django_db

NOT_OFFICIALS = [role for role in ROLES if role not in ("official", "superuser")]


def url(proposal_id: int) -> str:
    return f"/api/v1/moderation/proposals/{proposal_id}/merge/"


@pytest.fixture
def proposals():
    """A target and two duplicates; one citizen supports all three, one each of the duplicates."""
    page = factories.consultation(support_threshold=3)
    target, first, second = (factories.ProposalFactory(consultation=page) for _ in range(3))
    everywhere = factories.citizen()
    for proposal in (target, first, second):
        support_add(user=everywhere, proposal=proposal)
    support_add(user=factories.citizen(), proposal=first)
    support_add(user=factories.citizen(), proposal=second)
    return target, first, second


def written() -> tuple:
    return (
        sorted(Proposal.objects.values_list("pk", "supports_count", "merged_into")),
        Support.objects.count(),
        AuditEntry.objects.filter(action=AuditEntry.Action.MERGED_INTO).count(),
    )


def body(*sources, reason="They ask for the same thing.") -> dict:
    return {"sources": [s.pk for s in sources], "reason": reason}


def test_an_official_merges_duplicates_and_gets_the_new_count(proposals, official):
    target, first, second = proposals
    response = client_for(official).post(url(target.pk), body(first, second), format="json")

    assert response.status_code == 200, response.content
    answer = response.json()
    stored = Proposal.objects.get(pk=target.pk)
    assert (answer["proposal"], answer["supports"], answer["version"]) == (
        target.pk,
        3,
        stored.supports_version,
    )
    assert (answer["moved"], answer["dropped"], answer["promise_made"]) == (2, 2, True)
    assert {s["id"] for s in answer["sources"]} == {first.pk, second.pk}
    assert Proposal.objects.filter(merged_into=target).count() == 2


@pytest.mark.parametrize("role", NOT_OFFICIALS)
def test_no_one_else_merges(role, as_role, proposals):
    target, first, _second = proposals
    before = written()
    _user, client = as_role(role)
    response = client.post(url(target.pk), body(first), format="json")
    if role == "anonymous":
        assert_error(response, 401, "not_authenticated")
    else:
        assert_error(response, 403, "forbidden")
    assert written() == before


def test_an_official_without_a_second_factor_is_told_to_set_it_up(proposals):
    target, first, _second = proposals
    client = client_for(factories.official(second_factor=False))
    assert_error(client.post(url(target.pk), body(first), format="json"), 403, "mfa_required")
    assert Proposal.objects.get(pk=first.pk).merged_into_id is None


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"sources": [1]}, ["reason"]),
        ({"sources": [1], "reason": "  "}, ["reason"]),
        ({"reason": "Same."}, ["sources"]),
        ({"sources": [], "reason": "Same."}, ["sources"]),
        ({"sources": ["x"], "reason": "Same."}, ["sources"]),
        ({"sources": list(range(1, 30)), "reason": "Same."}, ["sources"]),
        ({"sources": [1], "reason": "x" * 501}, ["reason"]),
    ],
)
def test_bad_requests_are_refused_with_their_fields(proposals, official, payload, fields):
    target, _first, _second = proposals
    before = written()
    assert_error(client_for(official).post(url(target.pk), payload, format="json"), 400, "invalid", fields)
    assert written() == before


def test_the_target_among_the_duplicates_is_refused(proposals, official):
    target, first, _second = proposals
    response = client_for(official).post(url(target.pk), body(first, target), format="json")
    assert_error(response, 400, "invalid", ["sources"])


def test_refused_merges_say_why_and_write_nothing(proposals, official):
    target, first, second = proposals
    client = client_for(official)
    elsewhere = factories.ProposalFactory()
    before = written()
    assert_error(client.post(url(target.pk), body(elsewhere), format="json"), 409, "other_consultation")
    assert_error(
        client.post(url(target.pk), {"sources": [987654], "reason": "Same."}, format="json"),
        404,
        "source_not_found",
    )
    assert_error(client.post(url(987654), body(first), format="json"), 404, "not_found")
    assert written() == before
    assert client.post(url(target.pk), body(first), format="json").status_code == 200
    assert_error(client.post(url(target.pk), body(first), format="json"), 409, "source_merged")
    assert_error(client.post(url(first.pk), body(second), format="json"), 409, "proposal_merged")


def test_a_json_list_is_a_malformed_request(proposals, official):
    target, _first, _second = proposals
    response = client_for(official).post(url(target.pk), [1, 2], format="json")
    assert_error(response, 400, "malformed_request")


def test_merges_are_rate_limited(monkeypatch, proposals, official):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"official": "1/minute"})
    target, first, second = proposals
    client = client_for(official)
    assert client.post(url(target.pk), body(first), format="json").status_code == 200
    assert_error(client.post(url(target.pk), body(second), format="json"), 429, "rate_limited")


def test_the_schema_documents_the_codes():
    operation = contract.schema()["paths"]["/api/v1/moderation/proposals/{id}/merge/"]["post"]
    assert {"200", "400", "401", "403", "404", "409", "429"} <= set(operation["responses"])
