"""One log line per request, and a request id that ties it to every other line the request logs.

Each request gets an id: the proxy's `X-Request-ID` when it sends a well-formed one (so a trace crosses the
proxy and the worker), otherwise a new one. It goes back to the client in the `X-Request-ID` header, so a
citizen who reports "it failed" can quote it, and onto every log record made while the request runs
(`RequestIdFilter`, on the console handler), including Django's traceback of a 500.

`RequestLogMiddleware` then logs the request itself on the logger `cocreate.request`: method, path (never
the query string, which can carry a token from an e-mail link), status and duration. With `LOG_FORMAT=json`
(production's default) every line is one JSON object; docs/reliability.md lists the fields.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Letters, digits and . _ - only, so a client's id cannot forge log lines or headers.
WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")

logger = logging.getLogger("cocreate.request")
current_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_of(request: HttpRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if WELL_FORMED.fullmatch(given) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (None outside a request) to every record the handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_id.get()
        return True


class RequestLogMiddleware:
    """Early in MIDDLEWARE (after the probes, which are not logged): its line counts the whole request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.id = request_id_of(request)
        token = current_id.set(request.id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request.id
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            current_id.reset(token)
