import pytest
from django.db import IntegrityError

from cocreate.exceptions import NotAllowed, ServiceError
from proposals.models import Proposal, Visibility
from tests.support import factories
from votes.models import Support
from votes.services import support_add, support_withdraw

pytestmark = pytest.mark.django_db


def test_support_counts_once_per_citizen(citizen):
    proposal = factories.ProposalFactory()
    first = support_add(user=citizen, proposal=proposal)
    again = support_add(user=citizen, proposal=proposal)
    assert (first.supports, first.changed) == (1, True)
    assert (again.supports, again.changed) == (1, False)
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 1
    assert Support.objects.filter(proposal=proposal).count() == 1


def test_the_database_refuses_a_second_support_row(citizen):
    proposal = factories.ProposalFactory()
    Support.objects.create(proposal=proposal, user=citizen)
    with pytest.raises(IntegrityError):
        Support.objects.create(proposal=proposal, user=citizen)


def test_withdraw_lowers_the_count_and_bumps_the_version(citizen):
    proposal = factories.ProposalFactory()
    added = support_add(user=citizen, proposal=proposal)
    withdrawn = support_withdraw(user=citizen, proposal=proposal)
    assert withdrawn.supports == 0
    assert withdrawn.version > added.version
    assert support_withdraw(user=citizen, proposal=proposal).changed is False


def test_unverified_citizen_cannot_support():
    proposal = factories.ProposalFactory()
    with pytest.raises(NotAllowed):
        support_add(user=factories.unverified_citizen(), proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 0


def test_no_support_on_a_closed_consultation(citizen):
    proposal = factories.ProposalFactory(consultation=factories.consultation(open_now=False))
    with pytest.raises(ServiceError) as error:
        support_add(user=citizen, proposal=proposal)
    assert error.value.code == "consultation_closed"


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_no_support_on_unpublished_proposal(citizen, visibility):
    proposal = factories.ProposalFactory(visibility=visibility)
    with pytest.raises(ServiceError):
        support_add(user=citizen, proposal=proposal)
    assert not Support.objects.exists()


def test_support_goes_live_after_commit(citizen, django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        support_add(user=citizen, proposal=proposal)
    assert len(callbacks) == 1
