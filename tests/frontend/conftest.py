"""Fixtures of the page tests: a Django test client per viewer (the text a person would read is
tests.support.pages.visible_text)."""

import pytest
from django.test import Client

from tests.support import factories


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
