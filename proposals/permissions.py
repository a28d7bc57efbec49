"""Who may do what: named predicates, one per permission, with no side effects.

Role matrix (docs/roles.md has the full table):
- anonymous visitor: reads published proposals and responses.
- citizen (signed in): as a visitor, plus their own proposals whatever their state.
- verified citizen (confirmed e-mail): submits proposals and supports while the consultation is open.
- moderator (group "Moderators"): approves or hides proposals; sees pending and hidden ones.
- official (group "Officials"): as a moderator, plus sets the status and publishes official responses.
- admin (superuser): everything.
"""

from allauth.account.models import EmailAddress

MODERATORS_GROUP = "Moderators"
OFFICIALS_GROUP = "Officials"


def _in_group(user, name: str) -> bool:
    if not _active(user):
        return False
    # Cached per user object: a request asks several predicates of one user.
    groups = getattr(user, "_cocreate_groups", None)
    if groups is None:
        groups = set(user.groups.values_list("name", flat=True))
        user._cocreate_groups = groups
    return name in groups


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


def is_official(user) -> bool:
    # An inactive account holds no role, superuser or not.
    return _active(user) and (user.is_superuser or _in_group(user, OFFICIALS_GROUP))


def can_moderate(user) -> bool:
    return is_official(user) or _in_group(user, MODERATORS_GROUP)


def has_verified_email(user) -> bool:
    if not _active(user):
        return False
    verified = getattr(user, "_cocreate_verified", None)
    if verified is None:
        verified = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._cocreate_verified = verified
    return verified


def can_participate(user) -> bool:
    """Submit and support (the consultation must also be open; the services check that)."""
    return has_verified_email(user)


def can_flag(user) -> bool:
    """Report a published proposal or comment of someone else's to the moderators (the services check
    the item): verified citizens, like participation."""
    return can_participate(user)


def can_follow(user) -> bool:
    """Follow a published proposal (the services check that it is): any signed-in person, verified or
    not, since following only reads."""
    return _active(user)


def can_set_status(user) -> bool:
    return is_official(user)


def can_respond(user) -> bool:
    return is_official(user)
