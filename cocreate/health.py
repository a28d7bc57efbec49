"""`/healthz` and `/readyz`, for load balancers and orchestrators.

- `/healthz`: the process is alive and answers HTTP. It touches nothing else, so a database or Redis outage
  never gets every worker restarted at once (a liveness probe that failed on those would do exactly that).
- `/readyz`: the worker can serve: each service it needs answers, with its latency. 200 when all do, 503
  when one does not, so a load balancer stops sending it requests until they come back. The body names the
  services and the exception class of a failure, never an address, a name or a message that could hold one.

They are answered by the first middleware, before the host check, the HTTPS redirect, sessions and the
language: probes come from inside the cluster, by address and over plain HTTP, and must not create sessions.
Which services `/readyz` checks is the setting `READINESS_CHECKS` (dotted paths of functions that raise when
their service does not answer), since the search engine's client belongs to a floor above this one.
"""

import json
import time
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
NO_STORE = "no-store"


def database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def redis() -> None:
    """The cache's Redis (the channel layer's is the same server, REDIS_URL): one round trip, past the cache's
    own way of taking a Redis that does not answer as a miss (cocreate/cache.py), which would hide it."""
    django_cache.ping()


@cache
def _checks(paths: tuple[str, ...]) -> dict[str, Callable[[], None]]:
    return {name: import_string(path) for name, path in paths}


def readiness() -> tuple[bool, dict[str, dict]]:
    """Run every check in turn; a failure does not stop the others, so the body says all that is down."""
    results = {}
    for name, check in _checks(tuple(settings.READINESS_CHECKS.items())).items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # any failure means not ready; its class says which
            result = {"status": "error", "error": type(error).__name__}
        else:
            result = {"status": "ok"}
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = result
    return all(result["status"] == "ok" for result in results.values()), results


def _json(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = NO_STORE
    return response


class HealthMiddleware:
    """First in MIDDLEWARE: answers the two probe paths itself, for any method and host."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTH_PATH:
            return _json(200, {"status": "ok"})
        if request.path == READY_PATH:
            ready, checks = readiness()
            return _json(
                200 if ready else 503, {"status": "ok" if ready else "unavailable", "checks": checks}
            )
        return self.get_response(request)
