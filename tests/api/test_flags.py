"""POST /api/v1/proposals/{id}/flag/ and /api/v1/comments/{id}/flag/: reports to the moderators, for each
role both ways. A refused request writes nothing."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from proposals.models import Flag, FlagReason, Visibility
from tests.support import factories
from tests.support.api import assert_error, client_for
from tests.support.factories import a_comment

pytestmark = pytest.mark.django_db


def proposal_url(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/flag/"


def comment_url(comment) -> str:
    return f"/api/v1/comments/{comment.pk}/flag/"


@pytest.fixture
def proposal(consultation):
    return factories.ProposalFactory(consultation=consultation)


@pytest.fixture
def comment(proposal):
    return a_comment(proposal)


@pytest.mark.parametrize("role", ["citizen", "moderator", "official", "superuser"])
def test_verified_people_report_a_proposal_and_a_comment(as_role, proposal, comment, role):
    user, client = as_role(role)

    on_proposal = client.post(proposal_url(proposal), {"reason": "spam", "details": "A shop."}, format="json")
    on_comment = client.post(comment_url(comment), {"reason": "abuse"}, format="json")

    assert on_proposal.status_code == 201, on_proposal.content
    body = on_proposal.json()
    assert set(body) == {"id", "reason", "reason_label", "details", "created_at"}
    assert (body["reason"], body["reason_label"], body["details"]) == (
        "spam",
        "Spam or advertising",
        "A shop.",
    )
    assert on_comment.status_code == 201 and on_comment.json()["details"] == ""
    assert Flag.objects.get(proposal=proposal).reporter == user
    assert Flag.objects.get(comment=comment).reporter == user


def test_a_second_report_is_409_already_flagged(citizen, proposal, comment):
    client = client_for(citizen)
    for url in (proposal_url(proposal), comment_url(comment)):
        assert client.post(url, {"reason": "spam"}, format="json").status_code == 201
        error = assert_error(client.post(url, {"reason": "other"}, format="json"), 409, "already_flagged")
        assert "already reported" in error["message"]
    assert Flag.objects.count() == 2


@pytest.mark.parametrize("url", ["proposal", "comment"])
def test_anonymous_is_401(api, proposal, comment, url):
    target = proposal_url(proposal) if url == "proposal" else comment_url(comment)
    assert_error(api.post(target, {"reason": "spam"}, format="json"), 401, "not_authenticated")
    assert not Flag.objects.exists()


@pytest.mark.parametrize("url", ["proposal", "comment"])
def test_an_unverified_citizen_is_403(proposal, comment, url):
    target = proposal_url(proposal) if url == "proposal" else comment_url(comment)
    client = client_for(factories.unverified_citizen())
    assert_error(client.post(target, {"reason": "spam"}, format="json"), 403, "email_unverified")
    assert not Flag.objects.exists()


def test_reporting_ones_own_item_is_403(proposal, comment):
    assert_error(
        client_for(proposal.author).post(proposal_url(proposal), {"reason": "spam"}, format="json"),
        403,
        "own_item",
    )
    assert_error(
        client_for(comment.author).post(comment_url(comment), {"reason": "spam"}, format="json"),
        403,
        "own_item",
    )
    assert not Flag.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"reason": "rude"}, {"reason": ""}, {"reason": None}, {"reason": ["spam"]}],
    ids=["missing", "unknown", "blank", "null", "list"],
)
def test_a_bad_reason_is_400_with_the_list_of_reasons(citizen, proposal, data):
    error = assert_error(
        client_for(citizen).post(proposal_url(proposal), data, format="json"), 400, "invalid"
    )
    [message] = error["fields"]["reason"]
    assert all(value in message for value in FlagReason.values)
    assert not Flag.objects.exists()


def test_long_details_are_400(citizen, proposal):
    response = client_for(citizen).post(
        proposal_url(proposal), {"reason": "other", "details": "x" * 501}, format="json"
    )
    assert_error(response, 400, "invalid", fields=["details"])
    assert not Flag.objects.exists()


def test_a_body_that_is_not_an_object_is_400(citizen, proposal):
    response = client_for(citizen).post(proposal_url(proposal), ["spam"], format="json")
    assert_error(response, 400, "malformed_request")


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_items_a_citizen_cannot_see_are_404(citizen, consultation, visibility):
    proposal = factories.ProposalFactory(consultation=consultation, visibility=visibility)
    published = factories.ProposalFactory(consultation=consultation)
    comment = a_comment(published, visibility=visibility)
    on_hidden_proposal = a_comment(proposal)
    client = client_for(citizen)
    assert_error(client.post(proposal_url(proposal), {"reason": "spam"}, format="json"), 404, "not_found")
    for target in (comment, on_hidden_proposal):
        assert_error(client.post(comment_url(target), {"reason": "spam"}, format="json"), 404, "not_found")
    assert_error(
        client.post("/api/v1/comments/987654/flag/", {"reason": "spam"}, format="json"), 404, "not_found"
    )
    assert not Flag.objects.exists()


def test_a_moderator_sees_a_pending_proposal_but_cannot_report_it(moderator, consultation):
    proposal = factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING)
    response = client_for(moderator).post(proposal_url(proposal), {"reason": "spam"}, format="json")
    assert_error(response, 409, "proposal_not_published")


def test_csrf_is_enforced_for_session_auth(citizen, proposal):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(citizen)
    assert client.post(proposal_url(proposal), {"reason": "spam"}, format="json").status_code == 403
    assert not Flag.objects.exists()


def test_reports_are_rate_limited_with_retry_after(monkeypatch, citizen, consultation):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"flags": "2/hour"})
    proposals = [factories.ProposalFactory(consultation=consultation) for _ in range(3)]
    client = client_for(citizen)
    for proposal in proposals[:2]:
        assert client.post(proposal_url(proposal), {"reason": "spam"}, format="json").status_code == 201
    refused = client.post(proposal_url(proposals[2]), {"reason": "spam"}, format="json")
    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) > 0
    assert Flag.objects.count() == 2


def test_items_seen_but_not_shown_are_409(moderator, citizen, proposal):
    hidden = a_comment(proposal, visibility=Visibility.HIDDEN)
    deleted = a_comment(proposal, deleted_at=proposal.created_at, body="")
    response = client_for(moderator).post(comment_url(hidden), {"reason": "spam"}, format="json")
    assert_error(response, 409, "comment_not_published")
    response = client_for(citizen).post(comment_url(deleted), {"reason": "spam"}, format="json")
    assert_error(response, 409, "comment_not_published")
    assert not Flag.objects.exists()
