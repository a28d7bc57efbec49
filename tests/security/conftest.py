"""Fixtures of the security tables: one viewer per role, signed in with a session as a browser is (the
roles and the content each may or may not see: tests/support/security.py)."""

import pytest
from django.test import Client

from tests.support.api import make_user
from tests.support.security import signed_in


@pytest.fixture
def viewer(db):
    """viewer("moderator") -> a Client signed in as a new moderator (anonymous: not signed in)."""

    def make(role: str, **kwargs) -> Client:
        return signed_in(make_user(role), **kwargs)

    return make
