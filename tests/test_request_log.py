"""A request id ties what a citizen reports ("it failed, reference …") to the worker's log lines, and
production logs one JSON object a line: checked in-process and on a real server process."""

import json
import logging
import re
import urllib.request

import pytest
from django.http import HttpResponse

from cocreate.request_log import HEADER, RequestIdFilter, RequestLogMiddleware
from tests.support import servers

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_the_proxys_request_id_comes_back_and_a_malformed_one_is_replaced(client):
    assert client.get("/", headers={HEADER: "edge-4f2a91c0"})[HEADER] == "edge-4f2a91c0"
    for forged in ("short", "two words here", "x" * 65, 'id"\n{"level": "ERROR"}'):
        assert GENERATED.fullmatch(client.get("/", headers={HEADER: forged})[HEADER])
    first, second = client.get("/")[HEADER], client.get("/")[HEADER]
    assert GENERATED.fullmatch(first) and first != second


def test_one_line_per_request_without_its_query_string(client, caplog):
    caplog.set_level(logging.INFO, logger="cocreate.request")
    response = client.get("/proposals/0/?token=from-an-email", headers={HEADER: "trace-123456"})
    (record,) = [r for r in caplog.records if r.name == "cocreate.request"]
    assert (record.method, record.path, record.status) == ("GET", "/proposals/0/", response.status_code)
    assert record.duration_ms >= 0
    assert "from-an-email" not in record.getMessage()


def test_every_record_made_during_a_request_carries_its_id(rf):
    seen = []
    handler = logging.Handler()
    handler.addFilter(RequestIdFilter())
    handler.emit = seen.append
    failures = logging.getLogger("django.request")
    failures.addHandler(handler)

    def view(request):
        failures.error("Internal Server Error: %s", request.path)
        return HttpResponse(status=500)

    try:
        RequestLogMiddleware(view)(rf.get("/", headers={HEADER: "trace-abcdef12"}))
        failures.error("after the request")
    finally:
        failures.removeHandler(handler)
    assert [(r.getMessage(), r.request_id) for r in seen] == [
        ("Internal Server Error: /", "trace-abcdef12"),
        ("after the request", None),
    ]


@pytest.mark.server
def test_production_logs_one_json_object_a_line_with_the_request_id(asgi_server_env):
    env = {**asgi_server_env, "LOG_FORMAT": "json"}
    with servers.serving(env) as server:
        url = server.http_url("/?token=from-an-email")
        with urllib.request.urlopen(urllib.request.Request(url, headers={HEADER: "trace-7e57c0de"})) as page:
            assert page.headers[HEADER] == "trace-7e57c0de"
        log = server.log()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert lines, log
    assert len(lines) == len([line for line in log.splitlines() if line.strip()]), "a line is not JSON"
    (request,) = [line for line in lines if line.get("request_id") == "trace-7e57c0de"]
    assert request["logger"] == "cocreate.request" and request["level"] == "INFO"
    assert (request["method"], request["path"], request["status"]) == ("GET", "/", 200)
    assert request["time"].startswith("20") and request["duration_ms"] >= 0
    assert "from-an-email" not in log  # uvicorn's access log, with query strings, is off
