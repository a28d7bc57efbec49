"""The role groups' names. Citizens need none; moderators and officials are members of these groups, which
get into the Wagtail admin at /cms/ (cms.roles gives them their permissions there). Who may do what with a
role is said once, in proposals.permissions.
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
