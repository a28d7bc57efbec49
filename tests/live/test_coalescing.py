"""A proposal's count goes out at most once per interval from a server process, always the newest one.

The sender runs on the loop the ASGI application binds; here the test's own loop plays that part and a
channel of the real (Redis) channel layer stands for the pages in the consultation's group. The events
are committed from another thread, as a request's would be."""

import asyncio
import json

import pytest
from channels.layers import get_channel_layer
from django.db import connections, transaction

from proposals.live import broadcasts, events
from tests.support.broadcasts import without_generations

pytestmark = pytest.mark.django_db(transaction=True)

CONSULTATION = 987_001  # a group no other test uses
TIMEOUT = 10


def commit_events(*items) -> None:
    """Each event in its own transaction, in order, from the calling thread (run it in a worker thread)."""
    try:
        for consultation_id, event in items:
            with transaction.atomic():
                broadcasts.broadcast_on_commit(consultation_id, event)
    finally:
        connections.close_all()  # this thread's connection, before the test database is dropped


def count(proposal_id: int, supports: int, version: int):
    return CONSULTATION, events.support_changed(proposal_id=proposal_id, supports=supports, version=version)


def hidden(proposal_id: int):
    return CONSULTATION, {"type": "proposal.hidden", "proposal": proposal_id}


async def watching():
    """A channel in the consultation's group, and a function returning the next message's event."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(broadcasts.consultation_group(CONSULTATION), channel)

    async def next_event() -> dict:
        message = await asyncio.wait_for(layer.receive(channel), TIMEOUT)
        assert message["type"] == broadcasts.FORWARD_HANDLER
        return json.loads(message["text"])

    return layer, channel, next_event


def run_as_server(scenario, monkeypatch):
    async def main():
        monkeypatch.setattr(broadcasts, "_server_loop", asyncio.get_running_loop())
        layer, channel, next_event = await watching()
        try:
            return await scenario(next_event)
        finally:
            await layer.group_discard(broadcasts.consultation_group(CONSULTATION), channel)

    return asyncio.run(main())


def test_counts_within_the_interval_are_held_and_only_the_newest_goes_out_before_other_news(
    settings, monkeypatch
):
    settings.LIVE_COUNT_INTERVAL_MS = 600_000  # nothing held is sent by the clock during this test

    async def scenario(next_event):
        # The first change after a quiet spell goes out at once.
        await asyncio.to_thread(commit_events, count(1, 10, 10))
        first = await next_event()
        # A rush: held, in whatever order the commits' callbacks ran; another proposal is not held back.
        await asyncio.to_thread(
            commit_events, count(1, 11, 11), count(1, 13, 13), count(1, 12, 12), count(2, 5, 5)
        )
        other = await next_event()
        # News about the proposal sends its newest count first, then the news.
        await asyncio.to_thread(commit_events, hidden(1))
        return first, other, await next_event(), await next_event()

    first, other, newest, news = run_as_server(scenario, monkeypatch)
    assert (first["proposal"], first["supports"], first["version"]) == (1, 10, 10)
    assert (other["proposal"], other["supports"]) == (2, 5)
    assert (newest["proposal"], newest["supports"], newest["version"]) == (1, 13, 13)
    assert without_generations(news) == {"type": "proposal.hidden", "proposal": 1}


def test_a_held_count_goes_out_when_the_interval_ends_and_an_older_one_never_follows(settings, monkeypatch):
    settings.LIVE_COUNT_INTERVAL_MS = 50

    async def scenario(next_event):
        await asyncio.to_thread(commit_events, count(3, 1, 1), count(3, 2, 2))
        received = [await next_event(), await next_event()]
        # A late callback of an older commit, after the newer count went out: dropped, and the next
        # newer one goes out (so the next message is version 4, not 3).
        await asyncio.to_thread(commit_events, count(3, 1, 1), count(3, 3, 4))
        received.append(await next_event())
        return received

    received = run_as_server(scenario, monkeypatch)
    assert [(e["supports"], e["version"]) for e in received] == [(1, 1), (2, 2), (3, 4)]


def test_outside_a_server_every_event_is_sent_at_once(settings, monkeypatch):
    settings.LIVE_COUNT_INTERVAL_MS = 600_000

    async def scenario(next_event):
        monkeypatch.setattr(broadcasts, "_server_loop", None)  # a management command, say
        await asyncio.to_thread(commit_events, count(4, 1, 1), count(4, 2, 2))
        return [await next_event(), await next_event()]

    received = run_as_server(scenario, monkeypatch)
    assert [e["version"] for e in received] == [1, 2]


def stage(stage_id: int, checkins: int, version: int):
    """A stage's figures (shown from five check-ins on) as the check-in services send them."""
    figures = None
    if checkins >= 5:
        figures = {
            "checkins": checkins,
            "frustration_median": 4.0,
            "motivation_median": 2.0,
            "gave_up_share": 0.2,
            "frustration_overtakes": True,
        }
    return CONSULTATION, {
        "type": "journey.stage_changed",
        "stage": stage_id,
        "version": version,
        "figures": figures,
    }


