"""Submitting a proposal through the page, without JavaScript."""

import pytest
from django.urls import reverse

from cms.models import ModerationMode
from proposals.models import Proposal, Visibility
from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db

VALID = {"title": "A tracker for my claim", "summary": "Show each step.", "body": "It saves calls."}


def submit_url(page) -> str:
    return reverse("proposal_submit", args=[page.pk])


def test_anonymous_visitor_is_sent_to_sign_in(client, consultation):
    response = client.get(submit_url(consultation))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={submit_url(consultation)}"


def test_unverified_citizen_is_asked_to_confirm(client_for, unverified, consultation):
    response = client_for(unverified).post(submit_url(consultation), VALID)

    assert response.status_code == 200
    assert "Confirm your e-mail address" in visible_text(response)
    assert not Proposal.objects.exists()


def test_closed_consultation_takes_no_proposal(client_for, citizen):
    page = factories.consultation(open_now=False)

    response = client_for(citizen).post(submit_url(page), VALID)

    assert "This consultation is not open" in visible_text(response)
    assert not Proposal.objects.exists()


def test_form_ties_help_errors_and_counter_to_each_field(client_for, citizen, consultation):
    response = client_for(citizen).get(submit_url(consultation))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_title">Title</label>' in html
    assert 'aria-describedby="id_title_helptext id_title_counter"' in html
    assert 'id="id_title_counter" data-counter-for="id_title"' in html
    assert 'data-maxlength="140"' in html
    assert "Up to 140 characters." in visible_text(response)
    assert '<option value="' in html and "Online" in html  # the category choice
    assert "Category (optional)" in visible_text(response)
    assert "(optional) (optional)" not in visible_text(response)


def test_valid_submission_is_published_at_once(client_for, citizen, consultation):
    response = client_for(citizen).post(submit_url(consultation), VALID, follow=True)

    proposal = Proposal.objects.get()
    assert response.redirect_chain == [(proposal.get_absolute_url(), 302)]
    assert proposal.visibility == Visibility.PUBLISHED and proposal.author == citizen
    text = visible_text(response)
    assert "Thank you: your proposal is published." in text
    assert "A tracker for my claim" in text


def test_pre_moderated_submission_waits(client_for, citizen):
    page = factories.consultation(moderation=ModerationMode.PRE)

    response = client_for(citizen).post(submit_url(page), VALID, follow=True)

    assert Proposal.objects.get().visibility == Visibility.PENDING
    text = visible_text(response)
    assert "your proposal is waiting for moderation" in text
    assert "Waiting for moderation" in text  # the author's notice on the page


def test_invalid_submission_shows_errors_on_the_fields(client_for, citizen, consultation):
    data = {**VALID, "title": "x" * 141, "summary": ""}

    response = client_for(citizen).post(submit_url(consultation), data)

    assert response.status_code == 200
    assert not Proposal.objects.exists()
    html = response.content.decode()
    assert '<ul class="field__errors" id="id_title_error">' in html
    assert 'aria-describedby="id_title_helptext id_title_error id_title_counter"' in html
    assert 'aria-invalid="true"' in html
    assert "Please correct the following" in visible_text(response)
    assert 'href="#id_summary"' in html
    assert "x" * 141 in html  # what was typed is kept


def test_submission_needs_the_csrf_token(client_for, citizen, consultation):
    client = client_for(citizen, enforce_csrf_checks=True)

    assert client.post(submit_url(consultation), VALID).status_code == 403
    assert not Proposal.objects.exists()
