"""Its author withdraws a proposal with a public reason: it stays readable, listed and counted as it was,
marked withdrawn, and takes no new support, refused with its own code also when the withdrawal came while
the support waited; supports given stand and may still be withdrawn. Only the author, only once."""

import pytest

from cocreate.exceptions import Conflict, NotAllowed, ServiceError
from proposals import selectors
from proposals.models import AuditEntry, Proposal, Status
from proposals.services import proposal_edit, proposal_withdraw
from tests.support import factories
from tests.support.broadcasts import broadcast_events
from votes.models import Support
from votes.services import support_add, support_withdraw

pytestmark = pytest.mark.django_db

REASON = "The city already plans this: support theirs instead."


@pytest.fixture
def author():
    return factories.citizen(display_name="Ana")


@pytest.fixture
def proposal(author):
    return factories.ProposalFactory(author=author)


def test_the_author_withdraws_it_publicly(author, proposal, django_capture_on_commit_callbacks):
    supporter = factories.citizen()
    support_add(user=supporter, proposal=proposal)
    with django_capture_on_commit_callbacks() as callbacks:
        withdrawn = proposal_withdraw(actor=author, proposal=proposal, reason=f"  {REASON} ")
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawal_reason == REASON
    [event] = broadcast_events(callbacks)
    assert event == {
        "type": "proposal.withdrawn",
        "proposal": proposal.pk,
        "withdrawn_at": withdrawn.withdrawn_at.isoformat(),
        "reason": REASON,
    }
    entry = AuditEntry.objects.get(action="withdrawn")
    assert (entry.public, entry.actor_role, entry.actor_name, entry.reason) == (True, "author", "Ana", REASON)
    # Readable, listed and counted as it was; its status is still the officials'.
    proposal.refresh_from_db()
    assert proposal.supports_count == 1 and proposal.status == Status.OPEN
    listed = selectors.proposal_list(consultation_id=proposal.consultation_id, user=factories.citizen())
    assert proposal.pk in {p.pk for p in listed}


def test_a_reason_is_required(author, proposal):
    with pytest.raises(ServiceError) as refused:
        proposal_withdraw(actor=author, proposal=proposal, reason="  ")
    assert "reason" in refused.value.fields
    assert not Proposal.objects.filter(withdrawn_at__isnull=False).exists()


def test_not_twice(author, proposal):
    proposal_withdraw(actor=author, proposal=proposal, reason=REASON)
    with pytest.raises(Conflict) as refused:
        proposal_withdraw(actor=author, proposal=proposal, reason="Again")
    assert refused.value.code == "proposal_withdrawn"
    assert AuditEntry.objects.filter(action="withdrawn").count() == 1


@pytest.mark.parametrize("who", ["other citizen", "moderator", "official"])
def test_only_the_author(who, proposal):
    actor = {
        "other citizen": factories.citizen,
        "moderator": factories.moderator,
        "official": factories.official,
    }[who]()
    with pytest.raises(NotAllowed) as refused:
        proposal_withdraw(actor=actor, proposal=proposal, reason=REASON)
    assert refused.value.code == "not_author"
    assert Proposal.objects.get(pk=proposal.pk).withdrawn_at is None


def test_no_new_support_but_the_given_ones_stand_and_may_be_withdrawn(author, proposal):
    early = factories.citizen()
    support_add(user=early, proposal=proposal)
    proposal_withdraw(actor=author, proposal=proposal, reason=REASON)
    fresh = selectors.proposal_get_to_support(proposal_id=proposal.pk, user=factories.citizen())
    with pytest.raises(Conflict) as refused:
        support_add(user=factories.citizen(), proposal=fresh)
    assert refused.value.code == "proposal_withdrawn"
    assert Support.objects.count() == 1
    result = support_withdraw(user=early, proposal=fresh)
    assert result.changed and result.supports == 0


def test_a_support_that_read_it_before_the_withdrawal_is_refused_by_the_count(author, proposal):
    """The caller's copy says open; the statement that moves the count finds it withdrawn, refuses, and the
    support row is rolled back with its own code."""
    stale = selectors.proposal_get_to_support(proposal_id=proposal.pk, user=factories.citizen())
    proposal_withdraw(actor=author, proposal=proposal, reason=REASON)
    with pytest.raises(Conflict) as refused:
        support_add(user=factories.citizen(), proposal=stale)
    assert refused.value.code == "proposal_withdrawn"
    assert not Support.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 0


def test_a_withdrawn_proposal_is_no_longer_edited(author, proposal):
    proposal_withdraw(actor=author, proposal=proposal, reason=REASON)
    with pytest.raises(Conflict) as refused:
        proposal_edit(actor=author, proposal=proposal, title="Back")
    assert refused.value.code == "proposal_withdrawn"
