"""Redis restarted under open pages, on both channel layers: a real server process on a Redis of the test's
own (tests/support/redis_server.py), pages on the consultation's stream, and supports and a comment made over
the HTTP API while Redis is away.

What must hold: every write during the outage is stored (the counts equal the rows) and answered without a
500; and once Redis is back, every open page shows the exact count within a bounded time, by an event or by
reconnecting to a fresh snapshot (a page whose socket was closed says "reconnecting" meanwhile: never a
stale count without saying so).
"""

from __future__ import annotations

import asyncio
import time

import pytest
from rest_framework.authtoken.models import Token

from proposals.models import Comment, Proposal
from tests.support import factories
from tests.support.redis_server import redis_process
from tests.support.servers import api_request, serving
from tests.support.stream_pages import Page, follow, until
from votes.models import Support

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PAGES = 3
TIMEOUT = 10  # seconds to wait for a message that must come
RECOVERY_LIMIT = 15  # seconds after Redis is back within which every page must show the exact count


@pytest.fixture(scope="module", params=["pubsub", "core"])
def site(request, asgi_server_env):
    """A server process whose cache, rate limits and channel layer (`params`) are on a private Redis."""
    with redis_process() as redis:
        env = {**asgi_server_env, "REDIS_URL": redis.url(), "REDIS_CHANNEL_LAYER": request.param}
        with serving(env) as server:
            yield server, redis


async def call_api(server, method: str, path: str, **kwargs):
    """The blocking HTTP client in a thread, so the pages keep reading meanwhile."""
    return await asyncio.to_thread(api_request, server, method, path, **kwargs)


def test_writes_during_a_redis_restart_are_stored_and_every_page_catches_up(site):
    server, redis = site
    proposal = factories.ProposalFactory()
    tokens = [Token.objects.create(user=factories.citizen()).key for _ in range(3)]
    pages = [Page(proposal.pk) for _ in range(PAGES)]

    async def scenario():
        followers = [asyncio.ensure_future(follow(server, proposal.consultation_id, page)) for page in pages]
        try:
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
            await asyncio.to_thread(redis.start)
            back = time.monotonic()
            stored = await asyncio.to_thread(Support.objects.filter(proposal=proposal).count)
            comment = await asyncio.to_thread(Comment.objects.filter(proposal=proposal).first)

            def caught_up(page: Page) -> bool:
                # The comment reached the page as an event, or the page reconnected and refetched over REST.
                knows_comment = comment is not None and (comment.pk in page.comments or page.snapshots > 1)
                return page.supports == stored and knows_comment

            await until(lambda: all(caught_up(page) for page in pages), RECOVERY_LIMIT)
            return answers, stored, comment, time.monotonic() - back
        finally:
            for task in followers:
                task.cancel()
            await asyncio.gather(*followers, return_exceptions=True)

    answers, stored, comment, recovered = asyncio.run(scenario())
    print(f"pages caught up {recovered:.2f} s after Redis was back")
    assert [answer.status for answer in answers] == [201] * 4, [answer.body for answer in answers]
    assert Proposal.objects.get(pk=proposal.pk).supports_count == stored == 3
    assert comment.body == "Redis is away"
    # Every page said it was reconnecting (its socket closed) and came back to the exact count.
    assert all(page.closed >= 1 and page.supports == 3 for page in pages)
