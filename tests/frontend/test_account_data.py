"""The account page's data section: download one's data, delete one's account (no JS needed)."""

import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.throttling import ScopedRateThrottle

from proposals.services import comment_post
from tests.support import factories
from tests.support.pages import visible_text
from votes.models import Support
from votes.services import support_add

pytestmark = pytest.mark.django_db

EXPORT, DELETE = "/account/export/", "/account/delete/"
PASSWORD = "correct horse battery staple"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(EXPORT).status_code == 302
    assert client.post(DELETE, {"password": PASSWORD}).status_code == 302


def test_the_account_page_offers_both(client_for, citizen):
    text = visible_text(client_for(citizen).get("/account/"))
    assert "Download your data" in text and "Delete your account" in text


def test_export_is_a_json_download_of_ones_own_data(client_for, citizen):
    other = factories.citizen()
    response = client_for(citizen).get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="cocreate-{citizen.username}-')
    data = json.loads(response.content)
    assert data["account"]["username"] == citizen.username
    assert other.username not in response.content.decode()


def test_export_is_rate_limited(client_for, citizen, monkeypatch):
    # DRF reads the rates when the throttle class is defined, so the class attribute is what to change.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"account_export": "1/hour"})
    client = client_for(citizen)

    assert client.get(EXPORT).status_code == 200
    refused = client.get(EXPORT)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def test_confirmation_page_says_what_happens(client_for, citizen):
    text = visible_text(client_for(citizen).get(DELETE))
    assert "a former member" in text and "cannot be undone" in text
    assert get_user_model().objects.filter(pk=citizen.pk).exists()  # GET deletes nothing


def test_wrong_password_is_a_form_error(client_for, citizen):
    response = client_for(citizen).post(DELETE, {"password": "wrong"})
    assert response.status_code == 400
    assert "The password is not right." in visible_text(response)
    assert 'aria-describedby="id_password_error"' in response.content.decode()
    assert get_user_model().objects.filter(pk=citizen.pk).exists()


def test_deleting_signs_out_and_the_proposal_page_shows_a_former_member(client_for, citizen, consultation):
    proposal = factories.ProposalFactory(author=citizen, consultation=consultation, title="Benches")
    comment_post(author=citizen, proposal=proposal, body="First comment")
    support_add(user=citizen, proposal=proposal)
    client = client_for(citizen)

    response = client.post(DELETE, {"password": PASSWORD}, follow=True)

    assert "Your account is deleted." in visible_text(response)
    assert not get_user_model().objects.filter(pk=citizen.pk).exists()
    assert client.get("/account/").status_code == 302  # signed out
    page = client.get(f"/proposals/{proposal.pk}/")
    assert page.status_code == 200
    text = visible_text(page)
    assert "Proposed by a former member" in text and "A former member" in text and "First comment" in text
    proposal.refresh_from_db()
    assert proposal.supports_count == Support.objects.filter(proposal=proposal).count() == 1


@pytest.mark.parametrize("make", ["moderator", "official"])
def test_role_holders_see_why_they_cannot(client_for, make, request):
    holder = request.getfixturevalue(make)
    client = client_for(holder)
    assert "Ask an administrator to remove your role first." in visible_text(client.get(DELETE))
    client.post(DELETE, {"password": PASSWORD})
    assert get_user_model().objects.filter(pk=holder.pk).exists()
