"""Reads about a person's own account, and when each e-mail domain's first account was made."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Min
from rest_framework.authtoken.models import Token

from .models import User, VerifiedIdentity
from .roles import (
    BLOCKED_ATTRIBUTE,
    GROUPS_ATTRIBUTE,
    MODERATORS_GROUP,
    OFFICIALS_GROUP,
    SECOND_FACTOR_ATTRIBUTE,
    VERIFIED_ATTRIBUTE,
)


@dataclass(frozen=True)
class IdentityLink:
    """An identity service linked to a person's account, named as its sign-in button names it."""

    name: str
    linked_at: datetime


def identity_services(request) -> dict[str, str]:
    """The identity services the site offers (settings.SOCIALACCOUNT_PROVIDERS), id -> name; no query."""
    from allauth.socialaccount.adapter import get_adapter

    return {provider.sub_id: provider.name for provider in get_adapter(request).list_providers(request)}


def identity_links(*, user: User, services: dict[str, str]) -> list[IdentityLink]:
    """The identity services linked to `user`'s account, oldest first; one the site no longer offers is
    named by its id."""
    from allauth.socialaccount.models import SocialAccount

    links = SocialAccount.objects.filter(user=user).order_by("date_joined", "pk")
    return [IdentityLink(services.get(link.provider, link.provider), link.date_joined) for link in links]


def token_get(*, user: User) -> Token | None:
    """`user`'s API token, if they have one."""
    return Token.objects.filter(user=user).first()


# The person, whether they confirmed an address, whether they are in each role group and whether they have
# an activated TOTP authenticator (staff need one: mfa.py), in one statement written once: the ORM would
# compile its subqueries again on every request, which cost more than the queries it saves. Read by the
# token's key (the API) or by the user's id (a session's request).
_WITH_ROLES = """
    SELECT u.*,
        -- their verified identity (models.VerifiedIdentity), NULLs if they have none
        i.provider AS identity_provider, i.verified_at AS identity_verified_at,
        i.postal_code AS identity_postal_code, i.locality AS identity_locality,
        EXISTS (SELECT 1 FROM account_emailaddress e WHERE e.user_id = u.id AND e.verified) AS with_address,
        EXISTS (SELECT 1 FROM accounts_user_groups m JOIN auth_group g ON g.id = m.group_id
                WHERE m.user_id = u.id AND g.name = %s) AS in_moderators,
        EXISTS (SELECT 1 FROM accounts_user_groups m JOIN auth_group g ON g.id = m.group_id
                WHERE m.user_id = u.id AND g.name = %s) AS in_officials,
        EXISTS (SELECT 1 FROM accounts_accountblock b
                WHERE b.user_id = u.id AND b.lifted_at IS NULL) AS blocked,
        EXISTS (SELECT 1 FROM mfa_authenticator a WHERE a.user_id = u.id AND a.type = 'totp') AS with_totp"""
_IDENTITY = "LEFT JOIN accounts_verifiedidentity i ON i.user_id = u.id"
_TOKEN_WITH_ROLES = f"""{_WITH_ROLES}
    FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id {_IDENTITY}
    WHERE t.key = %s"""
_USER_WITH_ROLES = f"""{_WITH_ROLES}
    FROM accounts_user u {_IDENTITY}
    WHERE u.id = %s"""
_IDENTITY_FIELD = User.verified_identity.related  # the reverse one-to-one, and its cache


def _read_with_roles(statement: str, key) -> User | None:
    """The one user `statement` finds by `key`, with their role groups and whether they confirmed an address
    stored where proposals.permissions looks for them, so that the request's permission checks send no
    query of their own."""
    user = next(iter(User.objects.raw(statement, [MODERATORS_GROUP, OFFICIALS_GROUP, key])), None)
    if user is not None:
        # Where Django keeps a one-to-one it has read: `user.verified_identity` sends no query.
        _IDENTITY_FIELD.set_cached_value(user, _identity_read(user))
        roles = {MODERATORS_GROUP: user.in_moderators, OFFICIALS_GROUP: user.in_officials}
        setattr(user, GROUPS_ATTRIBUTE, {name for name, member in roles.items() if member})
        setattr(user, VERIFIED_ATTRIBUTE, bool(user.with_address))
        setattr(user, BLOCKED_ATTRIBUTE, bool(user.blocked))
        setattr(user, SECOND_FACTOR_ATTRIBUTE, bool(user.with_totp))
    return user


def _identity_read(user: User) -> VerifiedIdentity | None:
    if user.identity_provider is None:
        return None
    return VerifiedIdentity(
        user=user,
        provider=user.identity_provider,
        verified_at=user.identity_verified_at,
        postal_code=user.identity_postal_code,
        locality=user.identity_locality,
    )


def verified_identity_get(*, user: User) -> VerifiedIdentity | None:
    """`user`'s verified identity, or None; no query for the user a request reads (user_with_roles,
    token_with_roles)."""
    try:
        return user.verified_identity
    except VerifiedIdentity.DoesNotExist:
        return None


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


@dataclass(frozen=True)
class FirstSignUps:
    site: datetime | None  # the site's first account (the lowest id)
    domains: dict[str, datetime]  # each domain's earliest account, among the accounts there are now


# One probe per domain of the index user_by_email_domain (migration 0007), whose expression this repeats
# exactly so that PostgreSQL uses it, and the site's first account by the primary key.
_FIRST_SIGN_UPS = """
    SELECT d.domain,
        (SELECT min(u.date_joined) FROM accounts_user u WHERE lower(split_part(u.email, '@', -1)) = d.domain),
        (SELECT u.date_joined FROM accounts_user u ORDER BY u.id LIMIT 1)
    FROM unnest(%s::text[]) AS d(domain)"""


def first_sign_ups(*, domains: list[str]) -> FirstSignUps:
    """When the site's first account was made, and the earliest account whose e-mail address is at each of
    `domains` (lower case); a domain no account has now is left out. One statement on PostgreSQL."""
    if not domains:
        return FirstSignUps(site=None, domains={})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_FIRST_SIGN_UPS, [list(domains)])
            rows = cursor.fetchall()
        return FirstSignUps(site=rows[0][2], domains={domain: first for domain, first, _ in rows if first})
    found = {}  # SQLite (the embedded demo): a query per domain, without the index
    for domain in domains:
        accounts = User.objects.filter(email__iendswith=f"@{domain}")
        first = accounts.aggregate(first=Min("date_joined"))["first"]
        if first is not None:
            found[domain] = first
    site = User.objects.order_by("pk").values_list("date_joined", flat=True).first()
    return FirstSignUps(site=site, domains=found)
