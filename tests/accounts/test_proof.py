"""The sign-up's proof of work (cocreate/accounts/proof.py): a challenge is accepted solved, once, unexpired,
with our signature, and refused otherwise; through the real sign-up view, a proof makes the account, a bad
one is a form error with a new challenge, and a sign-up without one (no JavaScript) still works, under the
stricter limit per address."""

import base64
import hashlib
import json
import re
import time
from uuid import uuid4

import pytest
from django.test import Client

from cocreate.accounts.models import User
from cocreate.accounts.proof import ProofRefused, challenge_create, proof_verify
from tests.support.pages import visible_text
from tests.support.proof import page_challenge as challenge_on
from tests.support.proof import payload, solve, spoiled
from tests.support.servers import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_allauth_limits")]

PASSWORD = "a long pass phrase 42"  # noqa: S105
REFUSED = "The automatic check of your browser did not pass"
FRENCH = {"Accept-Language": "fr"}


def refusal(text: str) -> str:
    with pytest.raises(ProofRefused) as refused:
        proof_verify(payload=text)
    return refused.value.reason


# The scheme


def test_a_solved_challenge_is_accepted_once():
    proof = payload(challenge_create(max_number=2000))

    proof_verify(payload=proof)

    assert refusal(proof) == "replayed"


def test_a_wrong_number_is_refused_and_does_not_spend_the_challenge():
    challenge = challenge_create(max_number=2000)
    right = solve(challenge)

    assert refusal(payload(challenge, number=right + 1)) == "wrong"
    proof_verify(payload=payload(challenge, number=right))


def test_an_expired_challenge_is_refused(monkeypatch):
    challenge = challenge_create(max_number=2000, seconds=60)
    proof = payload(challenge)
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)

    assert refusal(proof) == "expired"


def test_a_challenge_not_signed_with_our_key_is_refused(settings):
    challenge = challenge_create(max_number=2000)
    settings.SECRET_KEY = "another-site"  # noqa: S105
    assert refusal(payload(challenge)) == "tampered"


def test_a_later_expiry_written_into_the_salt_is_refused():
    challenge = challenge_create(max_number=2000, seconds=60)
    number = solve(challenge)
    salt = re.sub(r"expires=\d+", f"expires={int(time.time()) + 86400}", challenge["salt"])

    # The signature covers the challenge, not the salt: the salt's change shows as a wrong hash.
    assert refusal(payload(challenge, number=number, salt=salt)) == "wrong"


def test_a_challenge_of_our_own_making_needs_our_signature():
    challenge = challenge_create(max_number=2000)
    salt = f"abc?expires={int(time.time()) + 60}"
    forged = hashlib.sha256(f"{salt}7".encode()).hexdigest()

    assert refusal(payload(challenge, number=7, salt=salt, challenge=forged)) == "tampered"


@pytest.mark.parametrize(
    "text",
    [
        "not base64!",
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b"[]").decode(),
        base64.b64encode(json.dumps({"salt": "a"}).encode()).decode(),
    ],
)
def test_garbage_is_refused_as_malformed(text):
    assert refusal(text) == "malformed"


def test_another_algorithm_or_a_negative_number_is_malformed():
    challenge = challenge_create(max_number=2000)
    assert refusal(payload(challenge, algorithm="SHA-1")) == "malformed"
    assert refusal(payload(challenge, number=-1)) == "malformed"


# Through the sign-up form


def page_challenge(client: Client, headers=None) -> dict:
    return challenge_on(client, "/accounts/signup/", headers)


def sign_up(client: Client, proof: str | None = None, headers=None):
    data = {"email": f"new-{uuid4().hex[:8]}@example.org", "password1": PASSWORD, "password2": PASSWORD}
    if proof is not None:
        data["proof"] = proof
    return client.post("/accounts/signup/", data, headers=headers)


