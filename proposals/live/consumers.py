"""The consultation stream: subscribe-only. Writes go through HTTP and the services."""

import asyncio
import itertools
import json
from dataclasses import dataclass

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cocreate import page_cache

from ..journey_selectors import MIN_CHECKINS
from ..models import MOST_SUPPORTED, Proposal, StageTally
from . import events
from .broadcasts import consultation_group
from .subscriptions import Outlet, Subscription, per_loop, subscriptions

SNAPSHOT_LIMIT = 500  # the most supported; a page with more refetches the rest over REST


@database_sync_to_async
def _snapshot(consultation_id: int) -> dict | None:
    """The stream's first message, or None if there is no live, public consultation with this id.
    One trip to the database thread: with hundreds of pages connecting at once, each trip counts."""
    from cms.models import ConsultationPage  # cms imports proposals: keep the import graph one-way

    # A translated page's id is no stream: its page listens to its consultation's (the canonical page's).
    page = ConsultationPage.objects.live().public().canonical().filter(pk=consultation_id).first()
    if page is None:
        return None
    # Read after the page joined the group (SharedSnapshots): an event it missed was sent before the join,
    # so the generations read here are already those it moved (cocreate/page_cache.py). None if the cache is
    # away: the page then refetches.
    generations = page_cache.generations(consultation_id)
    rows = (
        Proposal.objects.for_consultation(consultation_id)
        .listed()
        .order_by(*MOST_SUPPORTED)
        .values_list("pk", "status", "supports_count", "supports_version")[:SNAPSHOT_LIMIT]
    )
    # The version of each stage shown (MIN_CHECKINS check-ins or more), that a page's journey map may know
    # it missed a change and read the map again. A stage below the minimum is left out: its version would
    # count its check-ins. A page that shows a stage the snapshot leaves out knows it went below.
    stages = StageTally.objects.filter(
        stage__page_id=consultation_id, day__isnull=True, checkins__gte=MIN_CHECKINS
    ).order_by("stage_id")
    return {
        "type": "snapshot",
        "consultation": consultation_id,
        "state": page.phase_state(),
        "generations": generations,
        "proposals": [events.proposal_count(*row) for row in rows],
        "stages": [
            {"id": stage, "version": version} for stage, version in stages.values_list("stage_id", "version")
        ],
    }


@dataclass(frozen=True)
class Snapshot:
    text: str  # encoded once, sent as it is to every page that shares it
    versions: dict[int, int]  # proposal id -> its count's version in the snapshot; read-only, shared
    stage_versions: dict[int, int]  # stage id -> its figures' version in the snapshot; read-only, shared


@dataclass
class _Read:
    started: int  # the tick at which the read began: it sees every change committed before that
    task: asyncio.Task


class SharedSnapshots:
    """Pages of one consultation that connect at the same time share one snapshot read, encoded once.

    A page needs a snapshot read after it joined the group (anything committed before the read is in the
    snapshot, anything after reaches it as an event), so it may share a read that started after its join,
    never an earlier one: it waits for the read in flight to end and shares the next. Under a reconnect
    storm (a worker restarting under thousands of pages) that is a handful of reads per consultation
    instead of one per page, and the database thread stays free for requests. One per process and loop."""

    def __init__(self) -> None:
        self._ticks = itertools.count(1)
        self._reads: dict[int, _Read] = {}

    def tick(self) -> int:
        """Call right after joining the group; pass the value to `get`."""
        return next(self._ticks)

    async def get(self, consultation_id: int, joined: int) -> Snapshot | None:
        while True:
            read = self._reads.get(consultation_id)
            if read is None or read.task.done():
                read = _Read(next(self._ticks), asyncio.ensure_future(self._read(consultation_id)))
                self._reads[consultation_id] = read
                read.task.add_done_callback(lambda _task, c=consultation_id, r=read: self._forget(c, r))
            if read.started > joined:
                return await asyncio.shield(read.task)
            await asyncio.wait([read.task])  # began before this page joined: wait for it, then read again

    async def _read(self, consultation_id: int) -> Snapshot | None:
        snapshot = await _snapshot(consultation_id)
        if snapshot is None:
            return None
        return Snapshot(
            json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False),
            {proposal["id"]: proposal["version"] for proposal in snapshot["proposals"]},
            {stage["id"]: stage["version"] for stage in snapshot["stages"]},
        )

    def _forget(self, consultation_id: int, read: _Read) -> None:
        if self._reads.get(consultation_id) is read:
            del self._reads[consultation_id]


_shared: dict[asyncio.AbstractEventLoop, SharedSnapshots] = {}


def shared_snapshots() -> SharedSnapshots:
    return per_loop(_shared, SharedSnapshots)


class ConsultationConsumer(AsyncJsonWebsocketConsumer):
    # No channel of its own: the process's subscription to the consultation (subscriptions.py) writes the
    # group's events to this socket, through its outlet.
    channel_layer_alias = None
    subscription: Subscription | None = None

    async def connect(self):
        # Counts' versions: those in the snapshot (shared by the pages that share it), and those forwarded.
        self.snapshot_versions: dict[int, int] = {}
        self.snapshot_stage_versions: dict[int, int] = {}
        self.versions: dict[tuple[str, int], int] = {}  # ("proposal" or "stage", id) -> version
        consultation_id = int(self.scope["url_route"]["kwargs"]["consultation_id"])
        self.outlet = Outlet(self.base_send, self._is_news)
        # Join before reading the snapshot: an event received meanwhile is held and written after it.
        # Events are absolute and versioned, so the client keeps whichever is newer.
        self.subscription = await subscriptions().join(consultation_group(consultation_id), self.outlet)
        snapshots = shared_snapshots()
        snapshot = await snapshots.get(consultation_id, snapshots.tick())
        if snapshot is None:
            await self._leave()
            # Accept, then close: a browser sees the 4404 only on an open socket (a refused handshake is
            # a bare 1006), and the page can then stop reconnecting.
            await self.accept()
            await self.close(code=4404)
            return
        self.snapshot_versions = snapshot.versions
        self.snapshot_stage_versions = snapshot.stage_versions
        await self.accept()
        await self.send(text_data=snapshot.text)
        self.outlet.open()

    async def disconnect(self, code):
        await self._leave()

    async def _leave(self) -> None:
        subscription, self.subscription = self.subscription, None
        if subscription is not None:
            await subscriptions().leave(subscription, self.outlet)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Whatever a client sends (JSON, text or binary), the answer is the same and the stream goes on."""
        await self.send_json({"type": "error", "message": "This stream is read-only; write over HTTP."})

    def _is_news(self, message) -> bool:
        """False for a support count, or a stage's figures, no newer than those this socket has (forwarded,
        or in its snapshot).

        Each worker coalesces them on its own, so one worker's older figures can come after another's newer
        ones; and figures sent while the snapshot was read may be older than the snapshot. Dropping those
        keeps each proposal's counts and each stage's figures on the stream in version order: the last is
        the newest."""
        version = message.get("version")
        if version is None:
            return True  # not coalesced figures
        kind = "stage" if "stage" in message else "proposal"
        subject = message[kind]
        key = (kind, subject)
        known = self.versions.get(key)
        if known is None:
            in_snapshot = self.snapshot_stage_versions if kind == "stage" else self.snapshot_versions
            known = in_snapshot.get(subject, -1)
        if version <= known:
            return False
        self.versions[key] = version
        return True
