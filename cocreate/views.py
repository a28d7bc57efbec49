"""Error pages: JSON in the common error shape under /api/, the site's own pages elsewhere."""

import math
import sys
import time

import psycopg
from allauth.account import app_settings as allauth_account
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core.cache import cache
from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import csrf, defaults
from psycopg_pool import PoolTimeout

from .exceptions import error_body, refusal
from .throttling import too_many_requests


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("not_found", _("No such resource.")), status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    """handler400, for what Django refuses before or around a view: a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    (413), more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS, an address over MAX_URL_LENGTH (414), or
    another SuspiciousOperation or BadRequest (400). Under /api/, the common error body with its code."""
    status, code, message = refusal(exception)
    if _is_api(request):
        return JsonResponse(error_body(code, message), status=status)
    headings = {413: _("Request too large"), 414: _("Address too long")}
    context = {"heading": headings.get(status, _("Bad request")), "message": message}
    return HttpResponse(loader.render_to_string("400.html", context), status=status)


# Seconds a client is asked to wait when the database has no connection for it.
DATABASE_BUSY_RETRY_AFTER = 5
# PostgreSQL refusing a connection for now (too many clients; starting up or shutting down), or ending the
# session because it is shutting down or restarting (fast shutdown, a crash of another backend), and any
# connection exception (class 08).
_BUSY_SQLSTATES = {"53300", "57P03", "57P01", "57P02"}


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` is the database refusing or failing to give a connection, not a fault of the request:
    the pool found no free connection in time, PostgreSQL has too many clients or is not accepting them,
    or could not be reached at all (a psycopg error without a SQL state)."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, PoolTimeout):
        return True
    return isinstance(cause, psycopg.OperationalError) and (
        cause.sqlstate is None or cause.sqlstate in _BUSY_SQLSTATES or cause.sqlstate.startswith("08")
    )


def server_error(request):
    """handler500, called while the exception is being handled. A database with no connection to give is
    a 503 with Retry-After, so
    clients and the person at the screen know to try again rather than that something is broken."""
    if database_unavailable(sys.exc_info()[1]):
        return _database_busy(request)
    if _is_api(request):
        return JsonResponse(
            error_body("server_error", _("Something went wrong on our side. Please try again.")), status=500
        )
    return defaults.server_error(request)


def _database_busy(request):
    if _is_api(request):
        response = JsonResponse(
            error_body("service_unavailable", _("The site is very busy. Please try again in a few seconds.")),
            status=503,
        )
    else:
        # No base.html: the page must render without the database (no user, no notifications count).
        response = HttpResponse(loader.render_to_string("500.html", {"busy": True}), status=503)
    response["Retry-After"] = str(DATABASE_BUSY_RETRY_AFTER)
    return response


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: an unsafe request to an /api/ address that no API view answers (the API's own
    views check CSRF themselves, in the common error body) is refused in JSON too, not with an HTML page."""
    if _is_api(request):
        return JsonResponse(error_body("csrf_failed", _("CSRF check failed. Reload the page.")), status=403)
    return csrf.csrf_failure(request, reason)


def sign_in_limited(request):
    """handler429, which allauth calls when a sign-up, log-in or e-mail limit refuses a request: the site's
    429 page with `Retry-After`, like every other 429 of the site (allauth's own sends none)."""
    return too_many_requests(request, allauth_wait(request))


# Which of allauth's limits each of its views applies (allauth does not say which one refused a request).
ACTIONS_BY_VIEW = {
    "account_login": ("login", "login_failed"),
    "account_signup": ("signup",),
    "account_email": ("manage_email", "confirm_email"),
    "account_email_verification_sent": ("confirm_email",),
    "account_reset_password": ("reset_password",),
    "account_reset_password_from_key": ("reset_password_from_key",),
    "account_change_password": ("change_password",),
    "account_set_password": ("change_password",),
    "account_reauthenticate": ("reauthenticate",),
}


def allauth_wait(request) -> int:
    """Seconds until allauth lets this request through: of the view's per-address and per-account counters
    that are full, the soonest to free a place (a client that retries too early is told again). Per-key
    limits (on the e-mail address typed in) cannot be looked up without the key: when no other counter is
    full, the view's longest per-key window, an upper bound. Reads allauth's counters as allauth 65 stores
    them: a list of hit times per cache key."""
    limits = allauth_account.RATE_LIMITS or {}
    match = getattr(request, "resolver_match", None)
    actions = ACTIONS_BY_VIEW.get(match.url_name if match else None, tuple(limits))
    now, waits, key_windows = time.time(), [], [60.0]
    for action in actions:
        for rate in allauth_ratelimit.parse_rates(limits.get(action)):
            if rate.per == "key":
                key_windows.append(rate.duration)
                continue
            if rate.per == "user" and not request.user.is_authenticated:
                continue
            key = allauth_ratelimit.get_cache_key(request, app="allauth.account", action=action, rate=rate)
            hits = [hit for hit in cache.get(key, []) if hit > now - rate.duration]
            if len(hits) >= rate.amount:
                waits.append(min(hits) + rate.duration - now)
    return max(1, math.ceil(min(waits) if waits else max(key_windows)))
