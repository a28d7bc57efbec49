"""Every API write has two budgets: the account's and the client address's. Past either, 429 in the common
error body with Retry-After; another address (or, under the account budget, another account) is not held."""

import pytest
import redis
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from proposals.models import Comment, Flag
from tests.support import factories
from tests.support.api import assert_error
from votes.models import Support

pytestmark = pytest.mark.django_db

WIDE = "1000/minute"


@pytest.fixture
def address_rates(monkeypatch):
    """Accounts with room to spare, addresses with two writes each (DRF binds the rates to the class)."""
    rates = dict.fromkeys(("proposal_submit", "support", "flags", "comments", "follow"), WIDE)
    rates.update({f"{scope}_address": "2/minute" for scope in rates})
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


def api_from(address: str, user=None, **headers) -> APIClient:
    client = APIClient(REMOTE_ADDR=address, **headers)
    client.force_authenticate(user or factories.citizen())
    return client


def support(client, proposal):
    return client.post(f"/api/v1/proposals/{proposal.pk}/support/")


def test_many_accounts_on_one_address_share_its_budget(address_rates):
    proposals = factories.ProposalFactory.create_batch(3)
    assert support(api_from("203.0.113.5"), proposals[0]).status_code == 201
    assert support(api_from("203.0.113.5"), proposals[1]).status_code == 201

    refused = support(api_from("203.0.113.5"), proposals[2])

    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) > 0
    assert not Support.objects.filter(proposal=proposals[2]).exists()
    # Another address is not affected.
    assert support(api_from("198.51.100.7"), proposals[2]).status_code == 201


@pytest.mark.parametrize(
    ("path", "payload", "model"),
    [
        ("/api/v1/proposals/{proposal}/comments/", {"body": "Yes."}, Comment),
        ("/api/v1/proposals/{proposal}/flag/", {"reason": "spam"}, Flag),
    ],
)
def test_comments_and_reports_are_limited_per_address(address_rates, path, payload, model):
    proposals = factories.ProposalFactory.create_batch(3)
    for proposal in proposals[:2]:
        response = api_from("203.0.113.5").post(path.format(proposal=proposal.pk), payload, format="json")
        assert response.status_code == 201, response.content

    refused = api_from("203.0.113.5").post(path.format(proposal=proposals[2].pk), payload, format="json")

    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) > 0
    assert model.objects.count() == 2


def test_a_forged_forwarded_for_header_does_not_buy_a_new_budget(address_rates):
    proposals = factories.ProposalFactory.create_batch(3)
    for n, proposal in enumerate(proposals[:2]):
        client = api_from("203.0.113.5", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        assert support(client, proposal).status_code == 201

    refused = support(api_from("203.0.113.5", HTTP_X_FORWARDED_FOR="192.0.2.99"), proposals[2])

    assert_error(refused, 429, "rate_limited")


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(address_rates, settings):
    """TRUSTED_PROXY_COUNT=1: the load balancer's own address is shared by everyone; the last
    X-Forwarded-For entry (the one it appended) tells the people apart."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proposals = factories.ProposalFactory.create_batch(4)
    balancer = "10.0.0.2"
    for proposal in proposals[:2]:
        assert (
            support(api_from(balancer, HTTP_X_FORWARDED_FOR="forged, 203.0.113.5"), proposal).status_code
            == 201
        )

    assert support(api_from(balancer, HTTP_X_FORWARDED_FOR="203.0.113.5"), proposals[2]).status_code == 429
    assert support(api_from(balancer, HTTP_X_FORWARDED_FOR="198.51.100.7"), proposals[2]).status_code == 201


def test_the_account_budget_holds_across_addresses(monkeypatch):
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"support": "2/minute", "support_address": WIDE}
    )
    proposals = factories.ProposalFactory.create_batch(3)
    citizen = factories.citizen()
    for n, proposal in enumerate(proposals[:2]):
        assert support(api_from(f"203.0.113.{n}", citizen), proposal).status_code == 201

    assert_error(support(api_from("203.0.113.9", citizen), proposals[2]), 429, "rate_limited")
    assert support(api_from("203.0.113.9"), proposals[2]).status_code == 201


def test_an_account_past_its_budget_does_not_use_up_its_address(monkeypatch):
    """The account's budget is checked first: its refusals count against neither budget, so a neighbour
    on the same address keeps the address's room; past the address's, the neighbour waits as long as
    the address's oldest write says."""
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"support": "2/minute", "support_address": "3/minute"}
    )
    proposals = factories.ProposalFactory.create_batch(6)
    hasty, neighbour = api_from("203.0.113.7"), api_from("203.0.113.7")
    assert support(hasty, proposals[0]).status_code == 201
    assert support(hasty, proposals[1]).status_code == 201
    for proposal in proposals[2:5]:
        assert_error(support(hasty, proposal), 429, "rate_limited")

    assert support(neighbour, proposals[5]).status_code == 201
    refused = support(neighbour, proposals[4])
    assert_error(refused, 429, "rate_limited")
    assert 0 < int(refused["Retry-After"]) <= 60
    assert Support.objects.filter(proposal__in=proposals).count() == 3


def test_the_counters_live_in_the_redis_every_worker_shares(address_rates, settings):
    """Not one process's memory: another connection to Redis (another worker) sees the address's count."""
    assert settings.CACHES["default"]["BACKEND"] == "cocreate.cache.RedisCache"
    assert support(api_from("203.0.113.5"), factories.ProposalFactory()).status_code == 201

    other_worker = redis.Redis.from_url(settings.REDIS_URL)
    assert list(other_worker.scan_iter(match="*throttle_support_address_203.0.113.5"))
