"""A worker killed with SIGKILL under open pages, behind a real load balancer (HAProxy, tests/support/
balancer.py) in front of two worker processes that share the database and the Redis channel layer.

What a citizen notices: a page whose socket was on the killed worker says "reconnecting", reconnects through
the same address to the surviving worker and shows the exact count again, supports made during and after
the kill included; a page on the surviving worker notices nothing. Nothing is lost: every support is
answered 201 (a connection refused by the dead worker is retried on the other one by the balancer) and
stored once.
"""

from __future__ import annotations

import asyncio

import pytest
from rest_framework.authtoken.models import Token

from proposals.models import Proposal
from tests.support import factories
from tests.support.balancer import balancing
from tests.support.servers import api_request, serving
from tests.support.stream_pages import Page, following, until
from votes.models import Support

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PAGES = 20
SUPPORTS = 6  # half sent right after the kill, before the balancer's checks mark the worker down
TIMEOUT = 15  # seconds for what must happen: pages open, the worker marked down, pages caught up


@pytest.fixture
def site(asgi_server_env):
    """Two workers of their own (one gets killed) behind HAProxy."""
    with serving(asgi_server_env, workers=2) as workers, balancing(workers) as balancer:
        yield balancer, workers


def test_pages_of_a_killed_worker_reconnect_to_the_other_and_show_the_exact_count(site):
    balancer, (victim, survivor) = site
    proposal = factories.ProposalFactory()
    tokens = [Token.objects.create(user=factories.citizen()).key for _ in range(SUPPORTS)]
    support = f"/api/v1/proposals/{proposal.pk}/support/"
    pages = [Page(proposal.pk) for _ in range(PAGES)]

    async def write(token: str):
        return await asyncio.to_thread(api_request, balancer, "POST", support, token=token)

    async def scenario():
        async with following(balancer, proposal.consultation_id, pages):
            for page in pages:
                await asyncio.wait_for(page.ready.wait(), TIMEOUT)
            held = {name: int(row["scur"]) for name, row in balancer.stats().items()}
            answers = [await write(tokens[0])]
            victim.process.kill()  # SIGKILL: no goodbye to the sockets, the kernel resets them
            victim.process.wait(TIMEOUT)
            answers += [await write(token) for token in tokens[1 : SUPPORTS // 2]]
            await asyncio.to_thread(balancer.wait_state, "w1", "DOWN", TIMEOUT)
            answers += [await write(token) for token in tokens[SUPPORTS // 2 :]]
            # Each 201 is a new support: the pages must come to show them all (the rows, asserted below).
            await until(lambda: all(page.supports == SUPPORTS for page in pages), TIMEOUT)
            return held, answers

    held, answers = asyncio.run(scenario())
    assert held["w1"] > 0 and held["w2"] > 0, held  # the balancer spread the pages over both workers
    assert [a.status for a in answers] == [201] * SUPPORTS, [(a.status, a.body) for a in answers]
    assert Support.objects.filter(proposal=proposal).count() == SUPPORTS  # stored once each
    assert Proposal.objects.get(pk=proposal.pk).supports_count == SUPPORTS
    reconnected = [page for page in pages if page.snapshots > 1]
    assert all(page.closed for page in reconnected)  # each said "reconnecting" meanwhile
    assert len(reconnected) == held["w1"] > 0  # every page of the killed worker, and only those
    assert balancer.states() == {"w1": "DOWN", "w2": "UP"}
    assert survivor.is_running()
