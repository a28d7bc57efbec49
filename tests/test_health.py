"""The probes of load balancers and orchestrators: /healthz says the process answers, /readyz says whether
each service the site needs answers, on the real PostgreSQL, Redis and search server (and one that is down).
The server without a database is in tests/test_database_unavailable.py."""

import json

import pytest

from tests.support import servers
from tests.support.search import stopped_engine

pytestmark = pytest.mark.django_db

DATABASE_AND_REDIS = {"database": "cocreate.health.database", "redis": "cocreate.health.redis"}


def redis_nowhere(settings) -> str:
    """The cache on a Redis port nobody listens on; its address."""
    nowhere = f"redis://127.0.0.1:{servers.free_port()}/0"
    backend = "cocreate.cache.RedisCache"  # which takes a Redis away as a miss: /readyz must not
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": nowhere}}
    return nowhere


def probe(client, path: str, **headers):
    response = client.get(path, **headers)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response  # a probe every few seconds must not make sessions
    return response.status_code, json.loads(response.content)


def test_healthz_answers_an_orchestrator_that_probes_by_address_over_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # production's: a probe over plain HTTP is not redirected
    assert probe(client, "/healthz", HTTP_HOST="10.0.4.17:8000") == (200, {"status": "ok"})


def test_readyz_lists_each_service_with_its_latency_and_no_address(client, settings):
    settings.READINESS_CHECKS = DATABASE_AND_REDIS
    status, body = probe(client, "/readyz", HTTP_HOST="10.0.4.17")
    assert status == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis"}
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert 0 <= check["ms"] < 10_000
    text = json.dumps(body)
    assert settings.REDIS_URL not in text and "127.0.0.1" not in text and "postgres" not in text


def test_readyz_answers_503_naming_redis_when_it_does_not_answer(client, settings):
    settings.READINESS_CHECKS = DATABASE_AND_REDIS
    nowhere = redis_nowhere(settings)
    status, body = probe(client, "/readyz")
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "ok"  # a failure does not hide the others
    redis = body["checks"]["redis"]
    assert (redis["status"], redis["error"]) == ("error", "ConnectionError")
    assert nowhere not in json.dumps(body)


def test_healthz_stays_200_while_a_service_is_down(client, settings):
    settings.READINESS_CHECKS = {"redis": "cocreate.health.redis"}
    redis_nowhere(settings)
    assert probe(client, "/readyz")[0] == 503
    assert probe(client, "/healthz") == (200, {"status": "ok"})


def test_readyz_checks_the_search_engine_when_the_site_searches_through_it(client, settings, search_server):
    settings.READINESS_CHECKS = {**DATABASE_AND_REDIS, "search": "proposals.search.engine.ready"}
    status, body = probe(client, "/readyz")
    assert status == 200
    assert body["checks"]["search"]["status"] == "ok"


def test_readyz_answers_503_when_the_search_engine_is_down(client, settings, osmem_server):
    settings.READINESS_CHECKS = {**DATABASE_AND_REDIS, "search": "proposals.search.engine.ready"}
    settings.ELASTICSEARCH_URL = stopped_engine(osmem_server)
    status, body = probe(client, "/readyz")
    assert status == 503
    assert body["checks"]["search"]["status"] == "error"
    assert body["checks"]["database"]["status"] == body["checks"]["redis"]["status"] == "ok"


def test_each_configuration_checks_the_services_it_uses():
    from cocreate.settings import base

    assert base.READINESS_CHECKS["database"] == "cocreate.health.database"
    assert ("redis" in base.READINESS_CHECKS) == bool(base.REDIS_URL)
    assert ("search" in base.READINESS_CHECKS) == (base.SEARCH_BACKEND == "engine")
