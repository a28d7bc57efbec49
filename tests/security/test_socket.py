"""The live stream of a consultation that is not public (restricted in the CMS, by password, sign-in or
group) does not exist: accepted, then closed with 4404, nothing sent. Origins, unknown and draft
consultations and pending content: tests/live/."""

import pytest
from asgiref.sync import async_to_sync
from wagtail.models import PageViewRestriction

from tests.support import factories
from tests.support.live import TIMEOUT, stream

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("restriction", [PageViewRestriction.PASSWORD, PageViewRestriction.LOGIN])
@pytest.mark.parametrize("on", ["consultation", "consultation list"])
def test_a_private_consultation_closes_with_4404(restriction, on):
    proposal = factories.ProposalFactory(title="Zanzibar unseen idea")
    page = proposal.consultation if on == "consultation" else proposal.consultation.get_parent()
    PageViewRestriction.objects.create(page=page, restriction_type=restriction, password="only-us")

    async def scenario():
        communicator = stream(proposal.consultation_id)
        accepted, _ = await communicator.connect(timeout=TIMEOUT)
        return accepted, await communicator.receive_output(timeout=TIMEOUT)

    accepted, first = async_to_sync(scenario)()
    assert accepted
    assert first == {"type": "websocket.close", "code": 4404}  # the first message: no snapshot before it


def test_a_public_consultation_streams_its_snapshot():
    proposal = factories.ProposalFactory(title="Zanzibar open idea")

    async def scenario():
        communicator = stream(proposal.consultation_id)
        await communicator.connect(timeout=TIMEOUT)
        snapshot = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return snapshot

    assert [p["id"] for p in async_to_sync(scenario)()["proposals"]] == [proposal.pk]
