"""One channel-layer subscription per process and consultation, fanned out to the process's pages
(proposals/live/subscriptions.py), on both Redis channel layers; and a page that cannot keep up holds up
no other.

Each test creates its data first (committed: transactional database), then runs one coroutine with
async_to_sync: one event loop, as a worker process has. A "nothing was sent" check is never a sleep: the
fan-out writes to every page of the process in one loop, so once one page has an event, another page that
lacks it was not sent it.
"""

import asyncio
import contextlib
import time
import uuid
from urllib.parse import urlsplit

import pytest
import redis
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.db import transaction
from django.utils.module_loading import import_string

from cocreate import asgi
from cocreate.settings.base import channel_layer_prefix
from proposals.live import broadcasts, consumers, events, subscriptions
from proposals.live.subscriptions import BACKLOG_LIMIT, Outlet
from tests.support import factories
from tests.support.live import TIMEOUT, connected

pytestmark = pytest.mark.django_db(transaction=True)

LAYERS = {
    "core": {"BACKEND": "channels_redis.core.RedisChannelLayer", "capacity": 1500, "expiry": 10},
    "pubsub": {"BACKEND": "cocreate.channel_layers.RedisPubSubChannelLayer"},
}


def use_layer(settings, name: str, **config) -> None:
    """The default channel layer: `name` of LAYERS on the tests' Redis, with `config` on top."""
    config = {**LAYERS[name], **config}
    backend = config.pop("BACKEND")
    hosts, prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"], settings.CHANNEL_LAYER_PREFIX
    config = {"hosts": hosts, "prefix": prefix, **config}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend, "CONFIG": config}}


@pytest.fixture(params=sorted(LAYERS))
def layer(request, settings):
    """Each test on both layers (settings.REDIS_CHANNEL_LAYER picks one for the rest of the suite)."""
    use_layer(settings, request.param)
    return request.param


def members(group: str) -> int:
    """How many channels of the layer are in `group` (call on the test's loop)."""
    layer = get_channel_layer()
    if isinstance(layer, RedisChannelLayer):
        from django.conf import settings

        return redis.Redis.from_url(settings.REDIS_URL).zcard(layer._group_key(group))
    loop_layer = layer._get_layer()  # pub/sub: this process's own record of its channels in the group
    return len(loop_layer.groups.get(loop_layer._get_group_channel_name(group), ()))


def send_count(consultation_id: int, proposal_id: int, version: int) -> None:
    """A count as a worker sends it once coalesced, at once (no coalescing here: no server loop)."""
    with transaction.atomic():
        broadcasts.broadcast_on_commit(
            consultation_id,
            events.support_changed(proposal_id=proposal_id, supports=version, version=version),
        )


async def versions(page, n: int) -> list[int]:
    return [(await page.receive_json_from(timeout=TIMEOUT))["version"] for _ in range(n)]


@pytest.fixture
def proposal():
    return factories.ProposalFactory(supports_count=5, supports_version=5)


@pytest.fixture(autouse=True)
def _counts_sent_at_once(monkeypatch):
    """Not coalesced: the test plays the counts of several workers, in the order a group may get them."""
    monkeypatch.setattr(broadcasts, "_server_loop", None)
    monkeypatch.setattr(asgi, "bind_server_loop", lambda loop: None)


def test_two_pages_of_a_process_are_one_member_of_the_group_and_each_get_one_copy(layer, proposal):
    group = broadcasts.consultation_group(proposal.consultation_id)

    async def scenario():
        first, _ = await connected(proposal.consultation_id)
        second, _ = await connected(proposal.consultation_id)
        in_group = members(group)
        await database_sync_to_async(send_count)(proposal.consultation_id, proposal.pk, 6)
        await database_sync_to_async(send_count)(proposal.consultation_id, proposal.pk, 7)
        received = [await versions(page, 2) for page in (first, second)]
        for page in (first, second):
            await page.disconnect()
        return in_group, received

    in_group, received = async_to_sync(scenario)()
    assert in_group == 1
    assert received == [[6, 7], [6, 7]]  # one copy each: a second copy of 6 would come before 7


