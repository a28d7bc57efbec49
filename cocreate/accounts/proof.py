"""A proof of work on anonymous forms (sign-up): ALTCHA's challenge scheme, served and checked here, solved by
the visitor's browser (frontend/static/frontend/proof.js), with no third party and no cookie.

The server picks a random salt that carries its expiry (`<hex>?expires=<unix time>`) and a secret number up
to PROOF_OF_WORK_MAX_NUMBER, and sends `challenge = SHA-256(salt + number)` with an HMAC of the challenge
(a key derived from SECRET_KEY). The browser tries numbers until one hashes to the challenge (half the range
on average) and sends back the salt, challenge, number and signature, base64-encoded JSON as ALTCHA's widget
does. Nothing is stored when a challenge is issued: the signature proves it is ours, and the expiry is bound
to the challenge because changing the salt changes the hash. A solved challenge is spent once: its
signature is kept in the cache (Redis in production) until it expires.

Written here rather than taken from the `altcha` package: the scheme is these few lines, and this way its key
is derived from SECRET_KEY like Django's own signatures, with no dependency to keep up with.
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import parse_qs

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

ALGORITHM = "SHA-256"
_KEY_SALT = "cocreate.accounts.proof"
_SPENT_PREFIX = "proof-spent:"


class ProofRefused(Exception):
    """A proof that does not hold: `reason` is malformed, tampered, expired, wrong or replayed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _sign(challenge: str) -> str:
    return salted_hmac(_KEY_SALT, challenge, algorithm="sha256").hexdigest()


def _hash(salt: str, number: int) -> str:
    return hashlib.sha256(f"{salt}{number}".encode()).hexdigest()


def challenge_create(*, max_number: int | None = None, seconds: int | None = None) -> dict:
    """A new challenge for the browser, as ALTCHA's widget reads it."""
    max_number = max_number or settings.PROOF_OF_WORK_MAX_NUMBER
    expires = int(time.time()) + (seconds or settings.PROOF_OF_WORK_SECONDS)
    salt = f"{secrets.token_hex(12)}?expires={expires}"
    challenge = _hash(salt, secrets.randbelow(max_number + 1))
    return {
        "algorithm": ALGORITHM,
        "challenge": challenge,
        "maxnumber": max_number,
        "salt": salt,
        "signature": _sign(challenge),
    }


def _decode(payload: str) -> tuple[str, str, int, str]:
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
        salt, challenge, number, signature = (
            data["salt"],
            data["challenge"],
            data["number"],
            data["signature"],
        )
        algorithm = data.get("algorithm", ALGORITHM)
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError) as error:
        raise ProofRefused("malformed") from error
    if algorithm != ALGORITHM or not all(isinstance(v, str) for v in (salt, challenge, signature)):
        raise ProofRefused("malformed")
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise ProofRefused("malformed")
    return salt, challenge, number, signature


def _expiry(salt: str) -> int:
    try:
        return int(parse_qs(salt.partition("?")[2])["expires"][0])
    except (KeyError, ValueError) as error:
        raise ProofRefused("malformed") from error


def proof_verify(*, payload: str) -> None:
    """Accepts a solved challenge once, or raises ProofRefused. Spends it: the same payload is refused
    afterwards until its expiry (and by the expiry check after)."""
    salt, challenge, number, signature = _decode(payload)
    if not hmac.compare_digest(_sign(challenge), signature):
        raise ProofRefused("tampered")
    expires = _expiry(salt)
    now = int(time.time())
    if expires <= now:
        raise ProofRefused("expired")
    if not hmac.compare_digest(_hash(salt, number), challenge):
        raise ProofRefused("wrong")
    # `add` is atomic in Redis (SET NX): of two requests racing with one proof, one wins. While Redis does not
    # answer, the default cache keeps the spent proofs in the worker's memory (cocreate/cache.py): a proof can
    # then be spent once in each worker and once more in Redis when it is back, within its expiry, and
    # sign-ups go on. Refusing every proof instead would shut sign-ups for the outage; a proof is work asked
    # of scripts, not an identity, and allauth's per-address sign-up limits hold per worker likewise.
    if not cache.add(_SPENT_PREFIX + signature, 1, timeout=expires - now + 1):
        raise ProofRefused("replayed")
