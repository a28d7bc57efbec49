"""The only module that sends to the channel layer.

Services call `broadcast_on_commit` inside their transaction; the event is encoded at once (a bad payload
fails the request, not the broadcast) and sent after commit, so nothing is announced that may roll back.
Delivery is best effort: every page can refetch the truth over REST.

In a server process (the ASGI application binds its event loop with `bind_server_loop`), events are handed
to one sender on that loop, which sends them in order without holding up the request, and coalesces
support counts: each proposal's `proposal.support_changed` goes out at most once per
`LIVE_COUNT_INTERVAL_MS`, carrying the newest count (by version) when it does. The first change after a
quiet spell goes out at once; during a rush the counts in between are dropped, never the last one. Any
other event about a proposal first sends that proposal's waiting count, so pages hear of a count before
the promise or decision it led to. Outside a server (management commands, a sync test) each event is
sent at once from the calling thread.

Each worker coalesces on its own, so with several workers a worker's older count can reach the pages after
another worker's newer one (its interval ended later). A count's channel-layer message therefore carries
its proposal and version beside the text, and each socket forwards a count only if it is newer than the
last it forwarded or its snapshot held (`ConsultationConsumer`): the last count on every stream is the
newest sent, which is the stored one once the rush is over.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# The consumer forwards the pre-encoded text as it is: encoded once per event, not once per connection.
FORWARD_HANDLER = "live.forward"
# The consumer closes its socket with 4404, as if the consultation had never been there.
CLOSE_HANDLER = "live.close"
COUNT_EVENT = "proposal.support_changed"
_FORGET_AFTER = 60.0  # seconds: a proposal's last sent count is forgotten after this long
_FORGET_CHECK_AT = 10_000  # remembered proposals before forgetting old ones is worth a pass

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


def _message(text: str | None, count: tuple[int, int] | None = None) -> dict[str, Any]:
    """The channel-layer message: a pre-encoded event to forward, or (None) the order to close. A count
    (proposal id, version) goes with a support count's text: sockets drop one older than what they have."""
    if text is None:
        return {"type": CLOSE_HANDLER}
    if count is None:
        return {"type": FORWARD_HANDLER, "text": text}
    return {"type": FORWARD_HANDLER, "text": text, "proposal": count[0], "version": count[1]}


async def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(group, message)
    except Exception:
        # A broken channel layer must not break the request that already committed, nor the sender.
        logger.exception("live broadcast to %s failed", group)


class _Sender:
    """Runs on the server's loop and is only touched from it: no locks."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.interval = _count_interval()
        self.outbox: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        # proposal id -> (version, group, text) of the newest count not sent yet, and its timer
        self.waiting: dict[int, tuple[int, str, str]] = {}
        self.timers: dict[int, asyncio.TimerHandle] = {}
        # proposal id -> (loop time, version) of the last count sent
        self.sent: dict[int, tuple[float, int]] = {}
        self.task = loop.create_task(self._send_forever())

    async def _send_forever(self) -> None:
        while True:
            group, message = await self.outbox.get()
            await _group_send(group, message)

    def event(self, group: str, message: dict[str, Any], proposal_id: int | None) -> None:
        if proposal_id is not None:
            self._flush(proposal_id)
        self.outbox.put_nowait((group, message))

    def count(self, group: str, text: str, proposal_id: int, version: int) -> None:
        last_time, last_version = self.sent.get(proposal_id, (float("-inf"), -1))
        if version <= last_version:
            return  # a newer count already went out (callbacks of two commits can run out of order)
        waiting = self.waiting.get(proposal_id)
        if waiting is not None:
            if version > waiting[0]:
                self.waiting[proposal_id] = (version, group, text)
            return
        wait = last_time + self.interval - self.loop.time()
        if wait <= 0:
            self._send_count(proposal_id, version, group, text)
        else:
            self.waiting[proposal_id] = (version, group, text)
            self.timers[proposal_id] = self.loop.call_later(wait, self._flush, proposal_id)

    def _flush(self, proposal_id: int) -> None:
        timer = self.timers.pop(proposal_id, None)
        if timer is not None:
            timer.cancel()
        waiting = self.waiting.pop(proposal_id, None)
        if waiting is not None:
            self._send_count(proposal_id, *waiting)

    def _send_count(self, proposal_id: int, version: int, group: str, text: str) -> None:
        now = self.loop.time()
        if len(self.sent) >= _FORGET_CHECK_AT:
            self.sent = {pid: sent for pid, sent in self.sent.items() if now - sent[0] < _FORGET_AFTER}
        self.sent[proposal_id] = (now, version)
        self.outbox.put_nowait((group, _message(text, (proposal_id, version))))


def _on_server_loop(group: str, text: str | None, proposal_id: int | None, version: int | None) -> None:
    global _sender
    if _sender is None or _sender.loop is not asyncio.get_running_loop():
        _sender = _Sender(asyncio.get_running_loop())
    if version is None:
        _sender.event(group, _message(text), proposal_id)
    else:
        _sender.count(group, text, proposal_id, version)


def _dispatch(group: str, text: str | None, proposal_id: int | None, version: int | None) -> None:
    """After commit: `text` is an encoded event, or None to close the group's sockets."""
    loop = _server_loop
    if loop is not None and loop.is_running():
        loop.call_soon_threadsafe(_on_server_loop, group, text, proposal_id, version)
    else:
        count = None if version is None else (proposal_id, version)
        async_to_sync(_group_send)(group, _message(text, count))


def broadcast_on_commit(consultation_id: int, event: Mapping[str, Any]) -> None:
    text = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    subject = event.get("proposal")
    proposal_id = subject if isinstance(subject, int) else None  # proposal.published carries the state
    version = event["version"] if event["type"] == COUNT_EVENT else None
    transaction.on_commit(
        partial(_dispatch, consultation_group(consultation_id), text, proposal_id, version), robust=True
    )


def close_streams_on_commit(consultation_id: int) -> None:
    """After commit, close every open stream of this consultation with 4404 (it was unpublished, deleted or
    made private): pages stop hearing of it at once instead of at their next reconnect, and do not retry."""
    transaction.on_commit(
        partial(_dispatch, consultation_group(consultation_id), None, None, None), robust=True
    )
