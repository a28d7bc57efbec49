"""Reads about a person's own account."""

from rest_framework.authtoken.models import Token

from .models import User
from .roles import GROUPS_ATTRIBUTE, MODERATORS_GROUP, OFFICIALS_GROUP, VERIFIED_ATTRIBUTE


def token_get(*, user: User) -> Token | None:
    """`user`'s API token, if they have one."""
    return Token.objects.filter(user=user).first()


# The person, whether they confirmed an address and whether they are in each role group, in one statement
# written once: the ORM would compile its three subqueries again on every request, which cost more than the
# two queries it saves. Read by the token's key (the API) or by the user's id (a session's request).
_WITH_ROLES = """
    SELECT u.*,
        EXISTS (SELECT 1 FROM account_emailaddress e WHERE e.user_id = u.id AND e.verified) AS with_address,
        EXISTS (SELECT 1 FROM accounts_user_groups m JOIN auth_group g ON g.id = m.group_id
                WHERE m.user_id = u.id AND g.name = %s) AS in_moderators,
        EXISTS (SELECT 1 FROM accounts_user_groups m JOIN auth_group g ON g.id = m.group_id
                WHERE m.user_id = u.id AND g.name = %s) AS in_officials"""
_TOKEN_WITH_ROLES = f"""{_WITH_ROLES}
    FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id
    WHERE t.key = %s"""
_USER_WITH_ROLES = f"""{_WITH_ROLES}
    FROM accounts_user u
    WHERE u.id = %s"""


def _read_with_roles(statement: str, key) -> User | None:
    """The one user `statement` finds by `key`, with their role groups and whether they confirmed an address
    stored where proposals.permissions looks for them, so that the request's permission checks send no
    query of their own."""
    user = next(iter(User.objects.raw(statement, [MODERATORS_GROUP, OFFICIALS_GROUP, key])), None)
    if user is not None:
        roles = {MODERATORS_GROUP: user.in_moderators, OFFICIALS_GROUP: user.in_officials}
        setattr(user, GROUPS_ATTRIBUTE, {name for name, member in roles.items() if member})
        setattr(user, VERIFIED_ATTRIBUTE, bool(user.with_address))
    return user


def user_with_roles(*, user_id: int) -> User | None:
    """The user `user_id` with their roles and whether they confirmed an address (see _read_with_roles), or
    None: a session's request reads who is asking and what they may do in one query. Read on every
    request, never cached, so a role taken away or an account deactivated counts at once."""
    return _read_with_roles(_USER_WITH_ROLES, user_id)


def token_with_roles(*, key: str) -> Token | None:
    """The API token `key` with its user, or None. The user's role groups and whether they confirmed an
    address come in the same query (see _read_with_roles): an API request sends one query for who is
    asking and what they may do. Read on every request, never cached, so a token deleted or an account
    deactivated stops working at once."""
    user = _read_with_roles(_TOKEN_WITH_ROLES, key)
    if user is None:
        return None
    return Token(key=key, user=user)  # request.auth: the key is all it is read for
