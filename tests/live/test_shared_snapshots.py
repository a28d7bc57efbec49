"""Pages of one consultation connecting at once share snapshot reads, and each still gets a snapshot
that is at least as new as its own join."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from proposals.live import consumers
from tests.support import factories
from tests.support.live import connected
from votes.services import support_add

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = 30


def test_pages_connecting_at_once_share_a_few_reads_and_all_get_the_snapshot(monkeypatch):
    proposal = factories.ProposalFactory()
    reads = []
    read = consumers._snapshot

    async def counted(consultation_id):
        reads.append(consultation_id)
        return await read(consultation_id)

    monkeypatch.setattr(consumers, "_snapshot", counted)

    async def scenario():
        pages = await asyncio.gather(*(connected(proposal.consultation_id) for _ in range(PAGES)))
        for communicator, _snapshot in pages:
            await communicator.disconnect()
        return [snapshot for _communicator, snapshot in pages]

    snapshots = async_to_sync(scenario)()
    assert len(snapshots) == PAGES
    assert all([p["id"] for p in s["proposals"]] == [proposal.pk] for s in snapshots)
    assert 1 <= len(reads) <= PAGES // 3


def test_a_page_that_joins_while_a_read_is_running_waits_for_a_newer_read(monkeypatch):
    """The first page's read is held until a support commits and a second page has joined: the second
    page must not be given the first read (taken before the support), but one that shows it."""
    proposal = factories.ProposalFactory()
    citizen = factories.citizen()
    read = consumers._snapshot
    first_read_started, release_first_read = asyncio.Event(), asyncio.Event()
    calls = []

    async def held(consultation_id):
        calls.append(consultation_id)
        if len(calls) == 1:
            snapshot = await read(consultation_id)  # read before the support...
            first_read_started.set()
            await release_first_read.wait()  # ...and handed out only after the second page joined
            return snapshot
        return await read(consultation_id)

    joins, second_page_joined = [], asyncio.Event()
    tick = consumers.SharedSnapshots.tick

    def counted_tick(self):
        joins.append(tick(self))
        if len(joins) == 2:
            second_page_joined.set()
        return joins[-1]

    monkeypatch.setattr(consumers, "_snapshot", held)
    monkeypatch.setattr(consumers.SharedSnapshots, "tick", counted_tick)

    async def scenario():
        first = asyncio.ensure_future(connected(proposal.consultation_id))
        await first_read_started.wait()
        await database_sync_to_async(support_add)(user=citizen, proposal=proposal)
        second = asyncio.ensure_future(connected(proposal.consultation_id))
        await second_page_joined.wait()
        release_first_read.set()
        (page_a, snapshot_a), (page_b, snapshot_b) = await asyncio.gather(first, second)
        await page_a.disconnect()
        await page_b.disconnect()
        return snapshot_a, snapshot_b

    snapshot_a, snapshot_b = async_to_sync(scenario)()
    assert snapshot_a["proposals"][0]["supports"] == 0
    assert snapshot_b["proposals"][0]["supports"] == 1
    assert len(calls) == 2
