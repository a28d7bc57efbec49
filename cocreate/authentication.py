"""The API's session authentication: DRF's, with a CSRF failure of its own kind, so that the common error
body says `csrf_failed` as the site's CSRF failure view does under /api/ (a script can tell "reload the
page for a new token" from "you may not do this"). Imported by DRF's settings: it imports nothing of
cocreate's (cocreate.exceptions imports DRF's views, which read those settings)."""

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
