"""Shared fixtures. The suite runs only on the real services: PostgreSQL and Redis, never a fallback."""

import pytest
import redis
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture(scope="session", autouse=True)
def real_services(django_db_setup, django_db_blocker):
    """Fail the whole run, loudly, if the tests are not talking to the real services."""
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", (
            f"The tests need PostgreSQL (DATABASE_URL); got {connection.vendor}. Run them with `make test`."
        )
    assert settings.REDIS_URL, "The tests need Redis (REDIS_URL). Run them with `make test`."
    redis.Redis.from_url(settings.REDIS_URL).ping()
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis.")


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in Redis; each test starts with none. Only those keys: the channel layer
    shares the server."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match="*throttle_*", count=1000):
        client.delete(key)


@pytest.fixture
def consultation(db):
    return factories.consultation()


@pytest.fixture
def citizen(db):
    return factories.citizen()


@pytest.fixture
def moderator(db):
    return factories.moderator()


@pytest.fixture
def official(db):
    return factories.official()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as():
    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