def test_a_page_that_leaves_hears_nothing_more_and_the_last_one_leaves_the_group(layer, proposal):
    group = broadcasts.consultation_group(proposal.consultation_id)

    async def scenario():
        leaving, _ = await connected(proposal.consultation_id)
        staying, _ = await connected(proposal.consultation_id)
        await leaving.disconnect()
        await database_sync_to_async(send_count)(proposal.consultation_id, proposal.pk, 6)
        heard = await versions(staying, 1)
        left_empty = leaving.output_queue.empty()  # written in the same loop as `staying`'s, if at all
        in_group_with_one = members(group)
        await staying.disconnect()
        return heard, left_empty, in_group_with_one, members(group)

    heard, left_empty, in_group_with_one, in_group_after = async_to_sync(scenario)()
    assert heard == [6]
    assert left_empty
    assert (in_group_with_one, in_group_after) == (1, 0)


def test_a_page_that_comes_after_the_last_one_left_subscribes_again(layer, proposal):
    async def scenario():
        first, _ = await connected(proposal.consultation_id)
        await first.disconnect()
        again, _ = await connected(proposal.consultation_id)
        await database_sync_to_async(send_count)(proposal.consultation_id, proposal.pk, 6)
        heard = await versions(again, 1)
        await again.disconnect()
        return heard

    assert async_to_sync(scenario)() == [6]


def test_a_subscription_outlasting_the_core_layers_group_expiry_still_hears(settings, proposal):
    """The core layer forgets a group's member `group_expiry` seconds after it joined (a day by default);
    a process's subscription lives as long as its consultation has a page open there, so it joins again.
    Here the expiry is 2 s and the page listens for 4."""
    use_layer(settings, "core", group_expiry=2)

    async def scenario():
        page, _ = await connected(proposal.consultation_id)
        await asyncio.sleep(4)
        await database_sync_to_async(send_count)(proposal.consultation_id, proposal.pk, 6)
        heard = await versions(page, 1)
        await page.disconnect()
        return heard

    assert async_to_sync(scenario)() == [6]


def test_closing_the_consultation_closes_every_page_of_the_process_with_4404(layer, proposal):
    consultation = proposal.consultation

    async def scenario():
        pages = [(await connected(consultation.pk))[0] for _ in range(3)]
        await database_sync_to_async(consultation.unpublish)()
        closings = [await page.receive_output(timeout=TIMEOUT) for page in pages]
        for page in pages:
            await page.disconnect()
        return closings

    assert [(c["type"], c["code"]) for c in async_to_sync(scenario)()] == [("websocket.close", 4404)] * 3


def test_each_page_drops_only_the_counts_that_are_not_news_to_it(layer, proposal):
    """`early` hears 6; `late` connects with the snapshot's 5. Another worker's 6 then comes again: news to
    `late` only. Then 7, to both."""

    async def scenario():
        early, _ = await connected(proposal.consultation_id)
        await database_sync_to_async(send_count)(proposal.consultation_id, proposal.pk, 6)
        first = await versions(early, 1)
        late, snapshot = await connected(proposal.consultation_id)
        for version in (6, 7):
            await database_sync_to_async(send_count)(proposal.consultation_id, proposal.pk, version)
        received = first + await versions(early, 1), await versions(late, 2)
        for page in (early, late):
            await page.disconnect()
        return snapshot["proposals"][0]["version"], received

    snapshot_version, (early, late) = async_to_sync(scenario)()
    assert snapshot_version == 5
    assert early == [6, 7]
    assert late == [6, 7]


