"""Reads about a person's own account."""

from rest_framework.authtoken.models import Token

from .models import User


def token_get(*, user: User) -> Token | None:
    """`user`'s API token, if they have one."""
    return Token.objects.filter(user=user).first()
