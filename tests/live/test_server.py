"""The consultation stream over the network: a real uvicorn process (the `asgi_server` fixture) and a real
websocket client, with supports cast over the real HTTP API.

Each test commits its data with the ORM first (transactional database: the server reads it through its
own connections), then runs one coroutine. Every wait is a `recv` with a timeout; a "nothing was sent"
check is never a sleep: a later action that does broadcast must be the next message.
"""

import asyncio
import json

import pytest
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cms.models import ModerationMode
from proposals.models import Visibility
from tests.support import factories
from tests.support.servers import api_request, open_stream, receive_json, stream_path

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

TIMEOUT = 10  # seconds to wait for a message that must come: generous, the machine may be busy


def token_for(user) -> str:
    return Token.objects.create(user=user).key


async def call_api(server, method: str, path: str, **kwargs):
    """The blocking HTTP client in a thread, so the websocket keeps being read meanwhile."""
    return await asyncio.to_thread(api_request, server, method, path, **kwargs)


def test_snapshot_on_connect(asgi_server):
    consultation = factories.consultation()
    popular = factories.ProposalFactory(consultation=consultation, supports_count=5, supports_version=6)
    newer = factories.ProposalFactory(consultation=consultation)

    async def scenario():
        async with open_stream(asgi_server, consultation.pk) as ws:
            return await receive_json(ws, TIMEOUT)

    snapshot = asyncio.run(scenario())
    assert (snapshot["type"], snapshot["consultation"], snapshot["state"]) == (
        "snapshot",
        consultation.pk,
        "open",
    )
    assert [(p["id"], p["supports"], p["version"]) for p in snapshot["proposals"]] == [
        (popular.pk, 5, 6),
        (newer.pk, 0, 0),
    ]


def test_support_and_withdraw_over_http_reach_the_open_page(asgi_server):
    proposal = factories.ProposalFactory()
    first, second = token_for(factories.citizen()), token_for(factories.citizen())
    support = f"/api/v1/proposals/{proposal.pk}/support/"

    async def scenario():
        async with open_stream(asgi_server, proposal.consultation_id) as ws:
            await receive_json(ws, TIMEOUT)  # the snapshot
            seen = []
            for method, token, expected_status in [
                ("POST", first, 201),
                ("POST", second, 201),
                ("POST", first, 200),  # already supporting: nothing changes, nothing is sent
                ("DELETE", first, 204),
            ]:
                response = await call_api(asgi_server, method, support, token=token)
                assert response.status == expected_status, response.body
                if expected_status != 200:
                    seen.append(await receive_json(ws, TIMEOUT))
            return seen

    def changed(supports: int, version: int) -> dict:
        return {
            "type": "proposal.support_changed",
            "proposal": proposal.pk,
            "supports": supports,
            "version": version,
        }

    assert asyncio.run(scenario()) == [changed(1, 1), changed(2, 2), changed(1, 3)]
    proposal.refresh_from_db()
    assert (proposal.supports_count, proposal.supports_version) == (1, 3)


def test_the_http_answer_and_the_broadcast_agree(asgi_server):
    proposal = factories.ProposalFactory(supports_count=41, supports_version=50)
    token = token_for(factories.citizen())

    async def scenario():
        async with open_stream(asgi_server, proposal.consultation_id) as ws:
            await receive_json(ws, TIMEOUT)
            response = await call_api(
                asgi_server, "POST", f"/api/v1/proposals/{proposal.pk}/support/", token=token
            )
            return response, await receive_json(ws, TIMEOUT)

    response, message = asyncio.run(scenario())
    assert response.status == 201
    assert (response.body["supports"], response.body["version"]) == (42, 51)
    assert (message["supports"], message["version"]) == (42, 51)


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1.evil.example"])
def test_a_foreign_origin_is_refused_at_the_handshake(asgi_server, origin):
    consultation = factories.consultation()

    async def scenario():
        async with open_stream(asgi_server, consultation.pk, origin=origin):
            pass

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(scenario())
    assert refused.value.response.status_code == 403


def test_a_socket_without_origin_is_refused_at_the_handshake(asgi_server):
    consultation = factories.consultation()

    async def scenario():
        async with connect(asgi_server.ws_url(stream_path(consultation.pk)), open_timeout=TIMEOUT):
            pass

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(scenario())
    assert refused.value.response.status_code == 403


def test_an_unknown_consultation_closes_with_4404(asgi_server):
    known = factories.consultation()

    async def scenario():
        async with open_stream(asgi_server, known.pk + 10_000) as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), TIMEOUT)
            return ws.close_code

    assert asyncio.run(scenario()) == 4404


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/consultations/abc/", "/ws/consultations/3/more/", "/"])
def test_a_path_with_no_stream_is_refused_with_404_and_logged_without_a_traceback(asgi_server, path):
    log_start = len(asgi_server.log())

    async def scenario():
        async with connect(asgi_server.ws_url(path), origin=asgi_server.origin, open_timeout=TIMEOUT):
            pass

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(scenario())
    response = refused.value.response
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body)["error"]["code"] == "not_found"
    # The server goes on serving streams, and said what it refused in one line.
    known = factories.consultation()

    async def a_known_stream():
        async with open_stream(asgi_server, known.pk) as ws:
            return await receive_json(ws, TIMEOUT)

    assert asyncio.run(a_known_stream())["type"] == "snapshot"
    log = asgi_server.log()[log_start:]
    assert "Traceback" not in log and "No route found" not in log, log
    assert [line for line in log.splitlines() if path in line and "404" in line], log


def test_pending_proposals_never_reach_the_socket(asgi_server):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    visible = factories.ProposalFactory(consultation=consultation)
    waiting = factories.ProposalFactory(
        consultation=consultation, visibility=Visibility.PENDING, published_at=None
    )
    author, supporter = token_for(factories.citizen()), token_for(factories.citizen())

    async def scenario():
        async with open_stream(asgi_server, consultation.pk) as ws:
            snapshot = await receive_json(ws, TIMEOUT)
            submitted = await call_api(
                asgi_server,
                "POST",
                "/api/v1/proposals/",
                token=author,
                data={"consultation": consultation.pk, "title": "Fewer forms", "summary": "S.", "body": "B."},
            )
            refused = await call_api(
                asgi_server, "POST", f"/api/v1/proposals/{waiting.pk}/support/", token=supporter
            )
            supported = await call_api(
                asgi_server, "POST", f"/api/v1/proposals/{visible.pk}/support/", token=supporter
            )
            # Had the submission or the refused support gone out, it would come before this event.
            return snapshot, submitted, refused, supported, await receive_json(ws, TIMEOUT)

    snapshot, submitted, refused, supported, message = asyncio.run(scenario())
    assert [p["id"] for p in snapshot["proposals"]] == [visible.pk]
    assert submitted.status == 201, submitted.body
    assert refused.status in (400, 404), refused.body
    assert supported.status == 201, supported.body
    assert message == {
        "type": "proposal.support_changed",
        "proposal": visible.pk,
        "supports": 1,
        "version": 1,
    }
    waiting.refresh_from_db()
    assert (waiting.supports_count, waiting.supports_version) == (0, 0)
