"""allauth's pages (sign in, sign up, forgotten password, e-mail confirmation, sign out) in the site's
layout and words, in English and French: sentence-case labels, no allauth defaults ("Sign In", "Remember
Me:"), and errors as the site's other forms show them, summed up above the form with links to the fields."""

import re
from html import unescape
from uuid import uuid4

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth import get_user
from django.core import mail

from tests.support import factories
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.django_db

NB, NNB = "\u00a0", "\u202f"
ENGLISH = {"accept-language": "en"}
FRENCH = {"accept-language": "fr-FR,fr;q=0.9"}
# What allauth's own templates said: none of it may show.
ALLAUTH_DEFAULTS = ("Sign In", "Sign Up", "Remember Me", "Password (again)", "Signup", "Email address")


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """allauth's limits count in the shared cache, across runs: these pages are about words, not limits
    (tests/frontend/test_rate_limits.py has those)."""
    settings.ACCOUNT_RATE_LIMITS = False


def text_of(html: str) -> str:
    """What a reader sees of `html`, folding only ASCII whitespace (French no-break spaces are under test)."""
    html = re.sub(r"</?(?:span|a|strong|em|b|time|code)\b[^>]*>", "", html)
    return re.sub(r"[ \t\n\r]+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def main_text(response) -> str:
    """The text of <main> (the header has its own "Sign in" link)."""
    return text_of(re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0))


def labels(response) -> dict[str, str]:
    found = re.findall(r'<label for="id_(\w+)">([^<]*)</label>', response.content.decode())
    return {field: label.strip() for field, label in found}


def in_site_layout(response, title: str) -> None:
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<title>{title} · cocreate</title>" in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert 'placeholder="' not in re.search(r"<main.*?</main>", html, re.S).group(0)
    for default in ALLAUTH_DEFAULTS:
        assert default not in main_text(response), default


@pytest.mark.parametrize(
    ("headers", "texts"),
    [
        (
            ENGLISH,
            {
                "title": "Sign in",
                "labels": {
                    "login": "E-mail address",
                    "password": "Password",
                    "remember": "Keep me signed in on this device",
                },
                "invite": "No account yet? Create an account: an e-mail address and a password are all it "
                "takes.",
                "forgot": "Forgotten your password?",
            },
        ),
        (
            FRENCH,
            {
                "title": "Se connecter",
                "labels": {
                    "login": "Adresse e-mail",
                    "password": "Mot de passe",
                    "remember": "Garder la session ouverte sur cet appareil",
                },
                "invite": f"Pas encore de compte{NNB}? Créez-en un{NB}: une adresse e-mail et un mot de "
                "passe suffisent.",
                "forgot": f"Mot de passe oublié{NNB}?",
            },
        ),
    ],
)
def test_the_sign_in_page_is_the_site_s(client, headers, texts):
    response = client.get("/accounts/login/?next=/account/", headers=headers)
    html = response.content.decode()

    in_site_layout(response, texts["title"])
    assert f"<h1>{texts['title']}</h1>" in html
    assert labels(response) == texts["labels"]
    assert texts["invite"] in main_text(response)
    assert f'<a href="/accounts/password/reset/">{texts["forgot"]}</a>' in html
    # The password is described by the way back to it; the box comes before its label.
    assert 'aria-describedby="id_password_helptext"' in html and 'id="id_password_helptext"' in html
    assert re.search(
        r'<input type="checkbox" name="remember" id="id_remember">\s*<label for="id_remember">', html
    )
    assert '<input type="hidden" name="next" value="/account/">' in html


@pytest.mark.parametrize(
    ("headers", "summary", "wrong"),
    [
        (
            ENGLISH,
            "Please correct the following",
            "The email address and/or password you specified are not correct.",
        ),
        (
            FRENCH,
            "Veuillez corriger les points suivants",
            "L’adresse e-mail ou le mot de passe sont incorrects.",
        ),
    ],
)
def test_a_wrong_password_is_said_in_the_error_summary(client, headers, summary, wrong):
    citizen = factories.citizen()

    response = client.post(
        "/accounts/login/", {"login": citizen.email, "password": "not it"}, headers=headers
    )

    assert response.status_code == 200 and not get_user(client).is_authenticated
    html = response.content.decode()
    box = re.search(r'<div class="error-summary" role="alert"[^>]*autofocus>(.*?)</div>', html, re.S).group(1)
    assert f'<h2 id="error-summary-title">{summary}</h2>' in box
    assert wrong in text_of(box)


def test_signing_in_goes_where_the_visitor_was_going(client):
    citizen = factories.citizen()

    response = client.post(
        "/accounts/login/", {"login": citizen.email, "password": PASSWORD, "next": "/account/"}
    )

    assert response.status_code == 302 and response["Location"] == "/account/"
    assert get_user(client) == citizen


