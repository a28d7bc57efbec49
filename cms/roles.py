"""The role groups' Wagtail permissions. Citizens need none; moderators and officials get into the Wagtail
admin at /cms/.

Officials also write consultations: their group holds Wagtail page permissions (add, change, publish) on the
consultation list, and on its translation into the other language, which cover every consultation page below
them; and they may translate a page (simple_translation's "Translate" action, which copies it into the other
language's tree). They keep the list of life events too (a snippet: add, change, delete, and translate it the
same way), and the area sets (a snippet: add, change, delete; upload their boundaries). Moderators only get
into the admin, for the moderation queue; they hold no page permission, edit no snippet and translate nothing.
The groups' names are the accounts layer's (cocreate.accounts.roles).
"""

from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission

from cocreate.accounts.roles import MODERATORS_GROUP, OFFICIALS_GROUP

from .models import ConsultationIndexPage

OFFICIAL_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
# Officials keep the list of life events (a Wagtail snippet) and translate it.
OFFICIAL_LIFE_EVENT_PERMISSIONS = ("add_lifeevent", "change_lifeevent", "delete_lifeevent", "view_lifeevent")
# And the area sets (a snippet too), whose areas they upload as GeoJSON boundaries.
OFFICIAL_AREA_SET_PERMISSIONS = ("add_areaset", "change_areaset", "delete_areaset", "view_areaset")


def ensure_role_groups() -> dict[str, Group]:
    """Create the role groups if missing, each allowed into the admin; give officials their page
    permissions on the consultation list if it exists yet, and moderators none. Idempotent: call it again
    once the site root exists (`load_demo` and `ensure_roles` do)."""
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    groups = {}
    for name in (MODERATORS_GROUP, OFFICIALS_GROUP):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(access_admin)
        groups[name] = group
    groups[OFFICIALS_GROUP].permissions.add(
        Permission.objects.get(content_type__app_label="simple_translation", codename="submit_translation"),
        *Permission.objects.filter(
            content_type__app_label="cms",
            codename__in=OFFICIAL_LIFE_EVENT_PERMISSIONS + OFFICIAL_AREA_SET_PERMISSIONS,
        ),
    )
    grant_official_page_permissions(groups[OFFICIALS_GROUP])
    # Wagtail's first migration makes a "Moderators" group of its own, with add, change and publish on the
    # whole page tree; ours shares the name but moderates proposals only, so it writes no page.
    GroupPagePermission.objects.filter(group=groups[MODERATORS_GROUP]).delete()
    return groups


def grant_official_page_permissions(group: Group) -> int:
    """Give `group` add, change and publish on every consultation list page (one per language it is
    translated into); return how many grants were new. Wagtail checks page permissions by tree path, so a
    grant on the list covers its consultations."""
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="wagtailcore",
            content_type__model="page",
            codename__in=OFFICIAL_PAGE_PERMISSIONS,
        )
    )
    created = 0
    for index_id in ConsultationIndexPage.objects.values_list("pk", flat=True):
        for permission in permissions:
            _grant, new = GroupPagePermission.objects.get_or_create(
                group=group, page_id=index_id, permission=permission
            )
            created += new
    return created
