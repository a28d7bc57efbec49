"""Comment events over the network: a real uvicorn process, a real websocket client on the consultation's
stream, and comments posted, moderated and deleted through the real HTTP API.

As in test_server.py: data is committed with the ORM first, every wait is a `recv` with a timeout, and
"nothing was sent" is checked by the next message being the one a later action sends.
"""

import asyncio

import pytest
from rest_framework.authtoken.models import Token

from cms.models import ModerationMode
from tests.support import factories
from tests.support.broadcasts import without_generations
from tests.support.servers import api_request, open_stream, receive_json

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

TIMEOUT = 10


def token_for(user) -> str:
    return Token.objects.create(user=user).key


async def call_api(server, method: str, path: str, **kwargs):
    """The blocking HTTP client in a thread, so the websocket keeps being read meanwhile."""
    return await asyncio.to_thread(api_request, server, method, path, **kwargs)


async def comment(server, token: str, proposal_id: int, body: str):
    posted = await call_api(
        server, "POST", f"/api/v1/proposals/{proposal_id}/comments/", token=token, data={"body": body}
    )
    assert posted.status == 201, posted.body
    return posted.body


async def moderate(server, token: str, comment_id: int, **data):
    response = await call_api(
        server, "POST", f"/api/v1/comments/{comment_id}/moderation/", token=token, data=data
    )
    assert response.status == 200, response.body


def test_a_comment_reaches_the_stream_and_hiding_removes_it(asgi_server):
    proposal = factories.ProposalFactory()
    author = token_for(factories.citizen(display_name="Ana"))
    moderator = token_for(factories.moderator())

    async def scenario():
        async with open_stream(asgi_server, proposal.consultation_id) as ws:
            await receive_json(ws, TIMEOUT)  # the snapshot
            posted = await comment(asgi_server, author, proposal.pk, "<b>Save</b> it halfway.")
            published = await receive_json(ws, TIMEOUT)
            await moderate(asgi_server, moderator, posted["id"], action="hide", reason="Personal data.")
            return posted["id"], published, await receive_json(ws, TIMEOUT)

    comment_id, published, removed = asyncio.run(scenario())
    assert (published["type"], published["proposal"], published["comments"]) == (
        "comment.published",
        proposal.pk,
        1,
    )
    state = published["comment"]
    assert (state["id"], state["author_name"], state["body"]) == (
        comment_id,
        "Ana",
        "<b>Save</b> it halfway.",
    )
    assert without_generations(removed) == {
        "type": "comment.removed",
        "proposal": proposal.pk,
        "comment": comment_id,
        "reason": "hidden",
        "comments": 0,
    }


def test_a_pending_comment_is_not_sent_until_approved(asgi_server):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    author = token_for(factories.citizen())
    moderator = token_for(factories.moderator())

    async def scenario():
        async with open_stream(asgi_server, proposal.consultation_id) as ws:
            await receive_json(ws, TIMEOUT)
            posted = await comment(asgi_server, author, proposal.pk, "Waiting for a moderator.")
            assert posted["visibility"] == "pending"
            # The next message is the approval's: the pending comment itself sent nothing.
            await moderate(asgi_server, moderator, posted["id"], action="approve")
            return posted["id"], await receive_json(ws, TIMEOUT)

    comment_id, message = asyncio.run(scenario())
    assert (message["type"], message["comment"]["id"], message["comments"]) == (
        "comment.published",
        comment_id,
        1,
    )


def test_a_deletion_is_sent_without_the_text(asgi_server):
    proposal = factories.ProposalFactory()
    author = token_for(factories.citizen())

    async def scenario():
        async with open_stream(asgi_server, proposal.consultation_id) as ws:
            await receive_json(ws, TIMEOUT)
            posted = await comment(asgi_server, author, proposal.pk, "I take it back.")
            await receive_json(ws, TIMEOUT)
            deleted = await call_api(asgi_server, "DELETE", f"/api/v1/comments/{posted['id']}/", token=author)
            assert deleted.status == 204
            return posted["id"], await receive_json(ws, TIMEOUT)

    comment_id, message = asyncio.run(scenario())
    assert without_generations(message) == {
        "type": "comment.removed",
        "proposal": proposal.pk,
        "comment": comment_id,
        "reason": "deleted",
        "comments": 0,
    }


def test_an_edit_held_for_moderation_is_sent_only_once_approved(asgi_server):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    author = token_for(factories.citizen())
    moderator = token_for(factories.moderator())

    async def scenario():
        async with open_stream(asgi_server, proposal.consultation_id) as ws:
            await receive_json(ws, TIMEOUT)
            posted = await comment(asgi_server, author, proposal.pk, "Approved words.")
            await moderate(asgi_server, moderator, posted["id"], action="approve")
            await receive_json(ws, TIMEOUT)  # comment.published
            for body in ("Unapproved words.", "Better words."):
                edited = await call_api(
                    asgi_server,
                    "PATCH",
                    f"/api/v1/comments/{posted['id']}/",
                    token=author,
                    data={"body": body},
                )
                assert edited.status == 200 and edited.body["body"] == "Approved words.", edited.body
            # The next message is the approval's: the edits themselves sent nothing.
            await moderate(asgi_server, moderator, posted["id"], action="approve")
            return posted["id"], await receive_json(ws, TIMEOUT)

    comment_id, message = asyncio.run(scenario())
    assert (message["type"], message["comment"]["id"], message["comment"]["body"]) == (
        "comment.updated",
        comment_id,
        "Better words.",
    )
    assert message["comment"]["edited"] is True
