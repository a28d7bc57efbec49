"""Supporting and withdrawing through the plain forms (no JavaScript)."""

import pytest
from django.urls import reverse

from proposals.models import Proposal
from tests.support import factories
from tests.support.pages import visible_text
from votes.models import Support

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(consultation):
    return factories.ProposalFactory(consultation=consultation, title="Pay within two weeks")


def support_url(proposal) -> str:
    return reverse("proposal_support", args=[proposal.pk])


def withdraw_url(proposal) -> str:
    return reverse("proposal_support_withdraw", args=[proposal.pk])


def count(proposal) -> int:
    return Proposal.objects.get(pk=proposal.pk).supports_count


def test_support_then_withdraw(client_for, citizen, proposal, consultation):
    client = client_for(citizen)

    response = client.post(support_url(proposal), {"next": consultation.url}, follow=True)

    assert response.redirect_chain == [(consultation.url, 302)]
    assert count(proposal) == 1
    text = visible_text(response)
    assert "You support “Pay within two weeks”." in text
    assert "Withdraw support “Pay within two weeks”" in text

    response = client.post(withdraw_url(proposal), follow=True)

    assert response.redirect_chain == [(proposal.get_absolute_url(), 302)]
    assert count(proposal) == 0
    text = visible_text(response)
    assert "You withdrew your support for “Pay within two weeks”." in text
    assert "Support “Pay within two weeks”" in text


def test_supporting_twice_counts_once(client_for, citizen, proposal):
    client = client_for(citizen)
    client.post(support_url(proposal))

    response = client.post(support_url(proposal), follow=True)

    assert count(proposal) == 1
    assert "You already support" in visible_text(response)


def test_csrf_is_enforced(client_for, citizen, proposal):
    client = client_for(citizen, enforce_csrf_checks=True)

    assert client.post(support_url(proposal)).status_code == 403
    assert count(proposal) == 0

    client.get(proposal.get_absolute_url())  # sets the CSRF cookie, as a browser would
    token = client.cookies["csrftoken"].value
    response = client.post(support_url(proposal), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert count(proposal) == 1


def test_anonymous_visitor_is_sent_to_sign_in_and_back(client, proposal, consultation):
    response = client.post(support_url(proposal), {"next": consultation.url})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={consultation.url}"
    assert count(proposal) == 0


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_next_outside_the_site_is_ignored(client_for, citizen, proposal, target):
    response = client_for(citizen).post(support_url(proposal), {"next": target})

    assert response["Location"] == proposal.get_absolute_url()
    assert count(proposal) == 1


def test_unverified_citizen_cannot_support(client_for, unverified, proposal):
    response = client_for(unverified).post(support_url(proposal), follow=True)

    assert count(proposal) == 0
    assert not Support.objects.exists()
    assert "Confirm your e-mail address before supporting proposals." in visible_text(response)


def test_closed_consultation_keeps_its_counts(client_for, citizen):
    proposal = factories.ProposalFactory(consultation=factories.consultation(open_now=False))

    response = client_for(citizen).post(support_url(proposal), follow=True)

    assert count(proposal) == 0
    assert "This consultation is closed" in visible_text(response)


def test_get_is_not_allowed(client_for, citizen, proposal):
    assert client_for(citizen).get(support_url(proposal)).status_code == 405
    assert count(proposal) == 0
