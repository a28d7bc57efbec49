"""A proposal hidden by moderation after its followers were notified: its title leaves every place that
showed it to them (their notifications, the unread count, an e-mail not yet sent, the unsubscribe page,
their data download), and stays for its author and the moderators."""

import pytest
from django.core import mail
from wagtail.models import PageViewRestriction

from proposals import notifications
from proposals.models import Follow
from proposals.services import proposal_moderate, proposal_set_status
from tests.support import factories
from tests.support.security import signed_in

pytestmark = pytest.mark.django_db

TITLE = "Zanzibar withdrawn idea"
READS = {
    "notifications page": "/notifications/",
    "api notifications": "/api/v1/notifications/",
    "account export": "/account/export/",
    "api export": "/api/v1/me/export/",
    "unsubscribe page": "/unsubscribe/{token}/",
}


def take_away(proposal, how: str) -> None:
    if how == "hidden":
        moderator = factories.moderator()
        proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Personal data.")
    else:
        PageViewRestriction.objects.create(
            page=proposal.consultation, restriction_type=PageViewRestriction.PASSWORD, password="only-us"
        )


@pytest.fixture
def followed():
    """A follower notified of a status change of a proposal; nothing e-mailed yet."""
    follower = factories.citizen()
    proposal = factories.ProposalFactory(title=TITLE)
    Follow.objects.create(user=follower, proposal=proposal)
    proposal_set_status(actor=factories.official(), proposal=proposal, status="under_review")
    return follower, proposal


@pytest.mark.parametrize("channel", READS)
def test_before_it_goes_the_follower_reads_its_title(followed, channel):
    follower, proposal = followed
    token = notifications.unsubscribe_token(user_id=follower.pk, proposal_id=proposal.pk)
    response = signed_in(follower).get(READS[channel].format(token=token))
    assert response.status_code == 200
    assert TITLE.encode() in response.content


@pytest.mark.parametrize("how", ["hidden", "private"])
@pytest.mark.parametrize("channel", READS)
def test_once_it_goes_the_follower_no_longer_does(followed, channel, how):
    follower, proposal = followed
    take_away(proposal, how)
    token = notifications.unsubscribe_token(user_id=follower.pk, proposal_id=proposal.pk)
    response = signed_in(follower).get(READS[channel].format(token=token))
    assert response.status_code == 200
    assert TITLE.encode() not in response.content


@pytest.mark.parametrize("how", ["hidden", "private"])
def test_its_notifications_leave_the_unread_count_and_are_not_e_mailed(followed, how):
    follower, proposal = followed
    assert notifications.unread_count(user=follower) == 1
    take_away(proposal, how)

    assert notifications.unread_count(user=follower) == 0
    assert signed_in(follower).get("/api/v1/notifications/?unread=true").json()["count"] == 0
    report = notifications.notifications_send()
    assert (report.sent, report.dropped) == (0, 1)
    assert mail.outbox == []


def test_its_author_and_moderators_keep_their_notifications(followed):
    follower, proposal = followed
    moderator = factories.moderator()
    for person in (proposal.author, moderator):
        Follow.objects.create(user=person, proposal=proposal)
    proposal_set_status(actor=factories.official(), proposal=proposal, status="accepted")
    take_away(proposal, "hidden")

    for person in (proposal.author, moderator):
        assert TITLE in signed_in(person).get("/api/v1/notifications/").json()["results"][0]["proposal_title"]
    assert signed_in(follower).get("/api/v1/notifications/").json()["count"] == 0


def test_the_export_still_names_it_by_its_id(followed):
    follower, proposal = followed
    take_away(proposal, "hidden")
    data = signed_in(follower).get("/api/v1/me/export/").json()
    assert data["follows"][0]["proposal"] == {"id": proposal.pk, "title": None}
    assert data["notifications"][0]["proposal"] == {"id": proposal.pk, "title": None}
