"""Several workers behave as one site: two separate uvicorn processes share the test database and the Redis
channel layer, and a support cast through one worker's HTTP API reaches pages connected to either."""

import asyncio

import pytest
from rest_framework.authtoken.models import Token

from tests.support import factories
from tests.support.servers import api_request, open_stream, receive_json

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

TIMEOUT = 10  # seconds to wait for a message that must come


@pytest.fixture(scope="module")
def workers(start_asgi_servers):
    a, b = start_asgi_servers(2)
    assert a.port != b.port and a.process.pid != b.process.pid
    return {"A": a, "B": b}


@pytest.mark.parametrize(("cast_on", "watch_on"), [("A", "B"), ("B", "A")])
def test_a_support_through_one_worker_reaches_a_page_on_the_other(workers, cast_on, watch_on):
    proposal = factories.ProposalFactory()
    token = Token.objects.create(user=factories.citizen()).key
    caster, watcher = workers[cast_on], workers[watch_on]

    async def scenario():
        async with open_stream(watcher, proposal.consultation_id) as ws:
            await receive_json(ws, TIMEOUT)  # the snapshot: the socket is in the group from here on
            response = await asyncio.to_thread(
                api_request, caster, "POST", f"/api/v1/proposals/{proposal.pk}/support/", token=token
            )
            return response, await receive_json(ws, TIMEOUT)

    response, message = asyncio.run(scenario())
    assert response.status == 201, response.body
    assert message == {
        "type": "proposal.support_changed",
        "proposal": proposal.pk,
        "supports": 1,
        "version": 1,
    }


def test_pages_on_both_workers_see_every_change_in_order(workers):
    proposal = factories.ProposalFactory()
    tokens = [Token.objects.create(user=factories.citizen()).key for _ in range(2)]
    support = f"/api/v1/proposals/{proposal.pk}/support/"
    casts = [("A", "POST", tokens[0]), ("B", "POST", tokens[1]), ("A", "DELETE", tokens[0])]

    async def scenario():
        async with (
            open_stream(workers["A"], proposal.consultation_id) as on_a,
            open_stream(workers["B"], proposal.consultation_id) as on_b,
        ):
            for ws in (on_a, on_b):
                await receive_json(ws, TIMEOUT)
            for name, method, token in casts:
                response = await asyncio.to_thread(api_request, workers[name], method, support, token=token)
                assert response.status in (201, 204), response.body
            return [
                [(m["supports"], m["version"]) for m in [await receive_json(ws, TIMEOUT) for _ in casts]]
                for ws in (on_a, on_b)
            ]

    seen_on_a, seen_on_b = asyncio.run(scenario())
    assert seen_on_a == seen_on_b == [(1, 1), (2, 2), (1, 3)]
