"""Following proposals (/api/v1/proposals/{id}/follow/) and one's notifications (/api/v1/notifications/)."""

import pytest
from rest_framework.throttling import ScopedRateThrottle

from cms.models import ModerationMode
from proposals import notifications
from proposals.models import Follow, Notification, Proposal, Visibility
from proposals.services import proposal_set_status
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for, make_user
from tests.support.db import run_while_held
from votes.merging import proposals_merge

pytestmark = pytest.mark.django_db


def url(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/follow/"


def following(user, proposal) -> bool:
    return Follow.objects.filter(user=user, proposal=proposal).exists()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_any_signed_in_person_may_follow_then_stop(role):
    user = make_user(role)
    client = client_for(user)
    proposal = factories.ProposalFactory()

    first = client.post(url(proposal))
    again = client.post(url(proposal))

    assert first.status_code == 201
    assert first.json() == {"proposal": proposal.pk, "following": True}
    assert again.status_code == 200
    assert Follow.objects.filter(user=user, proposal=proposal).count() == 1

    stopped = client.delete(url(proposal))
    assert stopped.status_code == 204
    assert not following(user, proposal)
    assert client.delete(url(proposal)).status_code == 204  # nothing left to stop


@pytest.mark.parametrize("method", ["post", "delete"])
def test_anonymous_is_401(api, method):
    proposal = factories.ProposalFactory()
    response = getattr(api, method)(url(proposal))
    assert_error(response, 401, "not_authenticated")
    assert not Follow.objects.exists()


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_a_proposal_the_citizen_cannot_see_is_404(visibility):
    citizen = factories.citizen()
    proposal = factories.ProposalFactory(visibility=visibility)
    assert_error(client_for(citizen).post(url(proposal)), 404, "not_found")
    assert not Follow.objects.exists()


def test_an_unknown_proposal_is_404():
    assert_error(client_for(factories.citizen()).post("/api/v1/proposals/999999/follow/"), 404, "not_found")


def test_an_unpublished_proposal_its_author_sees_cannot_be_followed():
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    author = factories.citizen()
    proposal = factories.ProposalFactory(
        consultation=consultation, author=author, visibility=Visibility.PENDING
    )
    assert_error(client_for(author).post(url(proposal)), 409, "proposal_not_published")


def test_following_is_rate_limited(monkeypatch):
    # DRF reads the rates when the throttle class is defined, so the class attribute is what to change.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"follow": "2/minute"})
    client = client_for(factories.citizen())
    proposal = factories.ProposalFactory()
    assert client.post(url(proposal)).status_code == 201
    assert client.delete(url(proposal)).status_code == 204
    response = client.post(url(proposal))
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0


# Notifications


@pytest.fixture
def notified():
    """A citizen with one notification: a status change on a proposal they follow."""
    citizen = factories.citizen()
    proposal = factories.ProposalFactory(title="Pay within two weeks")
    Follow.objects.create(user=citizen, proposal=proposal)
    proposal_set_status(actor=factories.official(), proposal=proposal, status="under_review")
    return citizen, proposal


def test_the_list_shows_the_persons_notifications(notified):
    citizen, proposal = notified
    body = client_for(citizen).get("/api/v1/notifications/").json()

    assert body["count"] == 1
    [item] = body["results"]
    assert item["action"] == "status_changed"
    assert item["proposal"] == proposal.pk
    assert item["proposal_title"] == "Pay within two weeks"
    assert item["url"] == f"/proposals/{proposal.pk}/"
    assert item["text"] == "The status of “Pay within two weeks” changed to “Under review”."
    assert item["read"] is False and item["read_at"] is None


def test_reading_the_list_marks_nothing_and_the_read_endpoint_marks_all(notified):
    citizen, _proposal = notified
    client = client_for(citizen)
    client.get("/api/v1/notifications/")
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 1

    response = client.post("/api/v1/notifications/read/")

    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 0
    assert client.get("/api/v1/notifications/").json()["results"][0]["read"] is True
    assert client.post("/api/v1/notifications/read/").json() == {"marked": 0}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_others_see_none_of_them_and_cannot_mark_them(notified, role):
    citizen, _proposal = notified
    client = client_for(make_user(role))

    assert client.get("/api/v1/notifications/").json()["count"] == 0
    assert client.post("/api/v1/notifications/read/").json() == {"marked": 0}
    assert Notification.objects.get(recipient=citizen).read_at is None


@pytest.mark.parametrize(
    ("method", "path"), [("get", "/api/v1/notifications/"), ("post", "/api/v1/notifications/read/")]
)
def test_notifications_need_a_signed_in_person(api, method, path):
    assert_error(getattr(api, method)(path), 401, "not_authenticated")


def test_following_a_merged_proposal_follows_the_one_it_went_into():
    """As its followers were moved there by the merge: one who follows the duplicate afterwards (a page
    open from before, an old link) hears of the decisions too."""
    consultation = factories.consultation()
    target, duplicate = (factories.ProposalFactory(consultation=consultation) for _ in range(2))
    proposals_merge(actor=factories.official(), target=target, sources=[duplicate.pk], reason="The same.")
    citizen = factories.citizen()

    answer = client_for(citizen).post(url(duplicate))

    assert answer.status_code == 201
    assert answer.json() == {"proposal": target.pk, "following": True}
    assert following(citizen, target) and not following(citizen, duplicate)


@pytest.mark.django_db(transaction=True)
def test_a_follow_during_a_merge_is_moved_or_goes_to_the_target():
    """The follow arrives while the merge holds the duplicate's row: it waits, then follows the target, and
    nothing is left on the duplicate, where it would hear nothing."""
    consultation = factories.consultation()
    target, duplicate = (factories.ProposalFactory(consultation=consultation) for _ in range(2))
    citizen, official = factories.citizen(), factories.official()
    page_open = Proposal.objects.get(pk=duplicate.pk)  # read before the merge, as by the open page

    def merge():
        proposals_merge(actor=official, target=target, sources=[duplicate.pk], reason="The same.")

    (outcome,), _retried = run_while_held(
        merge, [lambda: notifications.follow_add(user=citizen, proposal=page_open)], waiters=1
    )

    assert list(Follow.objects.filter(user=citizen).values_list("proposal", flat=True)) == [target.pk]
    assert outcome == (target, True)
