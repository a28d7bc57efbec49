"""A support racing a moderator's hide: the state check must see the moderator's committed decision.

Deterministic, no sleeps: the moderator's transaction holds the proposal row until PostgreSQL reports
the supporter's session waiting on a lock; then it commits and the supporter's call finishes."""

import pytest

from cocreate.exceptions import Conflict
from proposals.models import Proposal, Visibility
from proposals.services import proposal_moderate
from tests.support import factories
from tests.support.db import race
from votes.models import Support
from votes.services import support_add


@pytest.mark.django_db(transaction=True)
def test_a_support_cannot_land_on_a_proposal_hidden_meanwhile():
    proposal = factories.ProposalFactory()
    moderator, citizen = factories.moderator(), factories.citizen()
    proposal = Proposal.objects.select_related("consultation").get(pk=proposal.pk)  # as the view reads it
    outcome = race(
        lambda: proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Spam."),
        lambda: support_add(user=citizen, proposal=proposal),
    )

    assert isinstance(outcome.get("error"), Conflict), outcome
    assert outcome["error"].code == "proposal_not_published"
    assert not Support.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 0
    assert Proposal.objects.get(pk=proposal.pk).visibility == Visibility.HIDDEN
