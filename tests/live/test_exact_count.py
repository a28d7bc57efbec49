"""A proposal supported by many citizens at once, through two workers, with repeated supports and
withdrawals mixed in: the stored count, the API and the last live count on pages of both workers all
say the true number. Counts are coalesced on the way out by each worker (a page may not see every
intermediate count), never wrong at the end: not even for a moment, since a worker's older count held
back by its interval never follows the other worker's newer one on a stream.

The end of a stream is marked with a comment posted through each worker: a worker sends a proposal's held
count before any other event about it, so once a page has both comments, every count either worker would
still send has reached it (or was dropped), with no sleep."""

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework.authtoken.models import Token

from tests.support import factories
from tests.support.servers import api_request, open_stream, receive_json, serving
from votes.models import Support

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

CITIZENS = 48
TIMEOUT = 20  # seconds for the newest count to reach a page once every request has been answered


@pytest.fixture(scope="module")
def workers(start_asgi_servers):
    return start_asgi_servers(2)


@pytest.fixture(scope="module")
def holding_workers(asgi_server_env):
    """Two workers whose coalescing interval outlasts the test: a count is held until other news about
    its proposal sends it, so which count a worker holds is decided by the test, not by the clock."""
    env = dict(asgi_server_env, LIVE_COUNT_INTERVAL_MS="600000")
    with serving(env, workers=2) as started:
        yield started


async def end_marks(workers, token: str, proposal_id: int) -> set[int]:
    """A comment through each worker, in turn; their ids."""
    ids = set()
    for worker in workers:
        posted = await asyncio.to_thread(
            api_request,
            worker,
            "POST",
            f"/api/v1/proposals/{proposal_id}/comments/",
            token=token,
            data={"body": f"End of the stream on port {worker.port}."},
        )
        assert posted.status == 201, posted.body
        ids.add(posted.body["id"])
    return ids


async def counts_until_marked(ws, marks: set[int]) -> list[tuple[int, int]]:
    """The (supports, version) of every count a page receives before all the end marks."""
    counts, waiting = [], set(marks)
    while waiting:
        message = await receive_json(ws, TIMEOUT)
        if message["type"] == "proposal.support_changed":
            counts.append((message["supports"], message["version"]))
        elif message["type"] == "comment.published":
            waiting.discard(message["comment"]["id"])
    return counts


def plans(tokens: list[str]) -> tuple[list[list[tuple[str, str]]], int]:
    """Per citizen, the requests they make one after the other; and how many support in the end.

    A quarter support once, a quarter support twice (the repeat changes nothing), a quarter support then
    withdraw, and a quarter withdraw a support they never gave (changes nothing)."""
    plans, true_count = [], 0
    for i, token in enumerate(tokens):
        kind = i % 4
        steps = {0: ["POST"], 1: ["POST", "POST"], 2: ["POST", "DELETE"], 3: ["DELETE"]}[kind]
        true_count += kind in (0, 1)
        plans.append([(method, token) for method in steps])
    random.Random(5).shuffle(plans)
    return plans, true_count


def test_concurrent_supports_repeats_and_withdrawals_leave_every_count_exact(workers):
    proposal = factories.ProposalFactory()
    tokens = [Token.objects.create(user=factories.citizen()).key for _ in range(CITIZENS)]
    citizen_plans, true_count = plans(tokens)
    path = f"/api/v1/proposals/{proposal.pk}/support/"

    def run(numbered_plan):
        number, plan = numbered_plan
        # Each citizen's requests in order, alternating workers; the citizens all at once.
        return [
            api_request(workers[(number + step) % 2], method, path, token=token).status
            for step, (method, token) in enumerate(plan)
        ]

    def run_all():
        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(run, enumerate(citizen_plans)))

    async def scenario():
        async with (
            open_stream(workers[0], proposal.consultation_id) as on_a,
            open_stream(workers[1], proposal.consultation_id) as on_b,
        ):
            for ws in (on_a, on_b):
                assert (await receive_json(ws, TIMEOUT))["type"] == "snapshot"
            statuses = await asyncio.to_thread(run_all)
            marks = await end_marks(workers, tokens[0], proposal.pk)
            return statuses, [await counts_until_marked(ws, marks) for ws in (on_a, on_b)]

    statuses, streams = asyncio.run(scenario())

    proposal.refresh_from_db()
    assert sorted(s for plan in statuses for s in plan) == sorted(
        [201] * (CITIZENS // 4 * 3) + [200] * (CITIZENS // 4) + [204] * (CITIZENS // 4 * 2)
    )
    assert true_count == CITIZENS // 2
    assert Support.objects.filter(proposal=proposal).count() == true_count
    assert proposal.supports_count == true_count
    # Every change moved the version once: supports (3/4) and real withdrawals (1/4).
    assert proposal.supports_version == CITIZENS // 4 * 3 + CITIZENS // 4
    api = api_request(workers[0], "GET", f"/api/v1/proposals/{proposal.pk}/")
    assert (api.body["supports"], api.body["version"]) == (true_count, proposal.supports_version)
    # On each page the last count is the stored one, and versions only ever went up.
    for counts in streams:
        assert counts[-1] == (true_count, proposal.supports_version), counts
        assert [version for _, version in counts] == sorted({version for _, version in counts}), counts


def test_a_count_a_worker_held_never_follows_the_other_workers_newer_one(holding_workers):
    """Worker A sends version 1 at once (the first after a quiet spell) and holds version 2; worker B then
    sends version 3 at once (its first). A's held version 2 goes out after it: the pages drop it."""
    a, b = holding_workers
    proposal = factories.ProposalFactory()
    tokens = [Token.objects.create(user=factories.citizen()).key for _ in range(3)]
    path = f"/api/v1/proposals/{proposal.pk}/support/"

    async def scenario():
        async with (
            open_stream(a, proposal.consultation_id) as on_a,
            open_stream(b, proposal.consultation_id) as on_b,
        ):
            for ws in (on_a, on_b):
                assert (await receive_json(ws, TIMEOUT))["type"] == "snapshot"
            for worker, token in [(a, tokens[0]), (a, tokens[1]), (b, tokens[2])]:
                supported = await asyncio.to_thread(api_request, worker, "POST", path, token=token)
                assert supported.status == 201, supported.body
            marks = await end_marks([a, b], tokens[0], proposal.pk)
            return [await counts_until_marked(ws, marks) for ws in (on_a, on_b)]

    assert asyncio.run(scenario()) == [[(1, 1), (3, 3)]] * 2
