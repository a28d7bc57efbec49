"""The password-reset request's proof of work (cocreate/accounts/proof.py, the sign-up's scheme), through the
real view: a solved challenge sends the link, a bad one is a form error with a new challenge, a request
without one (no JavaScript) still sends it under its own stricter limit per address; and the answer stays
the same whether or not an account has the address."""

import time

import pytest
from django.core import mail
from django.test import Client

from tests.support import factories
from tests.support.pages import visible_text
from tests.support.proof import page_challenge, payload, spoiled

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_allauth_limits")]

RESET = "/accounts/password/reset/"
DONE = "/accounts/password/reset/done/"
REFUSED = "The automatic check of your browser did not pass"
FRENCH = {"Accept-Language": "fr"}


def ask(client: Client, email: str, proof: str | None = None, headers=None):
    data = {"email": email} if proof is None else {"email": email, "proof": proof}
    return client.post(RESET, data, headers=headers)


def reset_links(email: str) -> list[str]:
    return [m for m in mail.outbox if m.to == [email] and "/accounts/password/reset/key/" in m.body]


def test_the_page_carries_a_fresh_challenge_and_a_status_line(client, quick_proof):
    first, second = page_challenge(client, RESET), page_challenge(client, RESET)

    assert first["maxnumber"] == 2000 and first["challenge"] != second["challenge"]
    html = client.get(RESET).content.decode()
    assert 'role="status" aria-live="polite" data-role="proof-status"' in html
    assert 'data-failed="Your browser could not finish the check; you can still send the form."' in html
    assert "frontend/proof.js" in html


def test_the_status_words_are_french_in_french(client):
    html = client.get(RESET, headers=FRENCH).content.decode()
    assert 'data-checking="Vérification de votre navigateur…"' in html
    assert 'data-failed="Votre navigateur n’a pas pu terminer la vérification\u00a0; vous' in html


def test_a_solved_challenge_sends_the_link_even_past_the_limit_without_proof(
    client, quick_proof, strict_without_proof
):
    citizen = factories.citizen()
    assert ask(Client(), "someone@example.org").url == DONE  # the one request without proof this hour

    response = ask(client, citizen.email, payload(page_challenge(client, RESET)))

    assert response.status_code == 302 and response.url == DONE
    assert len(reset_links(citizen.email)) == 1


@pytest.mark.parametrize("spoil", ["wrong", "tampered", "replayed"])
def test_a_bad_proof_is_a_form_error_with_a_new_challenge_and_no_mail(client, quick_proof, spoil):
    citizen = factories.citizen()
    challenge = page_challenge(client, RESET)
    proof = spoiled(challenge, spoil)
    if spoil == "replayed":
        assert ask(Client(), "someone@example.org", proof).url == DONE
    mail.outbox.clear()

    response = ask(client, citizen.email, proof)

    assert response.status_code == 200
    assert REFUSED in visible_text(response)
    assert mail.outbox == []
    assert page_challenge(client, RESET)["challenge"] != challenge["challenge"]


def test_an_expired_proof_is_refused_in_french(client, quick_proof, monkeypatch):
    citizen = factories.citizen()
    proof = payload(page_challenge(client, RESET))
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)

    response = ask(client, citizen.email, proof, headers=FRENCH)

    assert "La vérification automatique de votre navigateur n’a pas abouti" in visible_text(response)
    assert mail.outbox == []


@pytest.mark.parametrize("proof", ["solved", "spoiled", "none"])
def test_the_answer_is_the_same_whether_or_not_the_account_exists(client, quick_proof, proof):
    citizen = factories.citizen()
    answers = []
    for email in (citizen.email, "nobody-here@example.org"):
        challenge = page_challenge(client, RESET)
        sent = {"solved": payload(challenge), "spoiled": payload(challenge, signature="0" * 64), "none": None}
        response = ask(client, email, sent[proof])
        answers.append((response.status_code, response.get("Location"), visible_text(response)))

    assert answers[0] == answers[1]
    assert len(reset_links(citizen.email)) == (0 if proof == "spoiled" else 1)


def test_without_javascript_the_link_is_still_sent(client):
    citizen = factories.citizen()

    response = ask(client, citizen.email)

    assert response.status_code == 302 and response.url == DONE
    assert len(reset_links(citizen.email)) == 1


def test_past_its_own_limit_without_proof_the_form_says_why(client, strict_without_proof):
    citizen = factories.citizen()
    assert ask(Client(), "someone@example.org").url == DONE
    mail.outbox.clear()

    response = ask(client, citizen.email)
    french = ask(client, citizen.email, headers=FRENCH)

    assert response.status_code == 200
    assert "many links were asked for from your connection" in visible_text(response)
    assert "beaucoup de liens ont été demandés depuis votre connexion" in visible_text(french)
    assert mail.outbox == []


def test_its_limit_is_its_own_not_the_sign_up_one(client, strict_without_proof):
    citizen = factories.citizen()
    sign_up = {"email": "new@example.org", "password1": factories.PASSWORD, "password2": factories.PASSWORD}
    assert Client().post("/accounts/signup/", sign_up).status_code == 302  # the sign-up's one, spent

    assert ask(client, citizen.email).url == DONE
    assert ask(client, citizen.email).status_code == 200
