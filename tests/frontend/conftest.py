"""Helpers for the page tests: a Django test client per viewer, and the text a person would read."""

import re
from html import unescape

import pytest
from django.test import Client

from tests import factories


def visible_text(response) -> str:
    """The page's text without tags and with entities decoded, whitespace folded: what a reader sees.
    Script and template contents are dropped (the card template is not shown)."""
    html = response.content.decode()
    html = re.sub(r"<(script|template|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?(?:span|a|strong|em|b|time|code)\b[^>]*>", "", html)  # inline: no break in the text
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def unverified(db):
    return factories.unverified_citizen()


@pytest.fixture
def client_for():
    def make(user=None, **kwargs) -> Client:
        client = Client(**kwargs)
        if user is not None:
            client.force_login(user)
        return client

    return make
