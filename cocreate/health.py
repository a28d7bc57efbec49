"""`/healthz` and `/readyz`, for load balancers and orchestrators.

- `/healthz`: the process is alive and answers HTTP. It touches nothing else, so a database or Redis outage
  never gets every worker restarted at once (a liveness probe that failed on those would do exactly that).
- `/readyz`: the worker can serve: each service it needs answers, with its latency. 200 when all do, 503
  when one does not, so a load balancer stops sending it requests until they come back. The body names the
  services and the exception class of a failure, never an address, a name or a message that could hold one.

Both are answered in front of Django (`Probes`, in cocreate/asgi.py), for any method and host: before the
host check, the HTTPS redirect, sessions and the language, since probes come from inside the cluster, by
address and over plain HTTP, and must not create sessions; and without a turn in Django's threads, so that
a worker busy with pages still answers its probes in the time a balancer gives them (5 s,
docs/reliability.md) instead of being taken out for being busy. `/healthz` is answered by the event loop
itself. `/readyz` runs its checks side by side in threads of its own (`_THREADS`), each given
`CHECK_TIMEOUT`. Which services it checks is the setting `READINESS_CHECKS` (dotted paths of functions that
raise when their service does not answer), since the search engine's client belongs to a floor above this
one.
"""

import asyncio
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import connection, connections
from django.utils.module_loading import import_string

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
NO_STORE = "no-store"
# Seconds a check may take before it counts as failed (`TimeoutError`): the answer, a 503 that names the slow
# service, then reaches a balancer that waits 5 s, rather than the balancer timing out on a silent worker.
CHECK_TIMEOUT = 4.0
# The checks' threads: a few, kept, and none of Django's nor the event loop's default executor (DNS lookups
# and Django's own off-thread work queue there). A check that hangs past its timeout keeps its thread until
# it returns; the next probes' checks wait for a free one, and time out too if none comes: still a 503.
_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readiness")


def database() -> None:
    """One round trip, on a connection had as any request has one: with the pool, the check waits for a free
    connection as requests do, so a pool that slow requests hold shows as a slow (or timed-out) database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def redis() -> None:
    """The cache's Redis (the channel layer's is the same server, REDIS_URL): one round trip, past the cache's
    own way of taking a Redis that does not answer as a miss (cocreate/cache.py), which would hide it."""
    django_cache.ping()


@cache
def _checks(paths: tuple[tuple[str, str], ...]) -> dict[str, Callable[[], None]]:
    return {name: import_string(path) for name, path in paths}


def _run(check: Callable[[], None]) -> dict:
    """In a readiness thread: the check's result and how long it took. The thread's database connections are
    given back afterwards (to the pool, or closed without one), as at the end of a request: the thread
    outlives the probe, and a connection kept in it would be one the pool lends nobody else."""
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # any failure means not ready; its class says which
        result = {"status": "error", "error": type(error).__name__}
    else:
        result = {"status": "ok"}
    finally:
        connections.close_all()
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


_run_in_thread = sync_to_async(_run, thread_sensitive=False, executor=_THREADS)


async def _checked(check: Callable[[], None]) -> dict:
    try:
        return await asyncio.wait_for(_run_in_thread(check), CHECK_TIMEOUT)
    except TimeoutError:
        return {"status": "error", "error": "TimeoutError", "ms": CHECK_TIMEOUT * 1000}


async def readiness() -> tuple[bool, dict[str, dict]]:
    """Every check at once; a failure does not stop the others, so the body says all that is down."""
    checks = _checks(tuple(settings.READINESS_CHECKS.items()))
    results = dict(zip(checks, await asyncio.gather(*map(_checked, checks.values())), strict=True))
    return all(result["status"] == "ok" for result in results.values()), results


class Probes:
    """ASGI, in front of Django: answers the two probe paths itself and hands every other request on."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] not in (HEALTH_PATH, READY_PATH):
            return await self.app(scope, receive, send)
        if scope["path"] == HEALTH_PATH:
            status, body = 200, {"status": "ok"}
        else:
            ready, checks = await readiness()
            status = 200 if ready else 503
            body = {"status": "ok" if ready else "unavailable", "checks": checks}
        content = json.dumps(body).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
            (b"cache-control", NO_STORE.encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else content})
