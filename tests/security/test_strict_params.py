"""A query parameter that is present but empty or not of its type is a 400 naming it, never read as "no
filter": a client that lost a value must not silently get everything."""

import pytest

from proposals.models import Follow
from proposals.services import proposal_set_status
from tests.support import factories
from tests.support.api import assert_error
from tests.support.security import signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=", "status"),
        ("status=null", "status"),
        ("category=", "category"),
        ("stage=", "stage"),
        ("consultation=", "consultation"),
        ("page=", "page"),
        ("page_size=", "page_size"),
    ],
)
def test_search_refuses_an_empty_or_bad_filter(query, field):
    factories.ProposalFactory(title="Zanzibar tracker")
    assert_error(signed_in(None).get(f"/api/v1/search/?q=zanzibar&{query}"), 400, "invalid", [field])


def test_the_search_page_explains_an_empty_filter():
    factories.ProposalFactory(title="Zanzibar tracker")
    response = signed_in(None).get("/search/?q=zanzibar&status=")
    assert response.status_code == 200
    assert b"is not a valid choice" in response.content
    assert b"Zanzibar" not in response.content.split(b"</form>", 2)[-1]  # no results listed


def test_search_with_real_filters_still_works():
    proposal = factories.ProposalFactory(title="Zanzibar tracker")
    response = signed_in(None).get(
        f"/api/v1/search/?q=zanzibar&status=open&consultation={proposal.consultation_id}"
    )
    assert [hit["id"] for hit in response.json()["results"]] == [proposal.pk]


@pytest.fixture
def reader():
    """A citizen with one read and one unread notification."""
    citizen = factories.citizen()
    for _ in range(2):
        proposal = factories.ProposalFactory()
        Follow.objects.create(user=citizen, proposal=proposal)
        proposal_set_status(actor=factories.official(), proposal=proposal, status="under_review")
    citizen.notifications.filter(pk=citizen.notifications.order_by("pk").first().pk).update(
        read_at="2026-01-01T00:00Z"
    )
    return signed_in(citizen)


@pytest.mark.parametrize("value", ["", "null", "maybe", "2"])
def test_notifications_refuse_a_bad_unread(reader, value):
    assert_error(reader.get(f"/api/v1/notifications/?unread={value}"), 400, "invalid", ["unread"])


@pytest.mark.parametrize(
    ("query", "count"), [("", 2), ("?unread=true", 1), ("?unread=1", 1), ("?unread=false", 2)]
)
def test_notifications_read_unread_as_a_boolean(reader, query, count):
    assert reader.get(f"/api/v1/notifications/{query}").json()["count"] == count
