"""The cache's Redis connections are the process's, not the request's (cocreate/redis_pool.py)."""

import asyncio
import contextvars
import os
import select
import signal

from django.core.cache import caches


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