def test_a_page_gets_its_snapshot_before_the_events_sent_while_it_was_read(layer, proposal, monkeypatch):
    """A page of the process is open and hearing counts while a second page's snapshot is read: the second
    page gets its snapshot first, then the counts that came meanwhile (those newer than the snapshot)."""
    read = consumers._snapshot
    reading, release = asyncio.Event(), asyncio.Event()

    async def held(consultation_id):
        snapshot = await read(consultation_id)
        if not reading.is_set():
            reading.set()
            await release.wait()
        return snapshot

    async def scenario():
        open_page, _ = await connected(proposal.consultation_id)
        monkeypatch.setattr(consumers, "_snapshot", held)
        joining = asyncio.ensure_future(connected(proposal.consultation_id))
        await reading.wait()
        for version in (5, 6, 7):  # 5 is the snapshot's: not news to either page
            await database_sync_to_async(send_count)(proposal.consultation_id, proposal.pk, version)
        heard_meanwhile = await versions(open_page, 2)
        release.set()
        joined, snapshot = await joining
        after_snapshot = await versions(joined, 2)
        for page in (open_page, joined):
            await page.disconnect()
        return heard_meanwhile, snapshot, after_snapshot

    heard_meanwhile, snapshot, after_snapshot = async_to_sync(scenario)()
    assert heard_meanwhile == [6, 7]
    assert snapshot["type"] == "snapshot"
    assert [p["version"] for p in snapshot["proposals"]] == [5]
    assert after_snapshot == [6, 7]


# --- A slow page ----------------------------------------------------------------------------------------


def frame(n: int) -> dict:
    return {"type": "websocket.send", "text": str(n)}


class Page:
    """An ASGI send that returns at once, or, while `held`, waits (as uvicorn's does while the socket's
    write buffer is full)."""

    def __init__(self) -> None:
        self.frames: list[dict] = []
        self.writable = asyncio.Event()
        self.writable.set()

    async def send(self, message) -> None:
        await self.writable.wait()
        self.frames.append(message)


def test_a_page_that_cannot_take_more_holds_up_no_other_and_gets_its_frames_in_order():
    async def scenario():
        slow, fast = Page(), Page()
        slow.writable.clear()
        outlets = [Outlet(page.send, lambda event: True) for page in (slow, fast)]
        for outlet in outlets:
            outlet.open()
        for n in range(3):
            for outlet in outlets:
                outlet.deliver(None, frame(n))
        written_at_once = list(fast.frames), list(slow.frames)  # the loop has not run since
        slow.writable.set()
        while len(slow.frames) < 3:
            await asyncio.sleep(0)  # let the slow page's writer run
        return written_at_once, slow.frames

    (fast_at_once, slow_at_once), slow_later = async_to_sync(scenario)()
    assert fast_at_once == [frame(0), frame(1), frame(2)]
    assert slow_at_once == []
    assert slow_later == [frame(0), frame(1), frame(2)]


def test_a_page_too_far_behind_is_closed_to_reconnect():
    async def scenario():
        slow = Page()
        slow.writable.clear()
        outlet = Outlet(slow.send, lambda event: True)
        outlet.open()
        for n in range(BACKLOG_LIMIT + 2):  # one waiting, BACKLOG_LIMIT behind it, one too many
            outlet.deliver(None, frame(n))
        outlet.deliver(None, frame(-1))  # after the close: not written
        slow.writable.set()
        while not slow.frames or slow.frames[-1]["type"] != "websocket.close":
            await asyncio.sleep(0)
        return slow.frames

    assert async_to_sync(scenario)() == [frame(0), {"type": "websocket.close", "code": 1013}]


def test_a_resync_closes_the_pages_opened_before_the_loss_and_no_other(layer, proposal):
    """A worker that could not send an event sends a resync once the layer answers (broadcasts.py)."""
    consultation_id = proposal.consultation_id

    async def scenario():
        before, _ = await connected(consultation_id)
        lost_at = time.time()
        after, _ = await connected(consultation_id)
        message = {"type": broadcasts.RESYNC_HANDLER, "lost_at": lost_at}
        await get_channel_layer().group_send(broadcasts.consultation_group(consultation_id), message)
        closing = await before.receive_output(timeout=TIMEOUT)
        # As a server does once the socket is closed: the page leaves. Left in, it kept the subscription,
        # whose receive the loop's shutdown then cancelled inside redis-py, which could hang for ever there.
        await before.disconnect()
        await database_sync_to_async(send_count)(consultation_id, proposal.pk, 6)
        heard = await after.receive_json_from(timeout=TIMEOUT)
        await after.disconnect()
        return closing, heard

    closing, heard = async_to_sync(scenario)()
    assert (closing["type"], closing["code"]) == ("websocket.close", 1013)
    assert (heard["type"], heard["version"]) == ("proposal.support_changed", 6)


