"""One citizen's notifications, follows and data are theirs: another signed-in person's requests (API and
pages alike) neither read nor change them. Nothing in the URLs names a person: every such endpoint acts on
the requester alone, which is what these check."""

import pytest

from proposals.models import Follow
from proposals.services import proposal_set_status
from tests.support import factories
from tests.support.security import signed_in

pytestmark = pytest.mark.django_db

TITLE = "Zanzibar followed idea"


@pytest.fixture
def ada():
    """Ada follows a proposal and has one unread notification about it; Bob has nothing."""
    ada = factories.citizen(display_name="Ada Lovelace")
    proposal = factories.ProposalFactory(title=TITLE)
    Follow.objects.create(user=ada, proposal=proposal)
    proposal_set_status(actor=factories.official(), proposal=proposal, status="under_review")
    return ada, proposal


@pytest.mark.parametrize(
    "url",
    ["/notifications/", "/api/v1/notifications/", "/account/export/", "/api/v1/me/export/", "/account/"],
)
def test_another_person_reads_none_of_it(ada, url):
    response = signed_in(factories.citizen()).get(url)
    assert response.status_code == 200
    assert TITLE.encode() not in response.content and b"Ada Lovelace" not in response.content


@pytest.mark.parametrize(
    ("url", "api"),
    [
        ("/api/v1/notifications/read/", True),
        ("/notifications/read/", False),
        ("/api/v1/proposals/{p}/follow/", True),
        ("/proposals/{p}/unfollow/", False),
        ("/account/notifications/", False),
    ],
)
def test_another_persons_writes_change_none_of_it(ada, url, api):
    person, proposal = ada
    client = signed_in(factories.citizen())
    url = url.format(p=proposal.pk)
    if "follow/" in url and api:
        client.delete(url)
    else:
        client.post(url)

    person.refresh_from_db()
    assert Follow.objects.filter(user=person, proposal=proposal).exists()
    assert person.notifications.filter(read_at__isnull=True).count() == 1
    assert person.email_notifications is True
