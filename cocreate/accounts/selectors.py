"""Reads about a person's own account."""

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef
from rest_framework.authtoken.models import Token

from .models import User
from .roles import GROUPS_ATTRIBUTE, ROLE_GROUPS, VERIFIED_ATTRIBUTE


def token_get(*, user: User) -> Token | None:
    """`user`'s API token, if they have one."""
    return Token.objects.filter(user=user).first()


def token_with_roles(*, key: str) -> Token | None:
    """The API token `key` with its user, or None. The user's role groups and whether they confirmed an
    address come in the same query, stored where proposals.permissions looks for them: an API request
    sends one query for who is asking and what they may do. Read on every request, never cached, so a
    token deleted or an account deactivated stops working at once."""
    membership = User.groups.through.objects.filter(user_id=OuterRef("user_id"))
    in_role = {f"in_role_{i}": Exists(membership.filter(group__name=g)) for i, g in enumerate(ROLE_GROUPS)}
    verified = Exists(EmailAddress.objects.filter(user_id=OuterRef("user_id"), verified=True))
    token = (
        Token.objects.select_related("user").annotate(verified=verified, **in_role).filter(key=key).first()
    )
    if token is not None:
        groups = {name for i, name in enumerate(ROLE_GROUPS) if getattr(token, f"in_role_{i}")}
        setattr(token.user, GROUPS_ATTRIBUTE, groups)
        setattr(token.user, VERIFIED_ATTRIBUTE, token.verified)
    return token
