"""A password-reset request finds the account by the canonical form of the address typed
(cocreate/accounts/unique_email.py), as sign-up already compares it: someone who signed up as
"J.Doe+x@gmail.com" and types "jdoe@gmail.com" gets the link, at the account's own address; an address
that is not the same mailbox gets none, and the page answers alike in every case."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.support import factories
from tests.support.pages import visible_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_allauth_limits")]

RESET = "/accounts/password/reset/"
DONE = "/accounts/password/reset/done/"
SIGNED_UP_AS = "j.doe+x@gmail.com"  # "J.Doe+x@gmail.com" at sign-up: allauth keeps addresses lower-cased


def ask(email: str):
    """The request as a browser without JavaScript sends it (no proof: under its own limit)."""
    client = Client()
    response = client.post(RESET, {"email": email})
    return response, client


def reset_mails() -> list:
    return [m for m in mail.outbox if "/accounts/password/reset/key/" in m.body]


def test_the_canonical_twin_of_the_address_gets_the_link_at_the_accounts_own_address():
    citizen = factories.citizen(email=SIGNED_UP_AS)

    response, _client = ask("jdoe@gmail.com")

    assert response.status_code == 302 and response.url == DONE
    [sent] = reset_mails()
    assert sent.to == [SIGNED_UP_AS]  # never the address typed

    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", sent.body)[1]
    browser = Client()
    form = browser.get(link, follow=True).redirect_chain[-1][0]
    done = browser.post(form, {"password1": "a new long passphrase", "password2": "a new long passphrase"})
    assert done.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password("a new long passphrase")


@pytest.mark.parametrize(
    "typed",
    [
        "jdoe2@gmail.com",  # another Gmail mailbox
        "jdoe@example.org",  # another domain
        "jdoe@outlook.com",  # another provider, whose rule differs
    ],
)
def test_an_address_that_is_not_the_same_mailbox_gets_no_link(typed):
    factories.citizen(email=SIGNED_UP_AS)
    factories.citizen(email="j.doe@example.org")  # dots count outside the listed providers

    response, _client = ask(typed)

    assert response.url == DONE
    assert reset_mails() == []


def test_an_inactive_accounts_twin_gets_no_link():
    factories.citizen(email=SIGNED_UP_AS, is_active=False)
    ask("jdoe@gmail.com")
    assert reset_mails() == []


def test_the_answer_is_the_same_for_the_exact_address_its_twin_and_an_unknown_one():
    factories.citizen(email=SIGNED_UP_AS)
    answers = []
    for typed in (SIGNED_UP_AS, "jdoe@gmail.com", "nobody-here@example.org"):
        response, client = ask(typed)
        page = client.get(response.url)
        answers.append((response.status_code, response.url, visible_text(page)))

    assert answers[0] == answers[1] == answers[2]
    assert [m.to for m in reset_mails()] == [[SIGNED_UP_AS], [SIGNED_UP_AS]]
