"""The role groups' names, and whether someone holds a role. Citizens need none; moderators and officials
are members of these groups, which get into the Wagtail admin at /cms/ (cms.roles gives them their
permissions there). Who may do what with a role is said once, in proposals.permissions.
"""

MODERATORS_GROUP = "Moderators"
OFFICIALS_GROUP = "Officials"

# The groups proposals.permissions asks about, and where it keeps, on the user object, the answers it read
# once per request: the set of these groups the person is in, and whether they confirmed an address. The
# API's token authentication and the sign-in backends (a session's user) read them with the user
# (selectors.token_with_roles, selectors.user_with_roles) and store them there first, so the permission
# checks of the request send no query of their own.
ROLE_GROUPS = (MODERATORS_GROUP, OFFICIALS_GROUP)
GROUPS_ATTRIBUTE = "_cocreate_groups"
VERIFIED_ATTRIBUTE = "_cocreate_verified"
# Whether a moderator's block stands on the account (blocking.py), read in the same statement.
BLOCKED_ATTRIBUTE = "_cocreate_blocked"
# Whether they activated a TOTP authenticator, read in the same statement: a role counts only with it
# (mfa.py).
SECOND_FACTOR_ATTRIBUTE = "_cocreate_second_factor"


def role_groups(user) -> set[str]:
    """The ROLE_GROUPS `user` is in, kept on the user object: read with the person (selectors), or here once
    per user object, since a request asks several predicates of one user."""
    groups = getattr(user, GROUPS_ATTRIBUTE, None)
    if groups is None:
        groups = set(user.groups.filter(name__in=ROLE_GROUPS).values_list("name", flat=True))
        setattr(user, GROUPS_ATTRIBUTE, groups)
    return groups


def holds_role(user) -> bool:
    """Administrator, staff, moderator or official (an inactive account holds no group role, as in
    proposals.permissions, which says what each role may do)."""
    if user.is_superuser or user.is_staff:
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(role_groups(user))
