"""The pages say, before anyone tries, what a consultation asks to support and submit and how to get it:
the consultation page, the proposal page and the submission page, for visitors, citizens without the
identity it asks and citizens who have it; someone who supported before the level rose can still withdraw."""

import pytest
from django.test import Client
from django.urls import reverse

from cms.models import ConsultationPage
from proposals.models import Proposal
from tests.support import factories
from tests.support.identity import configure_city_id, with_identity
from tests.support.pages import visible_text
from votes.models import Support
from votes.services import support_add

pytestmark = pytest.mark.django_db

IDENTITY = "Supporting and submitting proposals in this consultation need a verified identity."
RESIDENTS = "Only residents of 69003, Villeurbanne may support and submit proposals in this consultation."
SIGN_IN_FORM = 'action="/accounts/oidc/city-id/login/'


@pytest.fixture(autouse=True)
def city_id(settings):
    configure_city_id(settings)


def client_for(user=None, **headers) -> Client:
    client = Client(headers=headers)
    if user is not None:
        client.force_login(user)
    return client


def consultation_at(level: str) -> ConsultationPage:
    areas = "69003\nVilleurbanne" if level == "residents" else ""
    return factories.consultation(participation_level=level, participation_areas=areas)


def submit_url(consultation) -> str:
    return reverse("proposal_submit", args=[consultation.pk])


def test_a_visitor_reads_the_requirement_and_where_to_get_it():
    consultation = consultation_at("identity")
    factories.ProposalFactory(consultation=consultation)
    response = client_for().get(consultation.url)
    text = visible_text(response)
    assert IDENTITY in text and "Sign in with City ID: it confirms who you are." in text
    assert SIGN_IN_FORM not in response.content.decode()  # the visitor's shared page holds no form token


def test_a_citizen_without_an_identity_gets_the_sign_in_button_and_no_controls():
    consultation = consultation_at("residents")
    factories.ProposalFactory(consultation=consultation)
    response = client_for(factories.citizen()).get(consultation.url)
    html, text = response.content.decode(), visible_text(response)
    assert RESIDENTS in text and "it confirms who you are and where you live" in text
    assert SIGN_IN_FORM in html and "Sign in with City ID" in text
    assert "Submit a proposal" not in text
    assert "data-support-form" not in html
    assert "Only the consultation’s residents may support proposals: how to take part" in text


def test_a_resident_is_told_they_meet_it_and_gets_the_controls():
    consultation = consultation_at("residents")
    factories.ProposalFactory(consultation=consultation)
    resident = with_identity(factories.citizen(), locality="Villeurbanne")
    response = client_for(resident).get(consultation.url)
    text = visible_text(response)
    assert RESIDENTS in text and "Your verified identity meets this requirement." in text
    assert "Submit a proposal" in text and "data-support-form" in response.content.decode()
    assert SIGN_IN_FORM not in response.content.decode()


def test_someone_elsewhere_reads_why_not():
    consultation = consultation_at("residents")
    elsewhere = with_identity(factories.citizen(), postal_code="75011", locality="Paris")
    text = visible_text(client_for(elsewhere).get(consultation.url))
    assert "The address your identity service confirmed (75011 Paris) is not in these areas." in text


def test_a_consultation_that_asks_an_address_only_says_nothing_more():
    consultation = consultation_at("email")
    text = visible_text(client_for(factories.citizen()).get(consultation.url))
    assert "verified identity" not in text and "Submit a proposal" in text


def test_the_submission_page_refuses_and_explains_and_a_post_writes_nothing():
    consultation = consultation_at("identity")
    client = client_for(factories.citizen())
    response = client.get(submit_url(consultation))
    assert response.status_code == 403
    assert IDENTITY in visible_text(response) and SIGN_IN_FORM in response.content.decode()
    posted = client.post(submit_url(consultation), {"title": "T", "summary": "S", "body": "B"})
    assert posted.status_code == 403 and not Proposal.objects.exists()


def test_the_submission_page_lets_in_whoever_has_an_identity():
    consultation = consultation_at("identity")
    client = client_for(with_identity(factories.citizen()))
    assert client.get(submit_url(consultation)).status_code == 200


def test_an_earlier_supporter_can_still_withdraw_after_the_level_rose():
    consultation = consultation_at("email")
    proposal = factories.ProposalFactory(consultation=consultation)
    earlier = factories.citizen()
    support_add(user=earlier, proposal=proposal)
    ConsultationPage.objects.filter(pk=consultation.pk).update(participation_level="identity")
    client = client_for(earlier)
    page = client.get(reverse("proposal_detail", args=[proposal.pk]))
    assert "Withdraw support" in visible_text(page) and IDENTITY in visible_text(page)

    client.post(reverse("proposal_support_withdraw", args=[proposal.pk]))
    assert not Support.objects.exists()
    page = client.get(reverse("proposal_detail", args=[proposal.pk]))
    text = visible_text(page)
    assert "Supporting proposals here needs a verified identity: how to take part" in text
    assert "data-support-form" not in page.content.decode()
    client.post(reverse("proposal_support", args=[proposal.pk]))  # refused, with the reason
    assert not Support.objects.exists()


def test_the_requirement_is_in_french_for_a_french_reader():
    consultation = consultation_at("residents")
    text = visible_text(client_for(factories.citizen(), **{"accept-language": "fr"}).get(consultation.url))
    assert "Seuls les habitants de 69003, Villeurbanne peuvent soutenir et déposer des propositions" in text
    assert "Se connecter avec City ID" in text
