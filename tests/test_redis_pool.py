"""The cache's Redis connections are the process's, not the request's, and so is the pause after Redis
failed to answer (cocreate/redis_pool.py)."""

import asyncio
import contextvars
import logging
import os
import select
import signal
import time

import pytest
import redis as redis_client
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from cocreate import redis_pool
from tests.support import factories
from tests.support.redis_server import redis_process


def cache_of_a_request():
    """What a request served over ASGI gets: the cache instance of a new async context, its pool, and the
    id Redis gives the connection its command went through. (Sync calls on the loop, as a sync view's
    would be in its thread: asgiref's executor thread does not survive a fork.)"""

    async def request():
        cache = caches["default"]
        cache.set("redis-pool-test", 1)
        client = cache._cache.get_client(write=True)
        return cache, client.connection_pool, client.client_id()

    return contextvars.Context().run(asyncio.run, request())


def test_requests_in_two_async_contexts_share_one_pool_and_its_connection():
    first_cache, first_pool, first_connection = cache_of_a_request()
    second_cache, second_pool, second_connection = cache_of_a_request()

    assert first_cache is not second_cache  # Django's own doing: a cache instance per async context
    assert second_pool is first_pool
    assert second_connection == first_connection  # the idle connection is taken up, no new one opened


def test_a_forked_process_gets_its_own_pool_and_connection():
    _, parent_pool, parent_connection = cache_of_a_request()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe and never returns
        signal.alarm(10)  # a child that hangs dies instead of holding the test
        try:
            _, pool, connection = cache_of_a_request()
            os.write(write_end, f"{pool is parent_pool} {connection}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    assert select.select([read_end], [], [], 15)[0], "the child reported nothing"
    with os.fdopen(read_end) as reported:
        same_pool, child_connection = reported.read().split()
    os.waitpid(child, 0)

    assert same_pool == "False"
    assert int(child_connection) != parent_connection
    # And the parent's pool is still the parent's, its connection still usable.
    _, pool, connection = cache_of_a_request()
    assert pool is parent_pool
    assert connection == parent_connection


# Redis frozen: what one part of the worker found out, the others do not pay for again


@pytest.fixture
def frozen_redis(settings, monkeypatch):
    """Every cache on a private Redis, with the site's own backend and options, and the list of calls that
    reached it through the worker's pool (each takes a connection: the cache's and the rate limits' alike)."""
    with redis_process() as redis:
        caches_there = {alias: {**cache, "LOCATION": redis.url()} for alias, cache in settings.CACHES.items()}
        settings.CACHES = caches_there
        calls = []
        get_connection = redis_pool.SharedConnectionPool.get_connection

        def counted(pool, *args, **kwargs):
            if pool.connection_kwargs.get("port") == redis.port:
                calls.append(pool)
            return get_connection(pool, *args, **kwargs)

        monkeypatch.setattr(redis_pool.SharedConnectionPool, "get_connection", counted)
        yield redis, calls


def asks_redis(calls, request) -> tuple[int, int]:
    """The request's status, and how many calls to Redis it made."""
    before = len(calls)
    status = request().status_code
    return status, len(calls) - before


def scene():
    consultation = factories.consultation()
    proposals = factories.ProposalFactory.create_batch(3, consultation=consultation)
    api = APIClient(REMOTE_ADDR="203.0.113.5")
    api.force_authenticate(factories.citizen())

    def page():
        return Client().get(consultation.url)

    def supports(proposal):
        return lambda: api.post(f"/api/v1/proposals/{proposal.pk}/support/")

    return page, [supports(proposal) for proposal in proposals]


def back_to_redis(redis, calls, page, write) -> None:
    """Redis answers again and the worker's pause is over: the page and the write both ask it, and the
    write's rate limits are counted there again, shared by every worker."""
    redis.resume()
    absence = redis_pool.absence_of(caches["default"]._servers)
    time.sleep(max(0.0, absence.retry_at - time.monotonic()))  # the pause the worker keeps, no longer
    page_status, page_calls = asks_redis(calls, page)
    write_status, write_calls = asks_redis(calls, write)
    counters = redis_client.Redis.from_url(redis.url()).keys("*throttle_support*")

    assert (page_status, write_status) == (200, 201)
    assert page_calls > 0 and write_calls > 0
    assert counters


@pytest.mark.django_db
def test_a_write_after_a_page_found_redis_frozen_does_not_wait_on_it_again(frozen_redis, caplog):
    redis, calls = frozen_redis
    page, writes = scene()
    assert asks_redis(calls, page)[1] > 0 and asks_redis(calls, writes[0])[1] > 0  # both on Redis

    redis.pause()
    caplog.set_level(logging.WARNING)
    page_status, page_calls = asks_redis(calls, page)  # waits out the socket timeout once
    write_status, write_calls = asks_redis(calls, writes[1])

    assert (page_status, page_calls) == (200, 1)
    assert (write_status, write_calls) == (201, 0)  # counted in the worker, Redis not asked
    # One warning for the outage, not one per alias or per throttle.
    warnings = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("no answer from Redis"), warnings
    back_to_redis(redis, calls, page, writes[2])


@pytest.mark.django_db
def test_a_page_after_a_write_found_redis_frozen_does_not_wait_on_it_again(frozen_redis):
    redis, calls = frozen_redis
    page, writes = scene()
    assert asks_redis(calls, page)[1] > 0 and asks_redis(calls, writes[0])[1] > 0

    redis.pause()
    write_status, write_calls = asks_redis(calls, writes[1])
    page_status, page_calls = asks_redis(calls, page)

    assert (write_status, write_calls) == (201, 1)
    assert (page_status, page_calls) == (200, 0)  # made from the database, Redis not asked
    back_to_redis(redis, calls, page, writes[2])
