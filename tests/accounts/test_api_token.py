"""The API token: one per person; a new one replaces the old at once, and a revoked one stops working."""

import pytest
from rest_framework.test import APIClient

from cocreate.accounts.selectors import token_get
from cocreate.accounts.services import token_create, token_revoke

pytestmark = pytest.mark.django_db


def _answer(key: str) -> int:
    """The status a script sending this key gets for its notifications."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/notifications/").status_code


def test_a_new_token_replaces_the_old_one_at_once(citizen):
    old = token_create(user=citizen).key
    assert _answer(old) == 200

    new = token_create(user=citizen).key

    assert new != old
    assert token_get(user=citizen).key == new
    assert _answer(old) == 401
    assert _answer(new) == 200


def test_revoking_says_whether_there_was_a_token(citizen):
    key = token_create(user=citizen).key

    assert token_revoke(user=citizen) is True
    assert _answer(key) == 401
    assert token_get(user=citizen) is None
    assert token_revoke(user=citizen) is False