def test_a_stages_figures_are_held_like_counts_and_only_the_newest_goes_out(settings, monkeypatch):
    settings.LIVE_COUNT_INTERVAL_MS = 100

    async def scenario(next_event):
        # The first change goes out at once; a rush on the same stage is held, the newest kept whatever
        # the order the callbacks ran in.
        await asyncio.to_thread(commit_events, stage(7, 4, 4), stage(7, 6, 6), stage(7, 5, 5))
        received = [await next_event(), await next_event()]
        # A late callback of an older change after the newer one went out is dropped: the next is newer.
        await asyncio.to_thread(commit_events, stage(7, 5, 5), stage(7, 7, 7))
        received.append(await next_event())
        return received

    received = run_as_server(scenario, monkeypatch)
    assert [(e["stage"], e["version"]) for e in received] == [(7, 4), (7, 6), (7, 7)]
    assert received[0]["figures"] is None
    assert received[1]["figures"]["checkins"] == 6


def test_a_stage_and_a_proposal_with_the_same_id_are_coalesced_apart(settings, monkeypatch):
    settings.LIVE_COUNT_INTERVAL_MS = 600_000  # nothing held is sent by the clock during this test

    async def scenario(next_event):
        # Proposal 8 and stage 8 each send their first change at once: neither holds the other back.
        await asyncio.to_thread(commit_events, count(8, 1, 1), stage(8, 5, 1))
        first = [await next_event(), await next_event()]
        # The stage's next change is held; news about proposal 8 sends the proposal's held count, never the
        # stage's figures.
        await asyncio.to_thread(commit_events, stage(8, 6, 2), count(8, 2, 2), hidden(8))
        return first, await next_event(), await next_event()

    first, held_count, news = run_as_server(scenario, monkeypatch)
    assert [e["type"] for e in first] == ["proposal.support_changed", "journey.stage_changed"]
    assert (held_count["type"], held_count["version"]) == ("proposal.support_changed", 2)
    assert without_generations(news) == {"type": "proposal.hidden", "proposal": 8}


def test_the_stage_message_names_its_stage_and_version_for_the_sockets(settings, monkeypatch):
    """The channel-layer message carries the stage and version beside the text: each socket drops figures
    older than those it forwarded (see test_consumer)."""
    settings.LIVE_COUNT_INTERVAL_MS = 600_000
    monkeypatch.setattr(broadcasts, "_server_loop", None)

    async def main():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(broadcasts.consultation_group(CONSULTATION), channel)
        try:
            await asyncio.to_thread(commit_events, stage(9, 5, 3), count(9, 4, 4))
            return [await asyncio.wait_for(layer.receive(channel), TIMEOUT) for _ in range(2)]
        finally:
            await layer.group_discard(broadcasts.consultation_group(CONSULTATION), channel)

    stage_message, count_message = asyncio.run(main())
    assert (stage_message["stage"], stage_message["version"]) == (9, 3)
    assert "proposal" not in stage_message
    assert (count_message["proposal"], count_message["version"]) == (9, 4)
    assert "stage" not in count_message
