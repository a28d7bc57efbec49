"""The write limits with Redis away (nothing listens where the cache points): writes go on, and each budget
still holds, counted in the worker's memory (cocreate/throttling.py). A support is not lost for want of
Redis, and an account or an address does not get unlimited writes while it is away."""

import pytest
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from cocreate import redis_pool, throttling
from proposals.models import Comment
from tests.support import factories
from tests.support.api import assert_error
from tests.support.servers import free_port
from votes.models import Support

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_away(settings, monkeypatch):
    """Call it once the test's data is made: from then on the default cache is on a Redis port nobody
    listens on, in a worker that has not met the outage yet."""

    def go_away() -> None:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        monkeypatch.setattr(throttling, "_LOCAL", LocMemCache("test-throttling", {}))
        monkeypatch.setattr(redis_pool, "_absences", {})

    return go_away


def limit(monkeypatch, scope: str, account: str, address: str) -> None:
    rates = {**ScopedRateThrottle.THROTTLE_RATES, scope: account, f"{scope}_address": address}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


def client(address: str = "203.0.113.5") -> APIClient:
    api = APIClient(REMOTE_ADDR=address)
    api.force_authenticate(factories.citizen())
    return api


def test_supports_go_on_and_the_account_budget_still_holds(redis_away, monkeypatch):
    limit(monkeypatch, "support", "2/minute", "100/minute")
    proposals = factories.ProposalFactory.create_batch(3)
    citizen, other = client(), client("198.51.100.7")
    redis_away()

    answers = [citizen.post(f"/api/v1/proposals/{proposal.pk}/support/") for proposal in proposals]

    assert [answer.status_code for answer in answers[:2]] == [201, 201]
    assert_error(answers[2], 429, "rate_limited")
    assert int(answers[2]["Retry-After"]) > 0
    assert list(Support.objects.values_list("proposal", flat=True).order_by("proposal")) == [
        proposal.pk for proposal in proposals[:2]
    ]
    # Another account on another address still has its own budget.
    assert other.post(f"/api/v1/proposals/{proposals[2].pk}/support/").status_code == 201


def test_the_address_budget_still_holds_across_accounts(redis_away, monkeypatch):
    limit(monkeypatch, "comments", "100/minute", "2/minute")
    proposal = factories.ProposalFactory()
    path = f"/api/v1/proposals/{proposal.pk}/comments/"
    citizens = [client() for _ in range(3)]
    redis_away()

    answers = [citizen.post(path, {"body": "Yes."}, format="json") for citizen in citizens]

    assert [answer.status_code for answer in answers[:2]] == [201, 201]
    assert_error(answers[2], 429, "rate_limited")
    assert Comment.objects.filter(proposal=proposal).count() == 2