def test_a_failed_probe_closes_the_pages_and_the_next_subscribes_anew(layer, proposal, settings, monkeypatch):
    """Redis away: the subscription's probe fails, its pages reconnect (1013) instead of going stale."""
    settings.LIVE_PROBE_INTERVAL_MS = 20
    consultation_id = proposal.consultation_id

    async def failing_probe(group, number):
        raise redis.ConnectionError("Redis is away")

    async def scenario():
        with monkeypatch.context() as patch:
            patch.setattr(subscriptions, "send_probe", failing_probe)
            pages = [(await connected(consultation_id))[0] for _ in range(2)]
            closings = [await page.receive_output(timeout=TIMEOUT) for page in pages]
        again, _ = await connected(consultation_id)
        await database_sync_to_async(send_count)(consultation_id, proposal.pk, 6)
        heard = await again.receive_json_from(timeout=TIMEOUT)
        await again.disconnect()
        return closings, heard

    closings, heard = async_to_sync(scenario)()
    assert [(c["type"], c["code"]) for c in closings] == [("websocket.close", 1013)] * 2
    assert heard["version"] == 6


def test_a_probe_held_up_by_a_busy_loop_closes_no_page(layer, proposal, settings, monkeypatch):
    """A worker busy for longer than PROBE_TIMEOUT while a probe is on its way (thousands of pages to write
    to, a starved CPU) has not lost its layer: its pages stay open and hear the next event."""
    settings.LIVE_PROBE_INTERVAL_MS = 20
    monkeypatch.setattr(subscriptions, "PROBE_TIMEOUT", 1.0)
    consultation_id = proposal.consultation_id
    probes = []

    async def probe_then_busy(group, number):
        await broadcasts.send_probe(group, number)
        probes.append(number)
        if len(probes) == 1:
            time.sleep(2 * subscriptions.PROBE_TIMEOUT)  # the loop held up while the probe is on its way

    async def scenario():
        with monkeypatch.context() as patch:
            patch.setattr(subscriptions, "send_probe", probe_then_busy)
            page, _ = await connected(consultation_id)
            deadline = time.monotonic() + TIMEOUT
            while len(probes) < 3 and time.monotonic() < deadline:  # the held-up one, then two more
                await asyncio.sleep(0.01)
        await database_sync_to_async(send_count)(consultation_id, proposal.pk, 6)
        heard = await page.receive_output(timeout=TIMEOUT)
        await page.disconnect()
        return len(probes), heard

    probed, heard = async_to_sync(scenario)()
    assert probed >= 3
    assert heard["type"] == "websocket.send" and '"version":6' in heard["text"]


async def emptied(*groups: str) -> list[int]:
    """Members of `groups` once none is left, or when TIMEOUT is up (leaving is a task of its own)."""
    deadline = time.monotonic() + TIMEOUT
    while any(members(group) for group in groups) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return [members(group) for group in groups]


def test_a_lost_subscription_leaves_its_groups_while_its_pages_are_still_open(
    layer, proposal, settings, monkeypatch
):
    """Its channel is read by nobody: left in the group, it would get every event of the consultation (a
    queue in the worker on the pub/sub layer, a list in Redis on the core layer)."""
    settings.LIVE_PROBE_INTERVAL_MS = 20
    group = broadcasts.consultation_group(proposal.consultation_id)

    async def failing_probe(group, number):
        raise redis.ConnectionError("Redis is away")

    async def scenario():
        page, _ = await connected(proposal.consultation_id)
        subscription = subscriptions.subscriptions().by_group[group]
        joined = members(group), members(subscription.probe_group)
        with monkeypatch.context() as patch:
            patch.setattr(subscriptions, "send_probe", failing_probe)
            closing = await page.receive_output(timeout=TIMEOUT)
        left = await emptied(group, subscription.probe_group)
        await page.disconnect()
        return joined, closing["code"], left

    joined, code, left = async_to_sync(scenario)()
    assert joined == (1, 1)
    assert code == 1013
    assert left == [0, 0]


