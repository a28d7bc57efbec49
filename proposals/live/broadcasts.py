"""The only module that sends to the channel layer.

Services call `broadcast_on_commit` inside their transaction; the event is encoded at once (a bad payload
fails the request, not the broadcast) and sent after commit, so nothing is announced that may roll back.
Delivery is best effort: every page can refetch the truth over REST.

In a server process (the ASGI application binds its event loop with `bind_server_loop`), events are handed
to one sender on that loop, which sends them in order without holding up the request, and coalesces
the versioned figures (COALESCED): each proposal's `proposal.support_changed` and each stage's
`journey.stage_changed` goes out at most once per `LIVE_COUNT_INTERVAL_MS` for that proposal or stage,
carrying the newest figures (by version) when it does. The first change after a quiet spell goes out at
once; during a rush the figures in between are dropped, never the last ones. Any other event about a
proposal first sends that proposal's waiting count, so pages hear of a count before the promise or
decision it led to. Outside a server (management commands, a sync test) each event is
sent at once from the calling thread.

Each worker coalesces on its own, so with several workers a worker's older count can reach the pages after
another worker's newer one (its interval ended later). A count's channel-layer message therefore carries
its proposal (a stage's figures, their stage) and version beside the text, and each socket forwards them
only if they are newer than the last it forwarded or its snapshot held (`ConsultationConsumer`): the last
figures on every stream are the newest sent, which are the stored ones once the rush is over.

An event the layer fails to send (Redis away or restarting) is lost, and the pages of its consultation, on
every worker, would keep a count that no longer moves. So the sender remembers when it last lost an event
for each consultation and, once the layer answers again, sends that consultation a resync (RESYNC_HANDLER,
RESYNC_REPEATS times, RESYNC_EVERY seconds apart, so a worker whose subscription reconnects a moment later
still hears it): every page whose stream opened before the loss is closed with 1013 and reconnects to a
fresh snapshot. The repeats close no page twice: a page that reconnected since the loss ignores them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from cocreate import page_cache
from cocreate.transactions import after_commit

logger = logging.getLogger(__name__)

# The consumer forwards the pre-encoded text as it is: encoded once per event, not once per connection.
FORWARD_HANDLER = "live.forward"
# The consumer closes its socket with 4404, as if the consultation had never been there.
CLOSE_HANDLER = "live.close"
# A process's subscription sends this to itself to check that the layer still carries its events.
PROBE_HANDLER = "live.probe"
# Events of this consultation were lost at "lost_at" (time.time()): pages opened before then reconnect.
RESYNC_HANDLER = "live.resync"
RESYNC_EVERY = 1.0  # seconds between two tries to send a resync, and between its repeats
RESYNC_REPEATS = 3
COUNT_EVENT = "proposal.support_changed"
STAGE_EVENT = "journey.stage_changed"
# The events coalesced per subject: each names its subject under this key and carries a version.
COALESCED = {COUNT_EVENT: "proposal", STAGE_EVENT: "stage"}
_FORGET_AFTER = 60.0  # seconds: a subject's last sent figures are forgotten after this long
_FORGET_CHECK_AT = 10_000  # remembered subjects before forgetting old ones is worth a pass

# What coalesced figures are about: ("proposal", 42) or ("stage", 7). Ids of proposals and stages may
# be equal: the kind keeps them apart.
Subject = tuple[str, int]

_server_loop: asyncio.AbstractEventLoop | None = None
_sender: _Sender | None = None


def consultation_group(consultation_id: int) -> str:
    return f"consultation.{int(consultation_id)}"


def bind_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by the ASGI application with the loop that serves the sockets: broadcasts go through it."""
    global _server_loop
    _server_loop = loop


def _count_interval() -> float:
    return getattr(settings, "LIVE_COUNT_INTERVAL_MS", 250) / 1000


def _message(text: str | None, subject: Subject | None = None, version: int | None = None) -> dict[str, Any]:
    """The channel-layer message: a pre-encoded event to forward, or (None) the order to close. Coalesced
    figures go with their subject and version ({"proposal": 42, "version": 7}, or "stage"): sockets drop
    figures older than those they have."""
    if text is None:
        return {"type": CLOSE_HANDLER}
    if subject is None or version is None:
        return {"type": FORWARD_HANDLER, "text": text}
    kind, subject_id = subject
    return {"type": FORWARD_HANDLER, "text": text, kind: subject_id, "version": version}


async def _group_send(group: str, message: dict[str, Any], *, log: bool = True) -> bool:
    """Whether the layer took the message."""
    layer = get_channel_layer()
    if layer is None:
        return True
    try:
        await layer.group_send(group, message)
    except Exception:
        # A broken channel layer must not break the request that already committed, nor the sender.
        if log:
            logger.exception("live broadcast to %s failed", group)
        return False
    return True


async def send_probe(group: str, number: int) -> None:
    """Send probe `number` to `group` (a subscription's own probe group); raises if the layer fails."""
    await get_channel_layer().group_send(group, {"type": PROBE_HANDLER, "probe": number})


