"""The API's authentications. Token: DRF's, whose one query also reads the person's roles and whether
they confirmed an address. Session: DRF's, with a CSRF failure of its own kind, so that the common error
body says `csrf_failed` as the site's CSRF failure view does under /api/ (a script can tell "reload the
page for a new token" from "you may not do this"). Imported by DRF's settings: it imports nothing of
cocreate's at import time (cocreate.exceptions imports DRF's views, which read those settings)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class CsrfFailed(exceptions.PermissionDenied):
    default_detail = _("CSRF check failed. Reload the page.")
    default_code = "csrf_failed"


class AccountBlocked(exceptions.PermissionDenied):
    default_detail = _("Your account is blocked by the moderators.")
    default_code = "account_blocked"


class SessionAuthentication(authentication.SessionAuthentication):
    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as refusal:
            raise CsrfFailed() from refusal


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        """DRF's, and a blocked person's write refused (403 `account_blocked`): a token is read here, after
        the middlewares, so cocreate.accounts.blocking's middleware cannot see who sends it."""
        from cocreate.accounts.blocking import refusal_message, write_refused  # at call time: see above

        found = super().authenticate(request)
        if found is not None and write_refused(request._request, found[0]):
            raise AccountBlocked(refusal_message(found[0]))
        return found

    def authenticate_credentials(self, key):
        from cocreate.accounts.selectors import token_with_roles  # at call time: see the docstring

        token = token_with_roles(key=key)
        # DRF's own refusals, in its words (its catalogue translates them).
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
