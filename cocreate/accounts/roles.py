"""Role groups. Citizens need none; moderators and officials get into the Wagtail admin at /cms/."""

from django.contrib.auth.models import Group, Permission

from proposals.permissions import MODERATORS_GROUP, OFFICIALS_GROUP


def ensure_role_groups() -> dict[str, Group]:
    """Create the role groups if missing, each allowed into the admin. Idempotent."""
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    groups = {}
    for name in (MODERATORS_GROUP, OFFICIALS_GROUP):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(access_admin)
        groups[name] = group
    return groups
