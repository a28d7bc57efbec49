"""A proposal supported by many citizens at once, through two workers, with repeated supports and
withdrawals mixed in: the stored count, the API and the newest live event on pages of both workers all
say the true number. Counts are coalesced on the way out (a page may not see every intermediate count),
never wrong at the end."""

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token

from proposals.models import Proposal
from tests import factories
from tests.servers import api_request, open_stream, receive_json
from votes.models import Support

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

CITIZENS = 48
TIMEOUT = 20  # seconds for the newest count to reach a page once every request has been answered


@pytest.fixture(scope="module")
def workers(start_asgi_servers):
    return start_asgi_servers(2)


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
            statuses = list(pool.map(run, enumerate(citizen_plans)))
        try:
            return statuses, Proposal.objects.get(pk=proposal.pk).supports_version
        finally:
            connections.close_all()

    async def scenario():
        async with (
            open_stream(workers[0], proposal.consultation_id) as on_a,
            open_stream(workers[1], proposal.consultation_id) as on_b,
        ):
            for ws in (on_a, on_b):
                assert (await receive_json(ws, TIMEOUT))["type"] == "snapshot"
            statuses, final_version = await asyncio.to_thread(run_all)
            newest = []
            for ws in (on_a, on_b):
                seen = {}
                while final_version not in seen:
                    message = await receive_json(ws, TIMEOUT)
                    if message["type"] == "proposal.support_changed":
                        seen[message["version"]] = message["supports"]
                newest.append((max(seen), seen[max(seen)]))
            return statuses, newest

    statuses, newest = asyncio.run(scenario())

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
    assert newest == [(proposal.supports_version, true_count)] * 2