@pytest.mark.parametrize(
    ("headers", "title", "expected", "button", "again_error"),
    [
        (
            ENGLISH,
            "Create an account",
            {"email": "E-mail address", "password1": "Password", "password2": "The password again"},
            "Create the account",
            "The password again: You must type the same password each time.",
        ),
        (
            FRENCH,
            "Créer un compte",
            {
                "email": "Adresse e-mail",
                "password1": "Mot de passe",
                "password2": "Le mot de passe, à nouveau",
            },
            "Créer le compte",
            f"Le mot de passe, à nouveau{NB}: Vous devez saisir deux fois le même mot de passe.",
        ),
    ],
)
def test_the_sign_up_page_and_its_errors(client, headers, title, expected, button, again_error):
    response = client.get("/accounts/signup/", headers=headers)
    in_site_layout(response, title)
    assert labels(response) == expected
    assert (
        f'<button type="submit" class="button button--large">{button}</button>' in response.content.decode()
    )

    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "password1": "a long passphrase 42", "password2": "another one 42"},
        headers=headers,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(rf'<a href="#id_password2">{re.escape(again_error)}</a>', html), html
    assert re.search(r'<input type="password" name="password2"[^>]*aria-invalid="true"', html)
    assert 'aria-describedby="id_password2_error"' in html and 'id="id_password2_error"' in html


def test_signing_up_creates_the_account_and_sends_the_confirmation(
    client, django_capture_on_commit_callbacks, fresh_allauth_limits
):
    address = f"new-{uuid4().hex[:8]}@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "email": address,
                "password1": "a long passphrase 42",
                "password2": "a long passphrase 42",
            },
        )

    assert response.status_code == 302
    assert get_user(client).email == address
    assert [m.to for m in mail.outbox] == [[address]]


@pytest.mark.parametrize(
    ("headers", "title", "label", "done"),
    [
        (ENGLISH, "Forgotten password", "E-mail address", "Check your e-mail"),
        (FRENCH, "Mot de passe oublié", "Adresse e-mail", "Consultez vos e-mails"),
    ],
)
def test_asking_for_a_new_password(client, headers, title, label, done):
    citizen = factories.citizen()
    response = client.get("/accounts/password/reset/", headers=headers)
    in_site_layout(response, title)
    assert labels(response) == {"email": label}

    response = client.post(
        "/accounts/password/reset/", {"email": citizen.email}, headers=headers, follow=True
    )

    in_site_layout(response, done)
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("headers", "title", "expected", "broken", "changed"),
    [
        (
            ENGLISH,
            "Choose a new password",
            {"password1": "New password", "password2": "The new password again"},
            "This link no longer works",
            "Your password is changed",
        ),
        (
            FRENCH,
            "Choisissez un nouveau mot de passe",
            {"password1": "Nouveau mot de passe", "password2": "Le nouveau mot de passe, à nouveau"},
            "Ce lien ne fonctionne plus",
            "Votre mot de passe est changé",
        ),
    ],
)
def test_choosing_the_new_password_from_the_link(client, headers, title, expected, broken, changed):
    citizen = factories.citizen()
    uid, key = user_pk_to_url_str(citizen), default_token_generator.make_token(citizen)

    response = client.get(f"/accounts/password/reset/key/{uid}-{key}/", headers=headers, follow=True)
    in_site_layout(response, title)
    assert labels(response) == expected
    new = "a brand new passphrase 7"
    response = client.post(
        response.redirect_chain[-1][0], {"password1": new, "password2": new}, headers=headers, follow=True
    )
    in_site_layout(response, changed)
    citizen.refresh_from_db()
    assert citizen.check_password(new)

    response = client.get(f"/accounts/password/reset/key/{uid}-{key}/", headers=headers, follow=True)
    in_site_layout(response, broken)


@pytest.mark.parametrize(
    ("headers", "title", "question", "button", "expired"),
    [
        (
            ENGLISH,
            "Confirm your e-mail address",
            "Is {email} your address? Confirm it to submit and support proposals.",
            "Confirm the address",
            "This confirmation link has expired or is not valid. Ask for a new confirmation e-mail.",
        ),
        (
            FRENCH,
            "Confirmez votre adresse e-mail",
            f"{{email}} est-elle bien votre adresse{NNB}? Confirmez-la pour déposer et soutenir des "
            "propositions.",
            "Confirmer l’adresse",
            "Ce lien de confirmation a expiré ou n’est pas valide. Demandez un nouvel e-mail de "
            "confirmation.",
        ),
    ],
)
def test_confirming_an_e_mail_address(client, headers, title, question, button, expired):
    citizen = factories.unverified_citizen()
    address = EmailAddress.objects.get(user=citizen)
    url = f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/"

    response = client.get(url, headers=headers)
    in_site_layout(response, title)
    assert question.format(email=citizen.email) in main_text(response)
    assert (
        f'<button type="submit" class="button button--large">{button}</button>' in response.content.decode()
    )
    client.post(url, headers=headers)
    address.refresh_from_db()
    assert address.verified

    in_site_layout(client.get("/accounts/confirm-email/not-a-key/", headers=headers), title)
    assert expired in main_text(client.get("/accounts/confirm-email/not-a-key/", headers=headers))


@pytest.mark.parametrize(
    ("headers", "title", "question"),
    [
        (ENGLISH, "Sign out", "Do you want to sign out on this device?"),
        (FRENCH, "Se déconnecter", f"Voulez-vous vous déconnecter sur cet appareil{NNB}?"),
    ],
)
def test_signing_out(client, headers, title, question):
    client.force_login(factories.citizen())

    response = client.get("/accounts/logout/", headers=headers)
    in_site_layout(response, title)
    assert question in main_text(response)
    client.post("/accounts/logout/", headers=headers)

    assert not get_user(client).is_authenticated
