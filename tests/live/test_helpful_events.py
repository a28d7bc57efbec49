"""A comment's helpful count on the consultation stream (WebsocketCommunicator through cocreate.asgi, on
the Redis channel layer): each mark and withdrawal sends the absolute count and its version, a repeat sends
nothing, and a hidden comment's count is never sent.

As in test_consumer.py: data committed first, one coroutine, "nothing was sent" checked by the next message
being the one a later action sends."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from proposals.models import Comment
from proposals.services import comment_helpful_mark, comment_helpful_withdraw, comment_moderate, comment_post
from tests.support import factories
from tests.support.broadcasts import without_generations
from tests.support.live import TIMEOUT, connected

pytestmark = pytest.mark.django_db(transaction=True)


def helpful_event(comment, helpful: int, version: int) -> dict:
    return {
        "type": "comment.helpful_changed",
        "proposal": comment.proposal_id,
        "comment": comment.pk,
        "helpful": helpful,
        "version": version,
    }


def test_marks_and_withdrawals_reach_the_stream_as_absolute_counts():
    proposal = factories.ProposalFactory()
    comment = comment_post(author=factories.citizen(), proposal=proposal, body="Save it halfway.")
    first, second = factories.citizen(), factories.citizen()
    comment = Comment.objects.select_related("proposal").get(pk=comment.pk)

    async def scenario():
        communicator, _ = await connected(proposal.consultation_id)
        received = []
        steps = [
            (comment_helpful_mark, first),
            (comment_helpful_mark, first),  # a repeat: nothing sent
            (comment_helpful_mark, second),
            (comment_helpful_withdraw, first),
        ]
        for action, user in steps:
            await database_sync_to_async(action)(user=user, comment=comment)
        for _ in range(3):
            received.append(await communicator.receive_json_from(timeout=TIMEOUT))
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
        return received

    assert [without_generations(event) for event in async_to_sync(scenario)()] == [
        helpful_event(comment, 1, 1),
        helpful_event(comment, 2, 2),
        helpful_event(comment, 1, 3),
    ]


def test_a_hidden_comments_count_is_not_sent():
    proposal = factories.ProposalFactory()
    hidden = comment_post(author=factories.citizen(), proposal=proposal, body="Personal data.")
    shown = comment_post(author=factories.citizen(), proposal=proposal, body="Save it halfway.")
    citizen, moderator = factories.citizen(), factories.moderator()
    comment_helpful_mark(user=citizen, comment=hidden)
    comment_moderate(actor=moderator, comment=hidden, action="hide", reason="Personal data.")
    hidden = Comment.objects.select_related("proposal").get(pk=hidden.pk)

    async def scenario():
        communicator, _ = await connected(proposal.consultation_id)
        await database_sync_to_async(comment_helpful_withdraw)(user=citizen, comment=hidden)
        await database_sync_to_async(comment_helpful_mark)(user=citizen, comment=shown)
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return message

    assert without_generations(async_to_sync(scenario)()) == helpful_event(shown, 1, 1)
