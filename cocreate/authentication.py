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


class SessionAuthentication(authentication.SessionAuthentication):
    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as refusal:
            raise CsrfFailed() from refusal


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        from cocreate.accounts.selectors import token_with_roles  # at call time: see the docstring

        token = token_with_roles(key=key)
        # DRF's own refusals, in its words (its catalogue translates them).
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
