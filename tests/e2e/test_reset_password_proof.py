"""The password-reset request's proof of work in a real browser: the page solves the server's challenge under
the strict content-security policy, says so (in French too), and sends the proof with the request; without
JavaScript the same form still asks for the link."""

import pytest
from playwright.sync_api import expect

from tests.support import factories
from tests.support.browser import csp_violations
from tests.support.proof import posts, proof_status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_allauth_limits"),
]

RESET = "/accounts/password/reset/"
DONE = "/accounts/password/reset/done/"


def test_the_browser_solves_the_challenge_and_asks_for_the_link(page, asgi_server):
    citizen = factories.citizen()
    blocked, sent = csp_violations(page), posts(page)
    elsewhere: list[str] = []
    page.on(
        "request", lambda r: elsewhere.append(r.url) if not r.url.startswith(asgi_server.base_url) else None
    )
    page.goto(RESET)
    expect(proof_status(page)).to_have_text("Ready: your browser passed the check.")

    page.get_by_label("E-mail address").fill(citizen.email)
    page.get_by_role("button", name="Send the link").click()

    page.wait_for_url(f"**{DONE}")
    assert len(sent) == 1 and "proof=ey" in sent[0]  # base64 of '{"...'
    assert blocked == [] and elsewhere == []


def test_a_request_sent_before_the_answer_waits_for_it(page):
    sent = posts(page)
    page.goto(RESET)
    page.get_by_label("E-mail address").fill("nobody-here@example.org")
    page.get_by_role("button", name="Send the link").click()

    page.wait_for_url(f"**{DONE}")
    assert "proof=ey" in sent[0]


def test_the_status_is_said_in_french(new_page):
    page = new_page(language="fr")
    page.goto(RESET)
    expect(proof_status(page)).to_have_text("C’est prêt\u00a0: votre navigateur a passé la vérification.")


def test_without_javascript_the_form_still_asks_for_the_link(new_page):
    citizen = factories.citizen()
    page = new_page(java_script_enabled=False)
    sent = posts(page)
    page.goto(RESET)
    expect(proof_status(page)).to_have_text("")

    page.get_by_label("E-mail address").fill(citizen.email)
    page.get_by_role("button", name="Send the link").click()

    page.wait_for_url(f"**{DONE}")
    assert "proof=&" in sent[0] or sent[0].endswith("proof=")
