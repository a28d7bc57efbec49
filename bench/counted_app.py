"""The site's ASGI application as a worker of a benchmark runs it, counting what pages connecting cost it.

    uvicorn bench.counted_app:application          (tests/support/servers.py: spawn(env, app=APP))

Counts, answered as JSON by GET /bench/counters on the worker's own port (never through the balancer):
  sockets:         websocket handshakes (each open page is sent a snapshot)
  snapshot_reads:  database trips for snapshots (proposals/live/consumers.py: pages of one consultation
                   connecting together share one read, so a reconnect wave costs fewer reads than sockets)
  refetches:       the proposal lists pages read over REST after a reconnection, as live.js does
Nothing else changes: every request goes on to cocreate's application.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from cocreate.asgi import application as site  # sets Django up: import the site's modules after it
from proposals.live import consumers  # noqa: E402 (after Django's setup)

COUNTERS_PATH = "/bench/counters"
REFETCH = re.compile(r"^/api/v1/consultations/\d+/proposals/$")

counters: Counter = Counter()
_read = consumers._snapshot


async def _counted_read(consultation_id: int):
    counters["snapshot_reads"] += 1
    return await _read(consultation_id)


consumers._snapshot = _counted_read  # SharedSnapshots._read looks the function up at each read


async def application(scope, receive, send):
    if scope["type"] == "websocket":
        counters["sockets"] += 1
    elif scope["type"] == "http":
        if scope["path"] == COUNTERS_PATH:
            body = json.dumps(counters).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        if REFETCH.match(scope["path"]):
            counters["refetches"] += 1
    await site(scope, receive, send)
