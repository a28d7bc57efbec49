"""GET /api/v1/moderation/proposals/{id}/supports-review/: the fraud review of a proposal's supports, for
moderators and officials only (each role both ways), in the reader's language, and in a handful of
queries whatever the number of supports."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cocreate.addresses import address_hash
from proposals.models import Visibility
from tests.support import factories
from tests.support.api import assert_error, client_for, make_user
from votes.services import support_add

pytestmark = pytest.mark.django_db

START = (timezone.now() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)


def url(pk) -> str:
    return f"/api/v1/moderation/proposals/{pk}/supports-review/"


@pytest.fixture
def proposal():
    consultation = factories.consultation(opens_at=timezone.now() - timedelta(days=30))
    return factories.ProposalFactory(consultation=consultation, published_at=START - timedelta(days=1))


def give(proposal, n: int, *, hour: int, address: str = "", first: int = 0) -> None:
    for i in range(first, first + n):
        citizen = factories.citizen(email=f"s{i}@example.net", date_joined=START - timedelta(days=300 + i))
        with mock.patch("django.utils.timezone.now", return_value=START + timedelta(hours=hour)):
            support_add(user=citizen, proposal=proposal, address_hash=address_hash(address or f"10.0.0.{i}"))


@pytest.mark.parametrize("role", ["moderator", "official", "superuser"])
def test_moderators_and_officials_read_the_review(role, proposal):
    give(proposal, 3, hour=0)
    give(proposal, 12, hour=1, address="192.0.2.7", first=3)
    response = client_for(make_user(role)).get(url(proposal.pk))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["proposal"], body["supports"], body["invalid"]) == (proposal.pk, 15, 0)
    assert body["over_time"]["unit"] == "hour"
    assert [b["supports"] for b in body["over_time"]["buckets"]] == [3, 12]
    assert body["domains"]["largest"] == [{"key": "example.net", "supports": 15, "invalid": 0}]
    assert body["domains"]["others"] == {"supports": 0, "invalid": 0}
    assert body["addresses"]["largest"][0] == {
        "key": address_hash("192.0.2.7")[:8],
        "supports": 12,
        "invalid": 0,
    }
    assert body["addresses"]["shared"] == 1
    assert address_hash("192.0.2.7") not in response.content.decode()  # only its prefix is shown
    assert [(f["kind"], f["supports"]) for f in body["flags"]] == [("shared_address", 12)]
    assert "not proof" in body["flags"][0]["explanation"]
    assert body["flag_counts"]["shared_address"] == 1


def test_a_pending_proposal_is_reviewed_too(proposal):
    proposal.visibility = Visibility.PENDING
    proposal.save(update_fields=["visibility"])
    response = client_for(factories.moderator()).get(url(proposal.pk))
    assert response.status_code == 200
    assert response.json()["supports"] == 0


def test_anonymous_visitors_are_asked_to_sign_in(proposal):
    assert_error(client_for(None).get(url(proposal.pk)), 401, "not_authenticated")


@pytest.mark.parametrize("role", ["citizen", "unverified_citizen"])
def test_citizens_are_refused_whether_or_not_the_proposal_exists(role, proposal):
    client = client_for(make_user(role))
    assert_error(client.get(url(proposal.pk)), 403, "forbidden")
    assert_error(client.get(url(10**9)), 403, "forbidden")  # nothing learnt of which ids exist


def test_a_moderator_without_a_second_factor_is_told_to_set_it_up(proposal):
    client = client_for(factories.moderator(second_factor=False))
    assert_error(client.get(url(proposal.pk)), 403, "mfa_required")


def test_an_unknown_proposal_is_not_found():
    assert_error(client_for(factories.official()).get(url(10**9)), 404, "not_found")


def test_the_explanations_follow_the_readers_language(proposal):
    give(proposal, 12, hour=1, address="192.0.2.7")
    response = client_for(factories.official()).get(url(proposal.pk), HTTP_ACCEPT_LANGUAGE="fr")
    assert "pas une preuve" in response.json()["flags"][0]["explanation"]


def test_the_review_costs_the_same_few_queries_whatever_the_number_of_supports(proposal):
    client = client_for(factories.official())
    give(proposal, 10, hour=0)  # a domain to check for (c) from the start
    client.get(url(proposal.pk))  # the session's and the role's first reads
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(proposal.pk)).status_code == 200
    give(proposal, 30, hour=1, first=10)
    give(proposal, 30, hour=5, address="192.0.2.9", first=40)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url(proposal.pk)).status_code == 200
    assert len(few) == len(many) <= 9, [q["sql"] for q in many.captured_queries]
    assert all("votes_support " not in q["sql"] for q in many.captured_queries)
