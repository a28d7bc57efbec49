"""The receiving half of the live path: one channel-layer subscription per process and consultation.

Were each open page a member of its consultation's group, a broadcast to 1,000 pages would be 1,000
channel-layer messages (1,000 copies through Redis on the core layer, 1,000 queue hand-offs on pub/sub),
each waking its page's consumer to decode and forward it. Instead the first page of a consultation in a
process (per event loop) subscribes the process: one channel of the layer, added to the consultation's
group. Each event it receives is written to the process's pages of that consultation in one loop, as the
text the sender encoded once (broadcasts.py, the only module that sends to the layer), filtered per page by
the page's own versions. The last page to leave unsubscribes the process.

Writes do not wait on a slow page. An ASGI server's `send` returns without suspending while the socket can
take more (uvicorn waits only while the transport's write buffer is over its high-water mark), so each
write is run up to its first suspension in the fan-out loop itself; a write that has to wait goes on in a
task of its own, and that page's next frames queue behind it, up to BACKLOG_LIMIT, past which the page is
closed with 1013 (try again later): it reconnects, reads a fresh snapshot and refetches over REST.

Redis away or restarted: events sent meanwhile are lost (sending fails), and the layer may have lost the
subscription itself (the core layer keeps group members in Redis, which a restart empties; the pub/sub
layer's subscription lives on a connection that broke). So each subscription checks every
`LIVE_PROBE_INTERVAL_MS` that the layer still carries its events: it sends a probe to a group of its own
and waits for it. When the probe fails or does not come back within PROBE_TIMEOUT (counted while the
worker's loop is free and nothing else arrives: a busy worker has not lost its layer), or the layer's
connection to Redis was made again since the subscription joined (a pub/sub connection that dropped while
Redis stayed up is back within a second, but the events of that second never came), its pages are closed
with 1013 at once (each says it is reconnecting, instead of showing a count that no longer moves) and the
subscription is dropped; the pages reconnect with backoff, which succeeds once Redis answers, to a fresh
snapshot, and refetch over REST what they missed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

# Receiving only: everything sent to the layer goes through broadcasts.py.
from channels.layers import get_channel_layer
from django.conf import settings

from .broadcasts import CLOSE_HANDLER, FORWARD_HANDLER, PROBE_HANDLER, RESYNC_HANDLER, send_probe

logger = logging.getLogger(__name__)

BACKLOG_LIMIT = 500  # frames waiting behind a write that had to wait, before the page is closed
NOT_FOUND = {"type": "websocket.close", "code": 4404}  # as if the consultation had never been there
TRY_AGAIN_LATER = {"type": "websocket.close", "code": 1013}
PROBE_TIMEOUT = 5.0  # seconds for a probe to come back before the layer is taken for lost (_probe_layer)
PROBE_TICK = 0.25  # seconds between two looks at a probe on its way

Send = Callable[[Mapping[str, Any]], Awaitable[None]]  # a socket's ASGI send
T = TypeVar("T")


def per_loop(store: dict[asyncio.AbstractEventLoop, T], factory: Callable[[], T]) -> T:
    """The running loop's entry of `store`, made with `factory` on first use. A process serves its sockets
    on one loop; tests run a loop each, and entries of closed loops are forgotten."""
    loop = asyncio.get_running_loop()
    if loop not in store:
        for old in [other for other in store if other.is_closed()]:
            del store[old]
        store[loop] = factory()
    return store[loop]


class _Resumed:
    """A coroutine already run up to its first suspension, awaited from where it stopped: the awaiting task
    first waits on what the coroutine handed to the loop (as the coroutine's own task would have), then
    goes on running it."""

    __slots__ = ("_coroutine", "_waiting", "_handed")

    def __init__(self, coroutine, waiting) -> None:
        self._coroutine, self._waiting, self._handed = coroutine, waiting, False

    def __await__(self):
        return self

    def __next__(self):
        return self.send(None)

    def send(self, value):
        if not self._handed:
            self._handed = True
            return self._waiting
        return self._coroutine.send(value)

    def throw(self, *error):
        self._handed = True
        return self._coroutine.throw(*error)

    def close(self) -> None:
        self._coroutine.close()


class Outlet:
    """One page's end of a subscription: writes its frames in order, without the fan-out waiting on it.

    Events that arrive while the page's snapshot is read are held, and written (those that are news) once
    `open` is called after the snapshot went out."""

    def __init__(self, send: Send, is_news: Callable[[Mapping[str, Any]], bool]) -> None:
        self.since = time.time()  # before its snapshot is read: an event lost after this is in the snapshot
        self._send = send
        self._is_news = is_news
        self._held: list[tuple[Mapping[str, Any] | None, Mapping[str, Any]]] | None = []
        self._backlog: deque[Mapping[str, Any]] | None = None  # frames behind a write that had to wait
        self._writer: asyncio.Future | None = None
        self.closed = False  # a close frame went out (or the socket failed): nothing more is written

    def deliver(self, event: Mapping[str, Any] | None, frame: Mapping[str, Any]) -> None:
        """Write `frame` (an ASGI message) if `event` is news to this page; `event` None: always."""
        if self._held is not None:
            self._held.append((event, frame))
        elif event is None or self._is_news(event):
            self._write(frame)

    def open(self) -> None:
        """Call once the snapshot is written: the events held meanwhile go out, those that are news."""
        held, self._held = self._held or [], None
        for event, frame in held:
            self.deliver(event, frame)

    def stop(self) -> None:
        self.closed = True
        if self._writer is not None:
            self._writer.cancel()

    def _write(self, frame: Mapping[str, Any]) -> None:
        if self.closed:
            return
        self.closed = frame["type"] == "websocket.close"
        if self._backlog is not None:
            if len(self._backlog) < BACKLOG_LIMIT:
                self._backlog.append(frame)
            else:  # the page cannot keep up: it reconnects to a fresh snapshot
                self._backlog.clear()
                self._backlog.append(TRY_AGAIN_LATER)
                self.closed = True
            return
        sending = self._send(frame)
        try:
            waiting = sending.send(None)
        except StopIteration:
            return  # written: the common case, no task
        except Exception:
            self._gone()
            return
        self._backlog = deque()
        self._writer = asyncio.ensure_future(self._drain(_Resumed(sending, waiting)))

    async def _drain(self, first: Awaitable[None]) -> None:
        try:
            await first
            while self._backlog:
                await self._send(self._backlog.popleft())
        except Exception:
            self._gone()
        finally:
            self._backlog = self._writer = None

    def _gone(self) -> None:
        """The server refused a write: the socket is closed, and its disconnect will leave the group."""
        logger.debug("live frame not written", exc_info=True)
        self.closed = True


def rejoin_interval(layer) -> float | None:
    """How often a subscription joins its group again, or None if the layer never forgets a member.

    channels_redis' core layer drops a member `group_expiry` seconds (a day by default) after it joined. A
    page's own channel seldom lived that long; a process's subscription lives as long as any page of its
    consultation is open in the process, which on a busy consultation is for ever: it joins again four
    times per expiry, so that a late or slow rejoin still comes in time."""
    expiry = getattr(layer, "group_expiry", None)
    return expiry / 4 if expiry else None


def reconnections(layer) -> int | None:
    """How many times the layer's connection to Redis was made again on this loop, if it counts them
    (cocreate.channel_layers): the events published meanwhile were lost. None: it does not count."""
    return getattr(layer, "reconnections", None)


def probe_interval() -> float:
    return settings.LIVE_PROBE_INTERVAL_MS / 1000


_leaving: set[asyncio.Future] = set()  # subscriptions leaving their groups (Subscription._leaving)


class Reconnected(Exception):
    """The layer's connection to Redis was made again: the events published meanwhile were lost."""


class Subscription:
    """The process's membership of one consultation's group, and its pages there."""

    def __init__(self, group: str, on_lost: Callable[[Subscription], None] | None = None) -> None:
        self.group = group
        self.outlets: dict[Outlet, None] = {}  # insertion-ordered: pages are written to in join order
        self.layer = get_channel_layer()
        self.channel: str | None = None
        # A group of this subscription alone, for its probes: ASCII, well under the layers' 100 characters.
        self.probe_group = f"{group}.probe.{uuid.uuid4().hex[:16]}"
        self.on_lost = on_lost
        self.lost = False
        self._probe = 0
        self._received = 0  # messages received so far: the layer carries them, a probe may be behind them
        self._probe_back: asyncio.Future | None = None
        self._reconnections: int | None = None  # the layer's count when this joined (reconnections())
        self.reader: asyncio.Task | None = None
        self.rejoiner: asyncio.Task | None = None
        self.watcher: asyncio.Task | None = None
        self._left: asyncio.Future | None = None  # _leaving()
        self.joined = asyncio.ensure_future(self._join())

    async def _join(self) -> None:
        self.channel = await self.layer.new_channel()
        # Reading from the start: the pub/sub layer forgets a channel (its queue, its subscription in Redis)
        # when a receive on it is cancelled, and only then.
        self.reader = asyncio.ensure_future(self._read())
        try:
            await self.layer.group_add(self.group, self.channel)
            await self.layer.group_add(self.probe_group, self.channel)
        except BaseException:
            # The pub/sub layer records a member before it subscribes to the group in Redis: left there, a
            # channel nobody reads would queue every event of the group once Redis answers again.
            await asyncio.sleep(0)  # the reader waits on its receive, to be cancelled there
            self.reader.cancel()
            self._leaving()
            raise
        self._reconnections = reconnections(self.layer)
        self.watcher = asyncio.ensure_future(self._watch(probe_interval()))
        interval = rejoin_interval(self.layer)
        if interval:
            self.rejoiner = asyncio.ensure_future(self._rejoin(interval))

    async def _rejoin(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                for group in (self.group, self.probe_group):
                    await self.layer.group_add(group, self.channel)
            except Exception:  # Redis away: the next try may do (the probes close the pages if it stays away)
                logger.exception("live: joining %s again failed", self.group)

    async def _watch(self, interval: float) -> None:
        """Probe the layer every `interval` seconds; the first probe that fails or is not back in time, or a
        reconnection of the layer, loses the subscription (_probe_layer, and the module's docstring)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(interval)
            sent = loop.time()
            try:
                await self._probe_layer()
            except Exception:
                logger.warning("live: the layer lost %s, its pages reconnect", self.group, exc_info=True)
                self._lose()
                return
            took = loop.time() - sent
            # Slow probes are the margin before a busy worker's pages would be closed for nothing.
            level = logging.WARNING if took > PROBE_TIMEOUT / 2 else logging.DEBUG
            logger.log(level, "live: probe of %s back in %.3f s", self.group, took)

    async def _probe_layer(self) -> None:
        """Send a probe and return once it is back; raise if the layer refuses it, if it connected to Redis
        again since this subscription joined (Reconnected), or once PROBE_TIMEOUT of the loop's own time
        passed with neither the probe back nor anything else received (TimeoutError).

        A busy worker is not a lost layer. While this subscription keeps receiving, the probe is only behind
        other messages (a rush, thousands of pages to write each to): the wait starts again. And time the
        loop spent elsewhere (a long fan-out, a starved CPU) shows as a wake-up later than PROBE_TICK, of
        which only PROBE_TICK is counted: the layer had no chance to answer during the rest."""
        loop = asyncio.get_running_loop()
        self._probe += 1
        back = self._probe_back = loop.create_future()
        sending = asyncio.ensure_future(send_probe(self.probe_group, self._probe))
        waited, received = 0.0, self._received
        try:
            while waited < PROBE_TIMEOUT:
                started = loop.time()
                await asyncio.wait((sending, back), timeout=PROBE_TICK, return_when=asyncio.FIRST_EXCEPTION)
                if reconnections(self.layer) != self._reconnections:
                    raise Reconnected(f"the layer connected to Redis again since {self.group} joined")
                if back.done():
                    return
                if sending.done():
                    sending.result()  # raises if the layer refused the probe
                if self._received != received:
                    waited, received = 0.0, self._received
                else:
                    waited += min(loop.time() - started, PROBE_TICK)
            raise TimeoutError(f"probe {self._probe} not back after {PROBE_TIMEOUT} s of a responsive loop")
        finally:
            sending.cancel()

    def _lose(self) -> None:
        """Close every page with 1013 (they reconnect to a fresh snapshot) and stop receiving; the process's
        next page of this consultation subscribes anew."""
        self.lost = True
        for task in (self.reader, self.rejoiner, self.watcher):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self._leaving()
        for outlet in tuple(self.outlets):
            outlet.deliver(None, TRY_AGAIN_LATER)
        if self.on_lost is not None:
            self.on_lost(self)

    async def _read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
                self._received += 1
            except Exception:  # Redis away (the core layer): events are being lost, the pages reconnect
                logger.warning("live: receiving for %s failed, pages reconnect", self.group, exc_info=True)
                self._lose()
                return
            try:
                self.fan_out(message)
            except Exception:  # one bad message: the next ones still go out
                logger.exception("live: fanning out a message for %s failed", self.group)

    def fan_out(self, message: Mapping[str, Any]) -> None:
        kind = message.get("type")
        if kind == FORWARD_HANDLER:
            frame = {"type": "websocket.send", "text": message["text"]}  # one for all: servers only read it
            for outlet in tuple(self.outlets):
                outlet.deliver(message, frame)
        elif kind == CLOSE_HANDLER:
            for outlet in tuple(self.outlets):
                outlet.deliver(None, NOT_FOUND)
        elif kind == RESYNC_HANDLER:  # events were lost: the pages that missed them reconnect
            for outlet in tuple(self.outlets):
                if outlet.since < message["lost_at"]:
                    outlet.deliver(None, TRY_AGAIN_LATER)
        elif kind == PROBE_HANDLER:
            back = self._probe_back
            if back is not None and not back.done() and message.get("probe") == self._probe:
                back.set_result(None)
        else:
            logger.warning("live: unknown message %r for %s", kind, self.group)

    async def stop(self) -> None:
        try:
            await self.joined
        except Exception:
            return  # never joined: nothing to leave
        for task in (self.reader, self.rejoiner, self.watcher):
            if task is not None:
                task.cancel()
        await asyncio.shield(self._leaving())

    def _leaving(self) -> asyncio.Future:
        """Leave both groups, once, in a task of its own (a lost subscription leaves at once, not when its
        last page has gone; a page that goes meanwhile does not cancel it)."""
        if self._left is None:
            self._left = asyncio.ensure_future(self._leave())
            _leaving.add(self._left)  # the loop holds tasks weakly
            self._left.add_done_callback(_leaving.discard)
        return self._left

    async def _leave(self) -> None:
        """Best effort: Redis may be away, which is why a subscription is often lost. Then the core layer
        forgets the channel once `group_expiry` passed; the pub/sub layer forgets it at once in the process,
        and in Redis when its connection is made again (cocreate.channel_layers)."""
        failed = []
        for group in (self.group, self.probe_group):
            try:
                await self.layer.group_discard(group, self.channel)
            except Exception as error:
                failed.append(error)
        if failed:  # one line: every lost subscription of the process has the same to say
            logger.warning("live: leaving %s failed: %r", self.group, failed[0])


class Subscriptions:
    """A process's subscriptions (one event loop's), by group."""

    def __init__(self) -> None:
        self.by_group: dict[str, Subscription] = {}

    async def join(self, group: str, outlet: Outlet) -> Subscription:
        """Add `outlet` to the process's subscription to `group`, subscribing the process if it is the first.
        Returns once the process is in the group: an event sent from then on reaches the outlet."""
        subscription = self.by_group.get(group)
        if subscription is None:
            subscription = self.by_group[group] = Subscription(group, self._forget)
        subscription.outlets[outlet] = None
        try:
            await asyncio.shield(subscription.joined)
        except BaseException:
            joined = subscription.joined
            failed = joined.done() and not joined.cancelled() and joined.exception() is not None
            if failed and self.by_group.get(group) is subscription:
                del self.by_group[group]  # a failed join is not kept: the next page tries again
            await self.leave(subscription, outlet)
            raise
        return subscription

    def _forget(self, subscription: Subscription) -> None:
        """A lost subscription: a page that comes now subscribes anew."""
        if self.by_group.get(subscription.group) is subscription:
            del self.by_group[subscription.group]

    async def leave(self, subscription: Subscription, outlet: Outlet) -> None:
        """Remove `outlet`; the last one to leave unsubscribes the process."""
        outlet.stop()
        subscription.outlets.pop(outlet, None)
        if subscription.outlets:
            return
        if self.by_group.get(subscription.group) is subscription:
            del self.by_group[subscription.group]  # a page that comes now subscribes anew
        await subscription.stop()


_subscriptions: dict[asyncio.AbstractEventLoop, Subscriptions] = {}


def subscriptions() -> Subscriptions:
    return per_loop(_subscriptions, Subscriptions)
