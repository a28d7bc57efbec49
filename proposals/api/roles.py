"""DRF permission classes over the named predicates of proposals.permissions, for the endpoints that are a
role's alone. Checked before any look-up, so a refused caller learns nothing of which ids exist: anonymous
is 401 (`not_authenticated`), a signed-in person without the role 403 (`forbidden`). The services check the
same predicates again."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .. import permissions


class CanModerate(BasePermission):
    message = _("Only moderators and officials can do this.")

    def has_permission(self, request, view) -> bool:
        return permissions.can_moderate(request.user)


class CanRespond(BasePermission):
    message = _("Only officials can see the responses awaited and the dashboards.")

    def has_permission(self, request, view) -> bool:
        return permissions.can_respond(request.user)
