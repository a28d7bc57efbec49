"""What a consultation asks to support and submit (its participation_level): a verified e-mail address, a
verified identity, or residents of its areas; each both ways, with the predicates the writes ask
(permissions.submit_refusal, support_refusal, support_change_refusal) and the services that raise them."""

import pytest

from cms.models import ConsultationPage
from cms.participation import ParticipationLevel, admits
from cocreate.exceptions import NotAllowed
from proposals import permissions
from proposals.models import Proposal
from proposals.services import comment_post, proposal_submit
from tests.support import factories
from tests.support.identity import configure_city_id, with_identity
from votes.models import Support
from votes.services import support_add, support_withdraw

pytestmark = pytest.mark.django_db

AREAS = "69003\nSaint-Étienne\nVilleurbanne"


def consultation_at(level: str, **fields) -> ConsultationPage:
    areas = AREAS if level == ParticipationLevel.RESIDENTS else ""
    return factories.consultation(participation_level=level, participation_areas=areas, **fields)


PEOPLE = {
    "e-mail only": lambda: factories.citizen(),
    "identity, no address": lambda: with_identity(factories.citizen()),
    "resident by postcode": lambda: with_identity(factories.citizen(), postal_code="69 003"),
    "resident by locality": lambda: with_identity(factories.citizen(), locality="SAINT ETIENNE"),
    "identity elsewhere": lambda: with_identity(factories.citizen(), postal_code="75011", locality="Paris"),
}
ADMITTED = {
    "email": set(PEOPLE),
    "identity": set(PEOPLE) - {"e-mail only"},
    "residents": {"resident by postcode", "resident by locality"},
}
REFUSAL = {"identity": permissions.IDENTITY_REQUIRED, "residents": permissions.RESIDENTS_ONLY}


@pytest.mark.parametrize("level", ["email", "identity", "residents"])
@pytest.mark.parametrize("person", PEOPLE)
def test_each_level_lets_in_whom_it_says_and_no_one_else(level, person):
    user = PEOPLE[person]()
    consultation = consultation_at(level)
    proposal = factories.ProposalFactory(consultation=consultation)
    expected = None if person in ADMITTED[level] else REFUSAL[level]
    assert permissions.submit_refusal(user, consultation) == expected
    assert permissions.support_refusal(user, proposal) == expected
    assert permissions.can_submit(user, consultation) is (expected is None)
    assert permissions.can_support(user, proposal) is (expected is None)


@pytest.mark.parametrize("level", ["identity", "residents"])
def test_an_unconfirmed_address_and_a_closed_consultation_come_first(level):
    unverified = factories.unverified_citizen()
    assert permissions.submit_refusal(unverified, consultation_at(level)) == permissions.EMAIL_UNVERIFIED
    closed = consultation_at(level, open_now=False)
    assert permissions.submit_refusal(factories.citizen(), closed) == permissions.CONSULTATION_CLOSED


@pytest.mark.parametrize("level", ["identity", "residents"])
def test_comments_and_check_ins_ask_a_confirmed_address_only(level):
    consultation = consultation_at(level)
    proposal = factories.ProposalFactory(consultation=consultation)
    user = factories.citizen()
    assert permissions.comment_refusal(user, proposal) is None
    assert permissions.checkin_refusal(user, consultation) is None
    assert comment_post(author=user, proposal=proposal, body="Agreed, the wait is too long.").pk


@pytest.mark.parametrize(
    ("postal_code", "locality", "admitted"),
    [
        ("69003", "", True),
        (" 69 003 ", "", True),
        ("69004", "", False),
        ("", "saint-etienne", True),
        ("", "Saint Étienne", True),
        ("", "VILLEURBANNE", True),
        ("", "Villeurbanne-Nord", False),
        ("", "", False),
        ("6900", "Lyon", False),
    ],
)
def test_postcodes_match_without_spaces_and_localities_without_case_or_accents(
    postal_code, locality, admitted
):
    assert admits(AREAS, postal_code=postal_code, locality=locality) is admitted


def test_the_submission_service_refuses_with_the_code_and_says_how(settings):
    configure_city_id(settings)
    consultation = consultation_at("identity")
    with pytest.raises(NotAllowed) as refused:
        proposal_submit(
            author=factories.citizen(), consultation=consultation, title="T", summary="S", body="B"
        )
    assert refused.value.code == "identity_required"
    assert (
        "needs a verified identity" in refused.value.message
        and "Sign in with City ID" in refused.value.message
    )
    assert not Proposal.objects.exists()


def test_a_resident_submits_and_supports():
    consultation = consultation_at("residents")
    resident = PEOPLE["resident by locality"]()
    proposal = proposal_submit(
        author=resident, consultation=consultation, title="Late buses", summary="Later.", body="Buses."
    )
    other = PEOPLE["resident by postcode"]()
    assert support_add(user=other, proposal=proposal).supports == 1


def test_someone_elsewhere_cannot_support_and_the_count_stays(settings):
    configure_city_id(settings)
    proposal = factories.ProposalFactory(consultation=consultation_at("residents"))
    with pytest.raises(NotAllowed) as refused:
        support_add(user=PEOPLE["identity elsewhere"](), proposal=proposal)
    assert refused.value.code == "residents_only"
    assert "75011 Paris" in refused.value.message and "69003" in refused.value.message
    proposal.refresh_from_db()
    assert proposal.supports_count == 0 and not Support.objects.exists()


def test_supports_given_before_the_level_rises_stay_count_and_can_be_withdrawn():
    consultation = consultation_at("email")
    proposal = factories.ProposalFactory(consultation=consultation)
    earlier, later = factories.citizen(), factories.citizen()
    support_add(user=earlier, proposal=proposal)
    ConsultationPage.objects.filter(pk=consultation.pk).update(participation_level="identity")
    proposal = Proposal.objects.select_related("consultation").get(pk=proposal.pk)

    with pytest.raises(NotAllowed):
        support_add(user=later, proposal=proposal)  # a new support is checked
    proposal.refresh_from_db()
    assert proposal.supports_count == 1 == Support.objects.filter(proposal=proposal).count()

    assert permissions.support_change_refusal(earlier, proposal) is None
    assert support_withdraw(user=earlier, proposal=proposal).supports == 0
    with pytest.raises(NotAllowed):
        support_add(user=earlier, proposal=proposal)  # and cannot be given again without an identity


def test_lowering_the_level_lets_people_in_at_once():
    consultation = consultation_at("identity")
    proposal = factories.ProposalFactory(consultation=consultation)
    ConsultationPage.objects.filter(pk=consultation.pk).update(participation_level="email")
    proposal = Proposal.objects.select_related("consultation").get(pk=proposal.pk)
    assert support_add(user=factories.citizen(), proposal=proposal).supports == 1
