"""Reads about a person's own account."""

from rest_framework.authtoken.models import Token

from .models import User
from .roles import GROUPS_ATTRIBUTE, MODERATORS_GROUP, OFFICIALS_GROUP, VERIFIED_ATTRIBUTE


def token_get(*, user: User) -> Token | None:
    """`user`'s API token, if they have one."""
    return Token.objects.filter(user=user).first()


# The token's user, whether they confirmed an address and whether they are in each role group, in one
# statement written once: the ORM would compile its three subqueries again on every request, which cost
# more than the two queries it saves.
_ACCOUNT_WITH_ROLES = """
    SELECT u.*,
        EXISTS (SELECT 1 FROM account_emailaddress e WHERE e.user_id = u.id AND e.verified) AS with_address,
        EXISTS (SELECT 1 FROM accounts_user_groups m JOIN auth_group g ON g.id = m.group_id
                WHERE m.user_id = u.id AND g.name = %s) AS in_moderators,
        EXISTS (SELECT 1 FROM accounts_user_groups m JOIN auth_group g ON g.id = m.group_id
                WHERE m.user_id = u.id AND g.name = %s) AS in_officials
    FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id
    WHERE t.key = %s"""


def token_with_roles(*, key: str) -> Token | None:
    """The API token `key` with its user, or None. The user's role groups and whether they confirmed an
    address come in the same query, stored where proposals.permissions looks for them: an API request
    sends one query for who is asking and what they may do. Read on every request, never cached, so a
    token deleted or an account deactivated stops working at once."""
    user = next(iter(User.objects.raw(_ACCOUNT_WITH_ROLES, [MODERATORS_GROUP, OFFICIALS_GROUP, key])), None)
    if user is None:
        return None
    roles = {MODERATORS_GROUP: user.in_moderators, OFFICIALS_GROUP: user.in_officials}
    setattr(user, GROUPS_ATTRIBUTE, {name for name, member in roles.items() if member})
    setattr(user, VERIFIED_ATTRIBUTE, bool(user.with_address))
    return Token(key=key, user=user)  # request.auth: the key is all it is read for
