"""The browser's side of the proof of work (cocreate/accounts/proof.py), for tests of the forms that ask
for one: read the challenge off a page, solve it as frontend/proof-worker.js does, answer as proof.js does;
in a real browser, watch the status line and what the form sends."""

import base64
import hashlib
import json
import re
from html import unescape

from django.test import Client
from playwright.sync_api import Locator, Page


def solve(challenge: dict) -> int:
    """What the browser's worker does."""
    for number in range(challenge["maxnumber"] + 1):
        if hashlib.sha256(f"{challenge['salt']}{number}".encode()).hexdigest() == challenge["challenge"]:
            return number
    raise AssertionError("no solution")


def payload(issued: dict, number: int | None = None, **changes) -> str:
    answer = {
        "algorithm": issued["algorithm"],
        "challenge": issued["challenge"],
        "number": solve(issued) if number is None else number,
        "salt": issued["salt"],
        "signature": issued["signature"],
    } | changes
    return base64.b64encode(json.dumps(answer).encode()).decode()


def spoiled(issued: dict, how: str) -> str:
    """A proof that does not hold: a `wrong` number, or a `tampered` signature; otherwise a right one (to
    spend before sending it again, `replayed`)."""
    if how == "wrong":
        return payload(issued, number=solve(issued) + 1)
    if how == "tampered":
        return payload(issued, signature="0" * 64)
    return payload(issued)


def page_challenge(client: Client, path: str, headers=None) -> dict:
    """The challenge in the page's hidden `proof` field."""
    html = client.get(path, headers=headers).content.decode()
    found = re.search(r'<input type="hidden" name="proof" data-challenge="([^"]+)"', html)
    assert found, html
    return json.loads(unescape(found.group(1)))


def posts(page: Page) -> list[str]:
    """The bodies of the page's POST requests, from now on."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or "") if r.method == "POST" else None)
    return sent


def proof_status(page: Page) -> Locator:
    """The status line, read out by screen readers as it changes."""
    return page.locator("[role=status][aria-live=polite][data-role=proof-status]")