class _Sender:
    """Runs on the server's loop and is only touched from it: no locks."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.interval = _count_interval()
        self.outbox: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        # subject -> (version, group, text) of the newest figures not sent yet, and their timer
        self.waiting: dict[Subject, tuple[int, str, str]] = {}
        self.timers: dict[Subject, asyncio.TimerHandle] = {}
        # subject -> (loop time, version) of the last figures sent
        self.sent: dict[Subject, tuple[float, int]] = {}
        # group -> [time.time() of its last lost event, resyncs sent since]
        self.lost: dict[str, list[float | int]] = {}
        self.resyncer: asyncio.Task | None = None
        self.task = loop.create_task(self._send_forever())

    async def _send_forever(self) -> None:
        while True:
            group, message = await self.outbox.get()
            if not await _group_send(group, message):
                self.lost[group] = [time.time(), 0]
                if self.resyncer is None or self.resyncer.done():
                    self.resyncer = self.loop.create_task(self._resync())

    async def _resync(self) -> None:
        """Until every consultation that lost an event has had its resyncs (see the module's docstring)."""
        while self.lost:
            await asyncio.sleep(RESYNC_EVERY)
            for group, lost in list(self.lost.items()):
                message = {"type": RESYNC_HANDLER, "lost_at": lost[0]}
                if await _group_send(group, message, log=False) and self.lost.get(group) is lost:
                    lost[1] += 1
                    if lost[1] >= RESYNC_REPEATS:
                        del self.lost[group]

    def event(self, group: str, message: dict[str, Any], subject: Subject | None) -> None:
        if subject is not None:
            self._flush(subject)
        self.outbox.put_nowait((group, message))

    def count(self, group: str, text: str, subject: Subject, version: int) -> None:
        last_time, last_version = self.sent.get(subject, (float("-inf"), -1))
        if version <= last_version:
            return  # newer figures already went out (callbacks of two commits can run out of order)
        waiting = self.waiting.get(subject)
        if waiting is not None:
            if version > waiting[0]:
                self.waiting[subject] = (version, group, text)
            return
        wait = last_time + self.interval - self.loop.time()
        if wait <= 0:
            self._send_count(subject, version, group, text)
        else:
            self.waiting[subject] = (version, group, text)
            self.timers[subject] = self.loop.call_later(wait, self._flush, subject)

    def _flush(self, subject: Subject) -> None:
        timer = self.timers.pop(subject, None)
        if timer is not None:
            timer.cancel()
        waiting = self.waiting.pop(subject, None)
        if waiting is not None:
            self._send_count(subject, *waiting)

    def _send_count(self, subject: Subject, version: int, group: str, text: str) -> None:
        now = self.loop.time()
        if len(self.sent) >= _FORGET_CHECK_AT:
            self.sent = {key: sent for key, sent in self.sent.items() if now - sent[0] < _FORGET_AFTER}
        self.sent[subject] = (now, version)
        self.outbox.put_nowait((group, _message(text, subject, version)))


def _on_server_loop(group: str, text: str | None, subject: Subject | None, version: int | None) -> None:
    global _sender
    if _sender is None or _sender.loop is not asyncio.get_running_loop():
        _sender = _Sender(asyncio.get_running_loop())
    if version is None:
        _sender.event(group, _message(text), subject)
    else:
        _sender.count(group, text, subject, version)


def _dispatch(group: str, text: str | None, subject: Subject | None, version: int | None) -> None:
    """After commit: `text` is an encoded event, or None to close the group's sockets. With a `version`,
    the event is coalesced figures about `subject`."""
    loop = _server_loop
    if loop is not None and loop.is_running():
        loop.call_soon_threadsafe(_on_server_loop, group, text, subject, version)
    else:
        async_to_sync(_group_send)(group, _message(text, subject, version))


def _subject_and_version(event: Mapping[str, Any]) -> tuple[Subject | None, int | None]:
    """What an event is about, and its version if it is coalesced figures (COALESCED). An event about a
    proposal names it by id (proposal.published carries the proposal's state instead: no subject)."""
    kind = COALESCED.get(event["type"])
    if kind is not None:
        return (kind, event[kind]), event["version"]
    proposal = event.get("proposal")
    return (("proposal", proposal) if isinstance(proposal, int) else None), None


def _announce(consultation_id: int, text: str, subject: Subject | None, list_too: bool) -> None:
    """After commit: the pages kept for visitors must stop showing what open pages are told now (counts,
    never announced here, may be a few seconds old there: the page's live script corrects them on connect),
    so the consultation's generations move (a list shows nothing of comments: `list_too` False), before the
    event leaves: a page that misses it reconnects to a snapshot with other generations, and refetches. The
    event carries the generations it moved to (events.Change): a page that was at the one before and
    receives it missed nothing."""
    try:
        moved = page_cache.pages_changed(consultation_id, list_too=list_too)
    except Exception:  # the event still goes: the pages that receive it are right
        logger.exception("moving the generations of consultation %s failed", consultation_id)
        moved = {"page": None, "list": None}
    # Encoded before commit (a bad payload fails the request): the generations go in as its last field.
    text = f'{text[:-1]},"generations":{json.dumps(moved, separators=(",", ":"))}}}'
    _dispatch(consultation_group(consultation_id), text, subject, None)


def broadcast_on_commit(consultation_id: int, event: Mapping[str, Any]) -> None:
    text = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    subject, version = _subject_and_version(event)
    if event["type"] in COALESCED:
        after_commit(_dispatch, consultation_group(consultation_id), text, subject, version)
    else:
        after_commit(_announce, consultation_id, text, subject, not event["type"].startswith("comment."))


def close_streams_on_commit(consultation_id: int) -> None:
    """After commit, close every open stream of this consultation with 4404 (it was unpublished, deleted or
    made private): pages stop hearing of it at once instead of at their next reconnect, and do not retry."""
    after_commit(_dispatch, consultation_group(consultation_id), None, None, None)