def test_the_page_carries_a_fresh_challenge_and_a_status_line(client, quick_proof):
    first, second = page_challenge(client), page_challenge(client)

    assert first["maxnumber"] == 2000 and first["challenge"] != second["challenge"]
    html = client.get("/accounts/signup/").content.decode()
    assert 'role="status" aria-live="polite" data-role="proof-status"' in html
    assert 'data-checking="Checking your browser…"' in html


def test_the_status_words_are_french_in_french(client):
    html = client.get("/accounts/signup/", headers=FRENCH).content.decode()
    assert 'data-checking="Vérification de votre navigateur…"' in html
    assert 'data-ready="C’est prêt\u00a0: votre navigateur a passé la vérification."' in html


def test_a_solved_challenge_makes_the_account_even_past_the_limit_without_proof(
    client, quick_proof, strict_without_proof
):
    assert sign_up(Client()).status_code == 302  # the one sign-up without proof this hour

    response = sign_up(client, payload(page_challenge(client)))

    assert response.status_code == 302
    assert User.objects.count() == 2


@pytest.mark.parametrize("spoil", ["wrong", "tampered", "replayed"])
def test_a_bad_proof_is_a_form_error_with_a_new_challenge(client, quick_proof, spoil):
    challenge = page_challenge(client)
    proof = spoiled(challenge, spoil)
    if spoil == "replayed":
        assert sign_up(Client(), proof).status_code == 302

    response = sign_up(client, proof)

    assert response.status_code == 200
    assert REFUSED in visible_text(response)
    assert User.objects.count() == (1 if spoil == "replayed" else 0)
    assert page_challenge(client)["challenge"] != challenge["challenge"]


def test_an_expired_proof_is_refused_in_french(client, quick_proof, monkeypatch):
    proof = payload(page_challenge(client))
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)

    response = sign_up(client, proof, headers=FRENCH)

    assert "La vérification automatique de votre navigateur n’a pas abouti" in visible_text(response)
    assert not User.objects.exists()


def test_without_javascript_a_citizen_still_signs_up(client):
    response = sign_up(client)

    assert response.status_code == 302
    assert User.objects.count() == 1


def test_past_the_limit_without_proof_the_form_says_why(client, strict_without_proof):
    assert sign_up(Client()).status_code == 302

    response = sign_up(client)
    french = sign_up(client, headers=FRENCH)

    assert response.status_code == 200
    assert "it needs JavaScript" in visible_text(response)
    assert "il faut JavaScript" in visible_text(french)
    assert User.objects.count() == 1


def test_a_form_with_other_errors_spends_neither_the_proof_nor_the_limit(
    client, quick_proof, strict_without_proof
):
    proof = payload(page_challenge(client))
    mismatch = {"email": "ada@example.org", "password1": PASSWORD, "password2": "other"}
    client.post("/accounts/signup/", mismatch | {"proof": proof})
    client.post("/accounts/signup/", mismatch)

    assert sign_up(client, proof).status_code == 302
    assert sign_up(client).status_code == 302


# Redis away (cocreate/cache.py): the spent proofs and allauth's limits are kept in the worker meanwhile


@pytest.fixture
def redis_away(settings):
    """Every cache on a Redis port nobody listens on, with the site's own backend and options."""
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    if "cocreate.cache" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("the cache is not on Redis (no REDIS_URL)")
    settings.CACHES = {alias: {**cache, "LOCATION": nowhere} for alias, cache in settings.CACHES.items()}


def test_while_redis_is_away_sign_ups_go_on_a_proof_is_spent_once_and_the_limit_holds(
    client, quick_proof, strict_without_proof, redis_away
):
    proof = payload(page_challenge(client))

    assert sign_up(Client(), proof).status_code == 302
    replayed = sign_up(client, proof)
    assert sign_up(Client()).status_code == 302  # the one sign-up without proof this hour
    over_the_limit = sign_up(Client())

    assert REFUSED in visible_text(replayed)
    assert "it needs JavaScript" in visible_text(over_the_limit)
    assert User.objects.count() == 2
