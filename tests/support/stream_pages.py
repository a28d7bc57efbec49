"""Pages of a consultation as a fault test or benchmark keeps them open: each follows the stream of a real
server (tests/support/servers.py) as live.js does, reconnects with backoff after a close, and remembers what
it would show of one proposal. Nothing here imports pytest.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from websockets.exceptions import WebSocketException

from .servers import open_stream, receive_json

TIMEOUT = 10  # seconds to wait for a snapshot that must come
EVENTS_LOST = 1013  # the close code of a stream whose events the server lost (live.js: CLOSE_EVENTS_LOST)


@dataclass
class Page:
    """What a page knows of one proposal, kept as live.js keeps it."""

    proposal: int
    supports: int | None = None
    comments: set[int] = field(default_factory=set)
    snapshots: int = 0  # snapshots read: more than one means it reconnected
    last_snapshot: float = 0.0  # time.monotonic() of the last one
    closed: int = 0  # times its socket closed or failed to open: each time it said "reconnecting"
    closed_at: list[float] = field(default_factory=list)  # time.monotonic() of each
    opening_at: list[float] = field(default_factory=list)  # time.monotonic() of each attempt to open
    snapshot_at: list[float] = field(default_factory=list)  # time.monotonic() of each snapshot
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def read(self, message: dict) -> None:
        if message["type"] == "snapshot":
            self.snapshots += 1
            self.last_snapshot = time.monotonic()
            self.snapshot_at.append(self.last_snapshot)
            self.supports = next(p["supports"] for p in message["proposals"] if p["id"] == self.proposal)
            self.ready.set()
        elif message["type"] == "proposal.support_changed" and message["proposal"] == self.proposal:
            self.supports = message["supports"]
        elif message["type"] == "comment.published":
            self.comments.add(message["comment"]["id"])


def live_js_backoff(attempt: int) -> float:
    """Seconds before reconnection attempt `attempt` (0 first), as live.js waits: exponential from 1 s up
    to 30 s, with jitter over the upper half, so that pages closed together do not come back together."""
    ceiling = min(30.0, 1.0 * 2**attempt)
    return ceiling / 2 + random.random() * ceiling / 2


async def follow(
    server,
    consultation_id: int,
    page: Page,
    *,
    cap: float = 1.0,
    backoff: Callable[[int], float] | None = None,
    reconnected: Callable[[], object] | None = None,
) -> None:
    """Keep a page's stream open until cancelled: read every message, reconnect after a close, with
    backoff: `backoff(attempt)` seconds (e.g. live_js_backoff), or by default 0.1 s doubling up to `cap`.
    After a reconnection's snapshot whose generation is not the page's, calls `reconnected()` if given
    (live.js then refetches over REST, a little later: the callback starts a task of its own, the page reads
    on meanwhile). The page's generation is its first snapshot's, as if rendered then, each reconnection's
    (as if the refetch succeeded at once), and that of each event that moved it on by one; none after a
    close with 1013 (events lost). (live.js also takes an event further on, once those before it came.)"""
    attempt = 0
    generation = None
    while True:
        page.opening_at.append(time.monotonic())
        ws = None
        try:
            async with open_stream(server, consultation_id) as ws:
                snapshot = await receive_json(ws, TIMEOUT)
                page.read(snapshot)
                current = snapshot.get("generations", {}).get("list")  # a list page's (live.js)
                if attempt and (not current or current != generation) and reconnected is not None:
                    reconnected()
                generation = current
                attempt = 0
                async for text in ws:
                    message = json.loads(text)
                    page.read(message)
                    moved = (message.get("generations") or {}).get("list")
                    if generation is not None and moved == generation + 1:
                        generation = moved
        except (OSError, TimeoutError, WebSocketException):
            pass  # closed, refused or failed: live.js says "reconnecting" and tries again
        if ws is not None and ws.close_code == EVENTS_LOST:
            generation = None
        page.closed += 1
        page.closed_at.append(time.monotonic())
        await asyncio.sleep(backoff(attempt) if backoff else min(0.1 * 2**attempt, cap))  # the page's backoff
        attempt += 1


class Followers:
    """The follow() tasks of pages, as `async with Followers() as followers:` keeps them: each started in the
    block runs until stopped, and every one left is cancelled and awaited when the block ends, however it
    ends, so that no page outlives the scenario that opened it."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()

    def start(self, server, consultation_id: int, page: Page, **options) -> asyncio.Task:
        """Follow the stream for `page` (follow() with `options`) in a task of its own."""
        task = asyncio.ensure_future(follow(server, consultation_id, page, **options))
        self.tasks.add(task)
        return task

    async def stop(self, *tasks: asyncio.Task) -> None:
        """Cancel `tasks` (all of them if none is named) and wait until they have ended."""
        tasks = tasks or tuple(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.tasks.difference_update(tasks)

    async def __aenter__(self) -> Followers:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.stop()


@asynccontextmanager
async def following(server, consultation_id: int, pages: Iterable[Page], **options) -> AsyncIterator[None]:
    """Every page follows the consultation's stream (follow() with `options`) while the block runs; they
    are all stopped when it ends, however it ends."""
    async with Followers() as followers:
        for page in pages:
            followers.start(server, consultation_id, page, **options)
        yield


async def until(condition, timeout: float) -> None:
    """Return once `condition()` holds; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.05)  # polling a condition, with a deadline
