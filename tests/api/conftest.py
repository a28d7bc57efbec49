import pytest

from .utils import client_for, make_user


@pytest.fixture
def as_role(db):
    """as_role("moderator") -> (user, client); the user is None for "anonymous"."""

    def make(role: str):
        user = make_user(role)
        return user, client_for(user)

    return make
