"""The sign-up's proof of work in a real browser: the worker solves the server's challenge under the strict
content-security policy (no violation, no request to anyone else), the status line says so, in French too,
and the form sends the proof; without JavaScript the same form still makes the account."""

import time
from uuid import uuid4

import pytest
from playwright.sync_api import Page, expect

from cocreate.accounts.models import User
from tests.support.browser import csp_violations
from tests.support.factories import PASSWORD
from tests.support.proof import posts, proof_status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_allauth_limits"),
]

SIGNUP = "/accounts/signup/"


def fill(page: Page, email: str, *, again: str = PASSWORD) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("The password again").fill(again)


def test_the_browser_solves_the_challenge_and_signs_up(page, asgi_server):
    blocked = csp_violations(page)
    sent = posts(page)
    elsewhere: list[str] = []
    page.on(
        "request", lambda r: elsewhere.append(r.url) if not r.url.startswith(asgi_server.base_url) else None
    )
    email = f"ada-{uuid4().hex[:8]}@example.org"

    started = time.monotonic()
    page.goto(SIGNUP)
    expect(proof_status(page)).to_have_text("Ready: your browser passed the check.")
    print(f"\nproof of work solved in {time.monotonic() - started:.2f} s (page load included)")
    fill(page, email)
    page.get_by_role("button", name="Create the account").click()

    page.wait_for_url(lambda url: SIGNUP not in url)
    assert User.objects.filter(email=email).exists()
    assert len(sent) == 1 and "proof=ey" in sent[0]  # base64 of '{"...'
    assert blocked == [] and elsewhere == []


def test_a_form_sent_before_the_answer_waits_for_it(page):
    sent = posts(page)
    email = f"grace-{uuid4().hex[:8]}@example.org"
    page.goto(SIGNUP)
    fill(page, email)

    page.get_by_role("button", name="Create the account").click()

    page.wait_for_url(lambda url: SIGNUP not in url)
    assert User.objects.filter(email=email).exists()
    assert "proof=ey" in sent[0]


def test_the_status_is_said_in_french(new_page):
    page = new_page(language="fr")
    page.goto(SIGNUP)
    expect(proof_status(page)).to_have_text("C’est prêt\u00a0: votre navigateur a passé la vérification.")


def test_a_form_error_brings_a_new_challenge_that_is_solved_again(page):
    sent = posts(page)
    email = f"alan-{uuid4().hex[:8]}@example.org"
    page.goto(SIGNUP)
    expect(proof_status(page)).to_have_text("Ready: your browser passed the check.")
    fill(page, email, again="not the same")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("alert")).to_contain_text("same password")

    expect(proof_status(page)).to_have_text("Ready: your browser passed the check.")
    fill(page, email)
    page.get_by_role("button", name="Create the account").click()

    page.wait_for_url(lambda url: SIGNUP not in url)
    assert User.objects.filter(email=email).exists()
    assert "proof=ey" in sent[1] and sent[1] != sent[0]


def test_without_javascript_the_form_still_makes_the_account(new_page):
    page = new_page(java_script_enabled=False)
    sent = posts(page)
    email = f"edsger-{uuid4().hex[:8]}@example.org"
    page.goto(SIGNUP)
    expect(proof_status(page)).to_have_text("")

    fill(page, email)
    page.get_by_role("button", name="Create the account").click()

    page.wait_for_url(lambda url: SIGNUP not in url)
    assert User.objects.filter(email=email).exists()
    assert "proof=&" in sent[0] or sent[0].endswith("proof=")