def test_a_subscription_whose_join_failed_leaves_no_channel_in_a_group(layer, proposal):
    """Redis went away between joining the consultation's group and the probe group: the page is refused,
    and the half-made subscription's channel is in no group, nor (pub/sub) waiting for messages."""
    group = broadcasts.consultation_group(proposal.consultation_id)

    async def scenario():
        channel_layer = get_channel_layer()
        group_add = channel_layer.group_add
        joining = subscriptions.Subscription(group)

        async def failing_on_the_probe_group(name, channel):
            await group_add(name, channel)  # recorded, then the answer lost
            if name == joining.probe_group:
                raise redis.ConnectionError("Redis is away")

        channel_layer.group_add = failing_on_the_probe_group
        with pytest.raises(redis.ConnectionError):
            await joining.joined
        left = await emptied(group, joining.probe_group)
        queues = channel_layer._get_layer().channels if layer == "pubsub" else {}
        return left, joining.channel in queues

    left, queued = async_to_sync(scenario)()
    assert left == [0, 0]
    assert not queued


def test_a_group_left_while_redis_was_away_is_not_subscribed_again_when_the_layer_reconnects(settings):
    """pub/sub: the UNSUBSCRIBE failed, so redis-py still lists the group, and would subscribe to it again
    with the others for as long as the process lives."""
    use_layer(settings, "pubsub")
    left, kept = (f"left.{uuid.uuid4().hex}", f"kept.{uuid.uuid4().hex}")
    names = [f"{settings.CHANNEL_LAYER_PREFIX}__group__{group}" for group in (left, kept)]
    server = redis.Redis.from_url(settings.REDIS_URL)

    async def away(*channels):
        raise redis.ConnectionError("Redis is away")

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        for group in (left, kept):
            await layer.group_add(group, channel)
        pubsub = layer._get_layer()._shards[0]._pubsub
        pubsub.unsubscribe = away
        with contextlib.suppress(redis.ConnectionError):
            await layer.group_discard(left, channel)
        del pubsub.unsubscribe
        reconnections = layer.reconnections
        await pubsub.connection.disconnect()  # the layer's reader connects again
        deadline = time.monotonic() + TIMEOUT
        while layer.reconnections == reconnections and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        while server.pubsub_numsub(names[1])[0][1] == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # subscribed again: on the wire before the count went up
        return layer.reconnections - reconnections, dict(server.pubsub_numsub(*names))

    reconnected, subscribers = async_to_sync(scenario)()
    assert reconnected == 1
    assert subscribers == {names[0].encode(): 0, names[1].encode(): 1}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_sites_on_two_databases_of_one_redis_do_not_hear_each_other(name, settings):
    """Staging and production on two databases of one Redis server, or two test processes: their
    consultation ids repeat, and pub/sub channels are the server's, not a database's."""
    url = urlsplit(settings.REDIS_URL)
    database = int(url.path.strip("/") or 0)
    other = url._replace(path=f"/{15 if database != 15 else 14}").geturl()  # a database no test uses
    config = {key: value for key, value in LAYERS[name].items() if key != "BACKEND"}

    def site(redis_url: str):
        layer = import_string(LAYERS[name]["BACKEND"])
        return layer(hosts=[{"address": redis_url}], prefix=channel_layer_prefix(redis_url), **config)

    async def scenario():
        ours, theirs = site(settings.REDIS_URL), site(other)
        group = f"consultation.{uuid.uuid4().hex}"
        channel = await ours.new_channel()
        await ours.group_add(group, channel)
        # Sent one after the other: were `ours` subscribed to theirs, it would get theirs first.
        await theirs.group_send(group, {"type": "proposal.event", "site": "theirs"})
        await ours.group_send(group, {"type": "proposal.event", "site": "ours"})
        first = await asyncio.wait_for(ours.receive(channel), TIMEOUT)
        await ours.group_discard(group, channel)
        for layer in (ours, theirs):
            await (layer.flush() if name == "pubsub" else layer.close_pools())
        return first["site"]

    assert async_to_sync(scenario)() == "ours"
