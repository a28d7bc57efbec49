"""DRF permission classes over the named predicates of proposals.permissions, for the endpoints that are a
role's alone. Checked before any look-up, so a refused caller learns nothing of which ids exist: anonymous
is 401 (`not_authenticated`), a signed-in person without the role 403 (`forbidden`), one who holds it
without a second factor yet 403 (`mfa_required`). The services check the same predicates again."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from cocreate.accounts.mfa import MFA_REQUIRED, SecondFactorRequired

from .. import permissions


def _allowed(allowed: bool, refusal) -> bool:
    if not allowed and refusal == MFA_REQUIRED:
        raise SecondFactorRequired()
    return allowed


class CanModerate(BasePermission):
    message = _("Only moderators and officials can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return _allowed(permissions.can_moderate(user), permissions.moderation_refusal(user))


class CanRespond(BasePermission):
    message = _("Only officials can see the responses awaited and the dashboards.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return _allowed(permissions.can_respond(user), permissions.official_refusal(user))


class CanMergeProposals(BasePermission):
    message = _("Only officials can merge proposals.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return _allowed(permissions.can_merge_proposals(user), permissions.official_refusal(user))
