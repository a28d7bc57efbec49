"""Each predicate of proposals.permissions across every role (docs/roles.md), more no than yes."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from proposals import permissions
from tests.support import factories

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "unverified_citizen",
    "verified_citizen",
    "moderator",
    "unverified_moderator",
    "official",
    "superuser",
    "inactive_citizen",
    "inactive_moderator",
    "inactive_official",
)


def make(role: str):
    return {
        "anonymous": AnonymousUser,
        "unverified_citizen": factories.unverified_citizen,
        "verified_citizen": factories.citizen,
        "moderator": factories.moderator,
        "unverified_moderator": lambda: factories.moderator(verified=False),
        "official": factories.official,
        "superuser": lambda: factories.citizen(is_superuser=True, is_staff=True),
        "inactive_citizen": lambda: factories.citizen(is_active=False),
        "inactive_moderator": lambda: factories.moderator(is_active=False),
        "inactive_official": lambda: factories.official(is_active=False),
    }[role]()


ALLOWED = {
    permissions.is_official: {"official", "superuser"},
    permissions.can_moderate: {"moderator", "unverified_moderator", "official", "superuser"},
    permissions.has_verified_email: {"verified_citizen", "moderator", "official", "superuser"},
    permissions.can_participate: {"verified_citizen", "moderator", "official", "superuser"},
    permissions.can_set_status: {"official", "superuser"},
    permissions.can_respond: {"official", "superuser"},
    permissions.can_flag: {"verified_citizen", "moderator", "official", "superuser"},
    permissions.can_moderate_comments: {"moderator", "unverified_moderator", "official", "superuser"},
    permissions.can_follow: {
        "unverified_citizen",
        "verified_citizen",
        "moderator",
        "unverified_moderator",
        "official",
        "superuser",
    },
}


@pytest.mark.parametrize("predicate", list(ALLOWED), ids=lambda p: p.__name__)
@pytest.mark.parametrize("role", ROLES)
def test_predicate_across_roles(predicate, role):
    assert predicate(make(role)) is (role in ALLOWED[predicate])


def inactive_admin():
    return factories.citizen(is_superuser=True, is_staff=True, is_active=False)


@pytest.mark.parametrize("predicate", [permissions.has_verified_email, permissions.can_participate])
def test_an_inactive_superuser_cannot_participate(predicate):
    assert predicate(inactive_admin()) is False


ROLE_PREDICATES = [
    permissions.is_official,
    permissions.can_moderate,
    permissions.can_set_status,
    permissions.can_respond,
]


@pytest.mark.parametrize("predicate", ROLE_PREDICATES, ids=lambda p: p.__name__)
def test_an_inactive_superuser_holds_no_role(predicate):
    assert predicate(inactive_admin()) is False


def test_a_confirmed_address_counts_only_when_verified():
    user = factories.unverified_citizen()
    assert permissions.can_participate(user) is False
    fresh = type(user).objects.get(pk=user.pk)  # the answer is cached per user object
    fresh.emailaddress_set.update(verified=True)
    assert permissions.can_participate(fresh) is True


def test_group_membership_is_by_name_not_by_any_group():
    user = factories.citizen()
    user.groups.add(Group.objects.create(name="Moderators of another site"))
    assert permissions.can_moderate(user) is False
    assert permissions.is_official(user) is False
