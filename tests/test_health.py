"""The probes of load balancers and orchestrators: /healthz says the process answers, /readyz says whether
each service the site needs answers, on the real PostgreSQL, Redis and search server (and one that is down),
through the site's ASGI application, whose first layer answers them. The server without a database is in
tests/test_database_unavailable.py."""

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import ThreadSensitiveContext, async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.db import connection

from cocreate.asgi import application
from cocreate.request_log import HEADER
from tests.support import servers
from tests.support.postgres import wait_for
from tests.support.search import stopped_engine

pytestmark = pytest.mark.django_db

DATABASE_AND_REDIS = {"database": "cocreate.health.database", "redis": "cocreate.health.redis"}
TIMEOUT = 10  # seconds: a probe that has not answered by then is stuck, not slow


def redis_nowhere(settings) -> str:
    """The cache on a Redis port nobody listens on; its address."""
    nowhere = f"redis://127.0.0.1:{servers.free_port()}/0"
    backend = "cocreate.cache.RedisCache"  # which takes a Redis away as a miss: /readyz must not
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": nowhere}}
    return nowhere


async def get(path: str, host: str = "testserver", method: str = "GET", app=application) -> dict:
    """The ASGI application's answer to one request: its status, headers and whole body."""
    scope = {"type": "http", "http_version": "1.1", "method": method, "path": path, "query_string": b""}
    communicator = ApplicationCommunicator(app, {**scope, "headers": [(b"host", host.encode())]})
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(TIMEOUT)
    body = [await communicator.receive_output(TIMEOUT)]
    while body[-1].get("more_body", False):
        body.append(await communicator.receive_output(TIMEOUT))
    return {**start, "body": b"".join(chunk["body"] for chunk in body)}


def answer(response: dict) -> tuple[int, dict]:
    """A probe's status and JSON body, checking what every probe's answer carries."""
    headers = {name.lower(): value for name, value in response["headers"]}
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"cache-control"] == b"no-store"
    assert b"set-cookie" not in headers  # a probe every few seconds must not make sessions
    return response["status"], json.loads(response["body"])


def probe(path: str, **kwargs) -> tuple[int, dict]:
    return answer(async_to_sync(get)(path, **kwargs))


def test_healthz_answers_an_orchestrator_that_probes_by_address_over_http(settings):
    settings.SECURE_SSL_REDIRECT = True  # production's: a probe over plain HTTP is not redirected
    assert probe("/healthz", host="10.0.4.17:8000") == (200, {"status": "ok"})
    response = async_to_sync(get)("/healthz", method="HEAD")
    assert (response["status"], response["body"]) == (200, b"")


def test_readyz_lists_each_service_with_its_latency_and_no_address(settings):
    settings.READINESS_CHECKS = DATABASE_AND_REDIS
    status, body = probe("/readyz", host="10.0.4.17")
    assert status == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis"}
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert 0 <= check["ms"] < 10_000
    text = json.dumps(body)
    assert settings.REDIS_URL not in text and "127.0.0.1" not in text and "postgres" not in text


def test_readyz_answers_503_naming_redis_when_it_does_not_answer(settings):
    settings.READINESS_CHECKS = DATABASE_AND_REDIS
    nowhere = redis_nowhere(settings)
    status, body = probe("/readyz")
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "ok"  # a failure does not hide the others
    redis = body["checks"]["redis"]
    assert (redis["status"], redis["error"]) == ("error", "ConnectionError")
    assert nowhere not in json.dumps(body)


def test_healthz_stays_200_while_a_service_is_down(settings):
    settings.READINESS_CHECKS = {"redis": "cocreate.health.redis"}
    redis_nowhere(settings)
    assert probe("/readyz")[0] == 503
    assert probe("/healthz") == (200, {"status": "ok"})


def test_readyz_gives_back_the_database_connections_of_its_checks(settings):
    """The checks run in threads that outlive the probe: a connection left open in each would be one that
    PostgreSQL (or the pool) counts for ever."""
    settings.READINESS_CHECKS = DATABASE_AND_REDIS

    def sessions() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the transaction sees its first count
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return cursor.fetchone()[0]

    before = sessions()
    for _ in range(6):
        assert probe("/readyz")[0] == 200
    # A closed connection's server process leaves pg_stat_activity a moment after the client hangs up; kept
    # connections (one per readiness thread) never would.
    wait_for(lambda: sessions() == before, timeout=5)


def test_the_probes_answer_while_djangos_thread_is_held_and_pages_wait_for_it(settings):
    """Django runs a request's sync code (its signals, middleware and view) on the thread-sensitive executor
    of the request's context. Here that is one thread, held busy, as when sync work queues up under load: a
    page waits for it, while /healthz and /readyz answer, since they take no turn in it; once it is free,
    Django serves the page."""
    settings.READINESS_CHECKS = DATABASE_AND_REDIS
    release = threading.Event()
    django_thread = ThreadPoolExecutor(max_workers=1)
    django_thread.submit(release.wait)

    async def site_on_the_held_thread(scope, receive, send):
        async with ThreadSensitiveContext(executor=django_thread):
            await application(scope, receive, send)

    async def scenario():
        page = asyncio.ensure_future(get("/api/v1/", app=site_on_the_held_thread))
        health = await get("/healthz", app=site_on_the_held_thread)
        ready = await get("/readyz", app=site_on_the_held_thread)
        page_waited = not page.done()
        release.set()
        return health, ready, page_waited, await page

    try:
        health, ready, page_waited, page = async_to_sync(scenario)()
    finally:
        release.set()
        django_thread.shutdown()
    assert page_waited  # the thread was held: Django could not have answered the probes
    assert answer(health) == (200, {"status": "ok"})
    status, body = answer(ready)
    assert (status, body["status"], set(body["checks"])) == (200, "ok", {"database", "redis"})
    assert page["status"] == 200
    assert HEADER.lower().encode() in {name.lower() for name, _ in page["headers"]}  # Django's answer


def test_readyz_checks_the_search_engine_when_the_site_searches_through_it(settings, search_server):
    settings.READINESS_CHECKS = {**DATABASE_AND_REDIS, "search": "proposals.search.engine.ready"}
    status, body = probe("/readyz")
    assert status == 200
    assert body["checks"]["search"]["status"] == "ok"


def test_readyz_answers_503_when_the_search_engine_is_down(settings, osmem_server):
    settings.READINESS_CHECKS = {**DATABASE_AND_REDIS, "search": "proposals.search.engine.ready"}
    settings.ELASTICSEARCH_URL = stopped_engine(osmem_server)
    status, body = probe("/readyz")
    assert status == 503
    assert body["checks"]["search"]["status"] == "error"
    assert body["checks"]["database"]["status"] == body["checks"]["redis"]["status"] == "ok"


def test_each_configuration_checks_the_services_it_uses():
    from cocreate.settings import base

    assert base.READINESS_CHECKS["database"] == "cocreate.health.database"
    assert ("redis" in base.READINESS_CHECKS) == bool(base.REDIS_URL)
    assert ("search" in base.READINESS_CHECKS) == (base.SEARCH_BACKEND == "engine")
