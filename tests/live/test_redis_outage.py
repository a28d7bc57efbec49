"""Redis restarted under open pages, on both channel layers: a real server process on a Redis of the test's
own (tests/support/redis_server.py), pages on the consultation's stream, and supports and a comment made over
the HTTP API while Redis is away; and the worker's connections to a Redis that stays up dropped.

What must hold: every write during the outage is stored (the counts equal the rows) and answered without a
500; and once Redis is back, every open page shows the exact count within a bounded time, by an event or by
reconnecting to a fresh snapshot (a page whose socket was closed says "reconnecting" meanwhile: never a
stale count without saying so).
"""

from __future__ import annotations

import asyncio
import time

import pytest
import redis as redis_client
from rest_framework.authtoken.models import Token

from proposals.live.broadcasts import consultation_group
from proposals.models import Comment, Proposal
from tests.support import factories
from tests.support.redis_server import redis_process
from tests.support.servers import api_request, serving
from tests.support.stream_pages import Page, following, until
from votes.models import Support

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PAGES = 3
TIMEOUT = 10  # seconds to wait for a message that must come
RECOVERY_LIMIT = 15  # seconds after Redis is back within which every page must show the exact count
OURS = "fault-test"  # the name of the test's own connections to Redis, which it does not kill


@pytest.fixture(scope="module", params=["pubsub", "core"])
def site(request, asgi_server_env):
    """A server process whose cache, rate limits and channel layer (`params`) are on a private Redis."""
    with redis_process() as redis:
        env = {**asgi_server_env, "REDIS_URL": redis.url(), "REDIS_CHANNEL_LAYER": request.param}
        with serving(env) as server:
            yield server, redis, request.param


async def call_api(server, method: str, path: str, **kwargs):
    """The blocking HTTP client in a thread, so the pages keep reading meanwhile."""
    return await asyncio.to_thread(api_request, server, method, path, **kwargs)


def test_writes_during_a_redis_restart_are_stored_and_every_page_catches_up(site):
    server, redis, _layer = site
    proposal = factories.ProposalFactory()
    tokens = [Token.objects.create(user=factories.citizen()).key for _ in range(3)]
    pages = [Page(proposal.pk) for _ in range(PAGES)]

    async def scenario():
        async with following(server, proposal.consultation_id, pages):
            for page in pages:
                await asyncio.wait_for(page.ready.wait(), TIMEOUT)
            redis.stop()
            answers = [
                await call_api(server, "POST", f"/api/v1/proposals/{proposal.pk}/support/", token=token)
                for token in tokens
            ]
            path = f"/api/v1/proposals/{proposal.pk}/comments/"
            comment = {"body": "Redis is away"}
            answers.append(await call_api(server, "POST", path, token=tokens[0], data=comment))
            redis.start()  # not in a thread: Redis would die with it (RedisProcess.start)
            back = time.monotonic()
            stored = await asyncio.to_thread(Support.objects.filter(proposal=proposal).count)
            comment = await asyncio.to_thread(Comment.objects.filter(proposal=proposal).first)

            def caught_up(page: Page) -> bool:
                # The comment reached the page as an event, or the page reconnected and refetched over REST.
                knows_comment = comment is not None and (comment.pk in page.comments or page.snapshots > 1)
                return page.supports == stored and knows_comment

            await until(lambda: all(caught_up(page) for page in pages), RECOVERY_LIMIT)
            return answers, stored, comment, time.monotonic() - back

    answers, stored, comment, recovered = asyncio.run(scenario())
    print(f"pages caught up {recovered:.2f} s after Redis was back")
    assert [answer.status for answer in answers] == [201] * 4, [answer.body for answer in answers]
    assert Proposal.objects.get(pk=proposal.pk).supports_count == stored == 3
    assert comment.body == "Redis is away"
    # Every page said it was reconnecting (its socket closed) and came back to the exact count.
    assert all(page.closed >= 1 and page.supports == 3 for page in pages)


def support_while_the_worker_is_deaf(server, redis, consultation_id: int, proposal_id: int, token: str):
    """On the pub/sub layer: right after one of the worker's probes (the next is seconds away), kill its
    pub/sub connection and keep it from connecting again (Redis takes no new client) until a support's
    count went out to the consultation; then let it. Returns the support's answer and the connections killed.
    Redis stays up, and the worker's other connections stay open."""
    admin = redis_client.Redis.from_url(redis.url(), client_name=OURS)
    listener = admin.pubsub()
    group = f"asgi__group__{consultation_group(consultation_id)}"
    listener.psubscribe("*.probe.*")  # the worker PUBLISHes its probes
    listener.subscribe(group)
    limit = admin.config_get("maxclients")["maxclients"]

    def next_message(channel_type: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            message = listener.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if message is not None and message["type"] == channel_type:
                return
        raise TimeoutError(f"no {channel_type}")

    try:
        next_message("pmessage")
        admin.config_set("maxclients", len(admin.client_list()) - 1)
        killed = [c["id"] for c in admin.client_list(_type="pubsub") if c["name"] != OURS]
        for client in killed:
            admin.client_kill_filter(_id=client)
        answer = api_request(server, "POST", f"/api/v1/proposals/{proposal_id}/support/", token=token)
        next_message("message")  # the count, which the worker did not hear
        return answer, killed
    finally:
        admin.config_set("maxclients", limit)
        listener.close()
        admin.close()


def test_a_dropped_connection_to_a_redis_that_stays_up_leaves_no_page_on_a_stale_count(site):
    """The worker's connections to Redis drop while Redis stays up (a network blip, an idle timeout), and a
    support is made before they are back. On the pub/sub layer its count never reached the worker, so the
    worker's pages reconnect once it sees its layer connected again; on the core layer the count waits in
    Redis (or the failed read closes the pages). Either way, every page ends up on the exact count."""
    server, redis, layer = site
    proposal = factories.ProposalFactory()
    token = Token.objects.create(user=factories.citizen()).key
    pages = [Page(proposal.pk) for _ in range(PAGES)]
    admin = redis_client.Redis.from_url(redis.url(), client_name=OURS)

    async def scenario():
        async with following(server, proposal.consultation_id, pages):
            for page in pages:
                await asyncio.wait_for(page.ready.wait(), TIMEOUT)
            if layer == "pubsub":
                deaf = support_while_the_worker_is_deaf
                args = (server, redis, proposal.consultation_id, proposal.pk, token)
                answer, killed = await asyncio.to_thread(deaf, *args)
            else:
                killed = admin.client_kill_filter(_type="normal", skipme=True)
                path = f"/api/v1/proposals/{proposal.pk}/support/"
                answer = await call_api(server, "POST", path, token=token)
            await until(lambda: all(page.supports == 1 for page in pages), RECOVERY_LIMIT)
            return killed, answer

    killed, answer = asyncio.run(scenario())
    assert killed
    assert answer.status == 201, answer.body
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 1
    if layer == "pubsub":  # they said "reconnecting" on the way
        assert all(page.closed >= 1 and page.snapshots >= 2 for page in pages)
