"""The account page: public name, e-mail addresses and the API token."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db

ACCOUNT = "/account/"


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(ACCOUNT)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={ACCOUNT}"


def test_shows_addresses_and_their_state(client_for, unverified):
    text = visible_text(client_for(unverified).get(ACCOUNT))

    assert unverified.email in text
    assert "Not confirmed yet" in text
    assert "confirm your address" in text

    verified = factories.citizen()
    text = visible_text(client_for(verified).get(ACCOUNT))
    assert "Verified" in text and "Not confirmed yet" not in text


def test_public_name_is_saved(client_for, citizen):
    response = client_for(citizen).post(ACCOUNT, {"display_name": "Sam <b>"}, follow=True)

    citizen.refresh_from_db()
    assert citizen.display_name == "Sam <b>"
    assert "Your public name is saved." in visible_text(response)
    assert "Sam &lt;b&gt;" in response.content.decode()


def test_token_is_shown_once_then_replaced_then_revoked(client_for, citizen):
    client = client_for(citizen)
    text = visible_text(client.get(ACCOUNT))
    assert "You have no token." in text
    assert "Authorization: Token <key>" in text

    response = client.post(reverse("account_token"), follow=True)

    key = Token.objects.get(user=citizen).key
    assert response.redirect_chain == [(f"{ACCOUNT}#api-token", 302)]
    assert 'id="api-token"' in response.content.decode()
    assert f'value="{key}"' in response.content.decode()
    assert "Copy it now" in visible_text(response)

    again = client.get(ACCOUNT)
    assert key not in again.content.decode()
    assert "You have a token" in visible_text(again)

    client.post(reverse("account_token"))
    assert Token.objects.get(user=citizen).key != key

    response = client.post(reverse("account_token_revoke"), follow=True)
    assert not Token.objects.filter(user=citizen).exists()
    assert "Your API token is revoked" in visible_text(response)


def test_token_forms_need_csrf(client_for, citizen):
    client = client_for(citizen, enforce_csrf_checks=True)

    assert client.post(reverse("account_token")).status_code == 403
    assert not Token.objects.exists()
