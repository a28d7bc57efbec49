"""The owner of an account is e-mailed each change to how they sign in (ACCOUNT_EMAIL_NOTIFICATIONS): a
password changed, an authenticator app set up. In the site's words, with where the change came from, and
in the person's own language, whatever the language of the request that made it."""

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from tests.support import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_allauth_limits")]

CHANGE = "/accounts/password/change/"
SET_UP = "/accounts/2fa/totp/activate/"
NEW_PASSWORD = "a-much-Longer-passphrase-42"


def to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def change_password(user, *, browser_language: str = "en"):
    client = Client(headers={"accept-language": browser_language})
    client.force_login(user)
    response = client.post(
        CHANGE, {"oldpassword": factories.PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    return response


def test_changing_the_password_tells_the_owner_in_the_sites_words():
    citizen = factories.citizen(display_name="Camille")
    mail.outbox.clear()

    change_password(citizen)

    (message,) = to(citizen)
    assert message.subject == "Password Changed"  # as the site's other e-mails: no "[host] " before it
    body = message.body
    assert body.startswith("Hello Camille,")
    assert "This change was made to how you sign in to your cocreate account:" in body
    assert "Your password has been changed." in body
    assert "from the IP address 127.0.0.1" in body
    assert "/accounts/password/reset/" in body and "/account/" in body
    assert "Hello from" not in body  # allauth's own wording is replaced


def test_a_failed_change_tells_nobody():
    citizen = factories.citizen()
    client = Client()
    client.force_login(citizen)
    mail.outbox.clear()

    client.post(CHANGE, {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert to(citizen) == []


@pytest.mark.parametrize(
    ("language", "browser", "said", "not_said"),
    [
        ("fr", "en", "Votre mot de passe a été modifié.", "Your password has been changed."),
        ("en", "fr", "Your password has been changed.", "Votre mot de passe a été modifié."),
    ],
)
def test_the_e_mail_is_in_the_owners_language_not_the_requests(language, browser, said, not_said):
    citizen = factories.citizen(language=language)
    mail.outbox.clear()

    change_password(citizen, browser_language=browser)

    (message,) = to(citizen)
    assert said in message.body and not_said not in message.body
    if language == "fr":
        assert message.subject == "Mot de passe modifié"
        assert "à votre compte cocreate\N{NO-BREAK SPACE}:" in message.body
        assert "Réinitialisez votre mot de passe\N{NO-BREAK SPACE}:" in message.body


def test_setting_up_an_authenticator_app_tells_the_owner(django_capture_on_commit_callbacks):
    citizen = factories.citizen()
    client = Client(headers={"accept-language": "fr"})  # signing in makes French the person's language
    client.post("/accounts/login/", {"login": citizen.email, "password": factories.PASSWORD})
    response = client.post(f"/accounts/reauthenticate/?next={SET_UP}", {"password": factories.PASSWORD})
    assert response["Location"] == SET_UP
    secret = client.get(SET_UP).context["form"].secret
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(SET_UP, {"code": factories.totp_code(secret)})

    assert Authenticator.objects.filter(user=citizen, type="totp").exists()
    (message,) = to(citizen)
    assert "Application d'authentification activée" in message.subject
    assert "Application d'authentification activée." in message.body
