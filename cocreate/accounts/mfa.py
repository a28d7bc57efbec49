"""Staff sign in with a second factor (django-allauth's `mfa`: a TOTP app, and recovery codes).

Staff are the people who hold a role: moderators, officials, staff and superusers, and anyone else let into
the Wagtail admin. Until they activate a TOTP authenticator:
- their role gives them nothing: proposals.permissions' role predicates (is_official, can_moderate and the
  ones built on them) answer no, and the staff endpoints of the API answer 403 `mfa_required`;
- every page of the admin (/cms/) sends them to the page that sets it up, with a message saying why.
Citizens are untouched: whether someone has an authenticator is read in the same statement as their roles
(selectors.user_with_roles, selectors.token_with_roles), and nothing here runs a query for them.

Signing in with an authenticator asks for its code (allauth's login stage). The admin's own password form
(/cms/login/) would sign in with the password alone, so it sends people to allauth's form instead.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied

from .roles import SECOND_FACTOR_ATTRIBUTE, holds_role

MFA_REQUIRED = "mfa_required"
ADMIN_ACCESS = "wagtailadmin.access_admin"


def _setup_message() -> str:
    return _(
        "Staff accounts (moderators, officials, administrators) need two-factor authentication. Set up an "
        "authenticator app at %(url)s: until then your role gives you no access."
    ) % {"url": reverse("mfa_activate_totp")}


class SecondFactorRequired(PermissionDenied):
    """The API's refusal (DRF's permission classes): the person holds the role, not yet a second factor."""

    default_code = MFA_REQUIRED
    default_detail = lazy(_setup_message, str)()


def role_refused(refusal: str | None, message: str):
    """The services' refusal (a cocreate.exceptions.NotAllowed) for want of a role: `refusal` is a role
    predicate's refusal code (proposals.permissions: MFA_REQUIRED or "forbidden"), `message` what to say
    when the role is missing."""
    from cocreate.exceptions import NotAllowed  # it imports this module's SecondFactorRequired

    if refusal == MFA_REQUIRED:
        return NotAllowed(_setup_message(), code=MFA_REQUIRED)
    return NotAllowed(message, code=refusal)


def has_second_factor(user) -> bool:
    """An activated TOTP authenticator. Read with the person on every request (selectors); asked on its
    own only of a user object read otherwise, and then once."""
    found = getattr(user, SECOND_FACTOR_ATTRIBUTE, None)
    if found is None:
        from allauth.mfa.models import Authenticator  # the app's models, only once apps are ready

        found = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
        setattr(user, SECOND_FACTOR_ATTRIBUTE, found)
    return found


def second_factor_reset(*, user) -> int:
    """Delete `user`'s authenticator app and recovery codes (they lost both); returns how many went."""
    from allauth.mfa.models import Authenticator

    deleted, _rows = Authenticator.objects.filter(user_id=user.pk).delete()
    return deleted


class StaffSecondFactorMiddleware:
    """In front of the Wagtail admin: its password form goes to allauth's (which asks for the code), and
    anyone who may enter the admin without a second factor is sent to set one up. Other paths pass
    untouched, with no query."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin = None

    def __call__(self, request):
        if self._admin is None:
            self._admin = (reverse("wagtailadmin_home"), reverse("wagtailadmin_login"))
        home, login = self._admin
        if request.path_info.startswith(home):
            response = self._gate(request, login)
            if response is not None:
                return response
        return self.get_response(request)

    def _gate(self, request, login: str):
        if request.path_info == login:
            return _to_sign_in(request)
        user = request.user
        if not (user.is_authenticated and user.is_active) or has_second_factor(user):
            return None
        # The same permission Wagtail checks next (cached on the user for the request): the admin's editors
        # too, not only the roles.
        if holds_role(user) or user.has_perm(ADMIN_ACCESS):
            messages.warning(request, _setup_message())
            return redirect("mfa_activate_totp")
        return None


def _to_sign_in(request):
    """allauth's sign-in form, keeping a safe `next` (the admin's home otherwise)."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("wagtailadmin_home")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    """allauth's `authenticator_added`: an API token made before the account had its second factor could
    have been had with the password alone, so activating TOTP revokes it (tokens are made on the account
    page, whose session asked for the code once there is an authenticator)."""
    from .services import token_revoke

    if authenticator.type == "totp" and token_revoke(user=user):
        messages.info(
            request,
            _("Your API token was made before two-factor authentication and is revoked: create a new one."),
        )
