"""Error pages: JSON in the common error shape under /api/, the site's own pages elsewhere."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import csrf, defaults

from .exceptions import error_body


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("not_found", _("No such resource.")), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            error_body("server_error", _("Something went wrong on our side. Please try again.")), status=500
        )
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: an unsafe request to an /api/ address that no API view answers (the API's own
    views check CSRF themselves, in the common error body) is refused in JSON too, not with an HTML page."""
    if _is_api(request):
        return JsonResponse(error_body("csrf_failed", _("CSRF check failed. Reload the page.")), status=403)
    return csrf.csrf_failure(request, reason)
