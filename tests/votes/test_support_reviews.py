"""A citizen asks for their support set aside to be looked at again (votes.reviews); an official counts it
again or keeps it set aside with a reply. One open request per support, kept by the database."""

import pytest

from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError
from proposals.models import Proposal
from tests.support import factories
from votes.invalidations import supports_invalidate
from votes.models import Support, SupportReview
from votes.reviews import open_reviews, support_review_decide, support_review_request
from votes.services import support_add, support_withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(official):
    proposal = factories.ProposalFactory()
    citizen, honest = factories.citizen(email="ben@spam.example"), factories.citizen(email="ana@example.org")
    for supporter in (citizen, honest):
        support_add(user=supporter, proposal=proposal)
    supports_invalidate(actor=official, proposal=proposal, reason="Bots.", domains=["spam.example"])
    return proposal, citizen, honest


def counted(proposal) -> int:
    return Proposal.objects.get(pk=proposal.pk).supports_count


def test_a_citizen_asks_once_and_an_official_counts_the_support_again(setup, official):
    proposal, citizen, _honest = setup
    review = support_review_request(user=citizen, proposal_id=proposal.pk, message="  I am real.  ")
    assert review.message == "I am real." and list(open_reviews(proposal_id=proposal.pk)) == [review]
    with pytest.raises(Conflict) as refused:
        support_review_request(user=citizen, proposal_id=proposal.pk, message="Again.")
    assert refused.value.code == "review_open"

    decided = support_review_decide(
        actor=official, review_id=review.pk, decision="reinstated", reply="Checked."
    )
    assert (decided.decision, decided.decided_by) == ("reinstated", official)
    assert Support.objects.get(user=citizen).invalidation is None and counted(proposal) == 2
    assert not open_reviews(proposal_id=proposal.pk)
    with pytest.raises(Conflict) as refused:
        support_review_decide(actor=official, review_id=review.pk, decision="upheld", reply="No.")
    assert refused.value.code == "review_decided"
    assert counted(proposal) == 2


def test_an_official_keeps_it_set_aside_with_a_reply_and_the_citizen_may_ask_again(setup, official):
    proposal, citizen, _honest = setup
    review = support_review_request(user=citizen, proposal_id=proposal.pk, message="Please look.")
    with pytest.raises(ServiceError) as refused:
        support_review_decide(actor=official, review_id=review.pk, decision="upheld", reply=" ")
    assert list(refused.value.fields) == ["reply"]
    support_review_decide(actor=official, review_id=review.pk, decision="upheld", reply="Same address as 40.")
    assert Support.objects.get(user=citizen).invalidation is not None and counted(proposal) == 1
    assert support_review_request(user=citizen, proposal_id=proposal.pk, message="New facts.").pk != review.pk


def test_requests_that_have_nothing_to_review_are_refused(setup):
    proposal, _citizen, honest = setup
    with pytest.raises(Conflict) as refused:
        support_review_request(user=honest, proposal_id=proposal.pk, message="?")
    assert refused.value.code == "support_counted"
    with pytest.raises(NotFound):
        support_review_request(user=factories.citizen(), proposal_id=proposal.pk, message="?")
    with pytest.raises(ServiceError) as refused:
        support_review_request(user=setup[1], proposal_id=proposal.pk, message="")
    assert list(refused.value.fields) == ["message"]
    assert not SupportReview.objects.exists()


@pytest.mark.parametrize("decision", ["reinstated", "maybe"])
def test_only_officials_decide_and_only_known_decisions(setup, decision):
    proposal, citizen, _honest = setup
    review = support_review_request(user=citizen, proposal_id=proposal.pk, message="Please.")
    for actor in (factories.moderator(), citizen, factories.official(second_factor=False)):
        with pytest.raises(NotAllowed):
            support_review_decide(actor=actor, review_id=review.pk, decision=decision, reply="x")
    if decision == "maybe":
        with pytest.raises(ServiceError):
            support_review_decide(
                actor=factories.official(), review_id=review.pk, decision=decision, reply="x"
            )
    assert SupportReview.objects.get().decided_at is None and counted(proposal) == 1


def test_withdrawing_a_support_under_review_takes_the_request_with_it(setup):
    proposal, citizen, _honest = setup
    support_review_request(user=citizen, proposal_id=proposal.pk, message="Please.")
    support_withdraw(
        user=citizen, proposal=Proposal.objects.select_related("consultation").get(pk=proposal.pk)
    )
    assert not Support.objects.filter(user=citizen).exists() and not SupportReview.objects.exists()
    assert counted(proposal) == 1
