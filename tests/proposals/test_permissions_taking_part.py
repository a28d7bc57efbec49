"""May this person take part now: can_submit, can_support, can_comment and the refusals they are built on,
across roles, the proposal's state and the consultation's phase (docs/roles.md), more no than yes."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from proposals import permissions
from proposals.models import Visibility
from tests.support import factories

pytestmark = pytest.mark.django_db

PEOPLE = {
    "anonymous": AnonymousUser,
    "unverified_citizen": factories.unverified_citizen,
    "verified_citizen": factories.citizen,
    "unverified_moderator": lambda: factories.moderator(verified=False),
    "official": factories.official,
    "inactive_citizen": lambda: factories.citizen(is_active=False),
}
TAKING_PART = {"verified_citizen", "official"}


@pytest.fixture
def proposal():
    return factories.ProposalFactory()


def phases(consultation):
    """A moment in each phase of the consultation: before it opens, while open, at and after its close."""
    return {
        "upcoming": consultation.opens_at - timedelta(seconds=1),
        "opening": consultation.opens_at,
        "open": consultation.closes_at - timedelta(seconds=1),
        "closing": consultation.closes_at,
        "closed": consultation.closes_at + timedelta(days=1),
    }


@pytest.mark.parametrize("role", PEOPLE)
def test_the_person_comes_first(role, proposal):
    user = PEOPLE[role]()
    expected = None if role in TAKING_PART else permissions.EMAIL_UNVERIFIED
    proposal.visibility = Visibility.HIDDEN  # not the answer a refused person gets: theirs comes first
    proposal.consultation.closes_at = proposal.consultation.opens_at + timedelta(seconds=1)
    assert permissions.submit_refusal(user, proposal.consultation) == (
        expected or permissions.CONSULTATION_CLOSED
    )
    for refusal in (permissions.support_refusal, permissions.comment_refusal):
        assert refusal(user, proposal) == (expected or permissions.PROPOSAL_NOT_PUBLISHED)
    for predicate, target in (
        (permissions.can_submit, proposal.consultation),
        (permissions.can_support, proposal),
        (permissions.can_comment, proposal),
    ):
        assert predicate(user, target) is False


@pytest.mark.parametrize("phase", ["upcoming", "opening", "open", "closing", "closed"])
def test_only_the_open_phase_takes_part(phase, proposal):
    user = factories.citizen()
    at = phases(proposal.consultation)[phase]
    open_ = phase in ("opening", "open")
    refused = None if open_ else permissions.CONSULTATION_CLOSED
    assert permissions.consultation_open(proposal.consultation, at) is open_
    assert permissions.proposal_open(proposal, at) is open_
    assert permissions.submit_refusal(user, proposal.consultation, at) == refused
    assert permissions.support_refusal(user, proposal, at) == refused
    assert permissions.comment_refusal(user, proposal, at) == refused
    assert permissions.can_submit(user, proposal.consultation, at) is open_
    assert permissions.can_support(user, proposal, at) is open_
    assert permissions.can_comment(user, proposal, at) is open_


def test_an_offline_consultation_takes_no_part_within_its_dates(proposal):
    user = factories.citizen()
    proposal.consultation.live = False
    assert permissions.can_submit(user, proposal.consultation) is False
    assert permissions.support_refusal(user, proposal) == permissions.CONSULTATION_CLOSED
    assert permissions.can_comment(user, proposal) is False


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_a_proposal_takes_part_only_once_published(visibility, proposal):
    user = factories.citizen()
    proposal.visibility = visibility
    assert permissions.proposal_open(proposal) is False
    assert permissions.support_refusal(user, proposal) == permissions.PROPOSAL_NOT_PUBLISHED
    assert permissions.comment_refusal(user, proposal) == permissions.PROPOSAL_NOT_PUBLISHED
    assert permissions.can_support(user, proposal) is False
    assert permissions.can_comment(user, proposal) is False
    assert permissions.can_submit(user, proposal.consultation) is True  # the consultation itself is open
