"""POST /api/v1/proposals/{id}/dismiss-flags/ and /api/v1/comments/{id}/dismiss-flags/: a moderator read the
reports and leaves the item as it is. Each role both ways; a refused request writes nothing."""

import pytest
from rest_framework.throttling import ScopedRateThrottle

from proposals.models import AuditAction, AuditEntry, Comment, Flag, Proposal, Visibility
from tests.support import factories
from tests.support.api import assert_error
from tests.support.factories import a_comment, reported

pytestmark = pytest.mark.django_db


def url(item) -> str:
    kind = "comments" if isinstance(item, Comment) else "proposals"
    return f"/api/v1/{kind}/{item.pk}/dismiss-flags/"


@pytest.fixture
def proposal(consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    reported(proposal, "spam", "off_topic")
    return proposal


@pytest.fixture
def comment(consultation):
    comment = a_comment(factories.ProposalFactory(consultation=consultation))
    reported(comment, "abuse")
    return comment


@pytest.fixture(params=["proposal", "comment"])
def item(request):
    return request.getfixturevalue(request.param)


def open_flags(item) -> int:
    target = {"comment": item} if isinstance(item, Comment) else {"proposal": item}
    return Flag.objects.filter(resolved_at__isnull=True, **target).count()


def dismissals() -> int:
    return AuditEntry.objects.filter(action=AuditAction.FLAGS_DISMISSED).count()


@pytest.mark.parametrize("role", ["moderator", "official", "superuser"])
def test_moderators_officials_and_admins_dismiss_the_reports(as_role, item, role):
    user, client = as_role(role)
    reports = open_flags(item)

    response = client.post(url(item), {"reason": "Read them: a fair opinion."}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {"dismissed": reports}
    assert open_flags(item) == 0
    item.refresh_from_db()
    assert item.visibility == Visibility.PUBLISHED  # nothing else changes
    entry = AuditEntry.objects.get(action=AuditAction.FLAGS_DISMISSED)
    assert (entry.actor, entry.reason) == (user, "Read them: a fair opinion.")
    assert entry.comment_id == (item.pk if isinstance(item, Comment) else None)


def test_the_reason_is_optional(as_role, item):
    _user, client = as_role("moderator")
    assert client.post(url(item), format="json").status_code == 200
    assert AuditEntry.objects.get(action=AuditAction.FLAGS_DISMISSED).reason == ""


def test_anonymous_is_401(api, item):
    assert_error(api.post(url(item), {}, format="json"), 401, "not_authenticated")
    assert open_flags(item) and not dismissals()


@pytest.mark.parametrize("role", ["unverified_citizen", "citizen"])
def test_citizens_are_403(as_role, item, role):
    _user, client = as_role(role)
    assert_error(client.post(url(item), {}, format="json"), 403, "forbidden")
    assert open_flags(item) and not dismissals()


def test_a_citizen_is_refused_before_any_look_up(as_role):
    _user, client = as_role("citizen")
    assert_error(client.post("/api/v1/proposals/999999/dismiss-flags/", format="json"), 403, "forbidden")


def test_nothing_open_is_409(as_role, item):
    _user, client = as_role("moderator")
    assert client.post(url(item), format="json").status_code == 200
    assert_error(client.post(url(item), format="json"), 409, "no_open_flags")
    assert dismissals() == 1


def test_an_item_never_reported_is_409(as_role, consultation):
    _user, client = as_role("official")
    proposal = factories.ProposalFactory(consultation=consultation)
    assert_error(client.post(url(proposal), format="json"), 409, "no_open_flags")
    assert_error(client.post(url(a_comment(proposal)), format="json"), 409, "no_open_flags")
    assert not dismissals()


def test_an_unknown_item_is_404(as_role):
    _user, client = as_role("moderator")
    assert_error(client.post("/api/v1/proposals/999999/dismiss-flags/", format="json"), 404, "not_found")
    assert_error(client.post("/api/v1/comments/999999/dismiss-flags/", format="json"), 404, "not_found")
    response = client.post("/api/v1/proposals/999999/dismiss-flags/", {"reason": "x" * 501}, format="json")
    assert_error(response, 404, "not_found")


def test_a_too_long_reason_is_a_field_error(as_role, item):
    _user, client = as_role("moderator")
    response = client.post(url(item), {"reason": "x" * 501}, format="json")
    assert_error(response, 400, "invalid", fields=["reason"])
    assert open_flags(item) and not dismissals()


def test_a_body_that_is_not_an_object_is_400(as_role, item):
    _user, client = as_role("moderator")
    assert_error(client.post(url(item), ["reason"], format="json"), 400, "malformed_request")


def test_dismissing_leaves_a_hidden_item_hidden(as_role, proposal):
    _user, client = as_role("moderator")
    Proposal.objects.filter(pk=proposal.pk).update(visibility=Visibility.HIDDEN, moderation_reason="Spam.")
    assert client.post(url(proposal), format="json").json() == {"dismissed": 2}
    proposal.refresh_from_db()
    assert (proposal.visibility, proposal.moderation_reason) == (Visibility.HIDDEN, "Spam.")


def test_dismissals_are_rate_limited_with_the_officials_scope(monkeypatch, as_role, consultation):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"official": "2/hour"})
    _user, client = as_role("moderator")
    proposals = [factories.ProposalFactory(consultation=consultation) for _ in range(3)]
    for proposal in proposals:
        reported(proposal, "spam")
    for proposal in proposals[:2]:
        assert client.post(url(proposal), format="json").status_code == 200
    refused = client.post(url(proposals[2]), format="json")
    assert_error(refused, 429, "rate_limited")
    assert open_flags(proposals[2]) == 1
