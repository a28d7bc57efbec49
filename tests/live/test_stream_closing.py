"""A consultation that stops being public closes the streams already open on it with 4404 (the page then
stops reconnecting), and keeps other consultations' streams open."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from wagtail.models import PageViewRestriction

from tests.support import factories
from tests.support.live import TIMEOUT, connected
from votes.services import support_add

pytestmark = pytest.mark.django_db(transaction=True)


def unpublish(consultation, other):
    consultation.unpublish()


def delete(consultation, other):
    consultation.delete()


def restrict_the_page(consultation, other):
    PageViewRestriction.objects.create(page=consultation, restriction_type="login")


def restrict_a_page_above(consultation, other):
    """The restriction on the consultations' index closes every consultation below it."""
    PageViewRestriction.objects.create(
        page=consultation.get_parent(), restriction_type="password", password="x"
    )


@pytest.mark.parametrize("change", [unpublish, delete, restrict_the_page, restrict_a_page_above])
def test_open_streams_close_with_4404_when_the_consultation_stops_being_public(change):
    consultation = factories.consultation()
    other = factories.consultation(title="Another one")
    others_proposal = factories.ProposalFactory(consultation=other)
    citizen = factories.citizen()

    async def scenario():
        page, _snapshot = await connected(consultation.pk)
        bystander, _ = await connected(other.pk)
        await database_sync_to_async(change)(consultation, other)
        closing = await page.receive_output(timeout=TIMEOUT)
        # Then news on the other consultation: its stream gets it, unless the change closed it too.
        await database_sync_to_async(support_add)(user=citizen, proposal=others_proposal)
        bystander_next = await bystander.receive_output(timeout=TIMEOUT)
        await page.disconnect()
        await bystander.disconnect()
        return closing, bystander_next

    closing, bystander_next = async_to_sync(scenario)()
    assert (closing["type"], closing["code"]) == ("websocket.close", 4404)
    if change is restrict_a_page_above:
        assert (bystander_next["type"], bystander_next["code"]) == ("websocket.close", 4404)
    else:
        assert bystander_next["type"] == "websocket.send"
        assert json.loads(bystander_next["text"])["type"] == "proposal.support_changed"
