"""Domain errors and the one place that turns any API error into the common JSON body.

Body: {"error": {"code": "...", "message": "...", "fields": {...}}}
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .accounts.mfa import MFA_REQUIRED, SecondFactorRequired
from .authentication import AccountBlocked, CsrfFailed
from .limits import grouped
from .request_limits import UploadTooLarge, URLTooLong


class ServiceError(Exception):
    """Raised by services when an action cannot be done; nothing has been written when it is raised."""

    http_status = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.fields = fields or {}


class NotAllowed(ServiceError):
    http_status = 403
    default_code = "forbidden"


class NotFound(ServiceError):
    http_status = 404
    default_code = "not_found"


class Conflict(ServiceError):
    http_status = 409
    default_code = "conflict"


def refuse(refusal: str | None, errors: Mapping[str, Callable[[], ServiceError]]) -> None:
    """Raise the error that `errors` makes for `refusal`, a permission predicate's code (None: allowed, so
    nothing). A code the service has no error for is refused all the same, with its own code: a new reason
    to refuse, added to a predicate, must never let a write through only because a service does not know
    it yet."""
    if refusal is None:
        return
    make = errors.get(refusal)
    raise make() if make else NotAllowed(_("You are not allowed to do this."), code=refusal)


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


_DRF_CODES = {
    CsrfFailed: "csrf_failed",  # before PermissionDenied, its base
    AccountBlocked: "account_blocked",  # the same
    SecondFactorRequired: MFA_REQUIRED,  # likewise: a staff person who has not set up their second factor
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.PermissionDenied: "forbidden",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.ParseError: "malformed_request",
    drf_exceptions.Throttled: "rate_limited",
    drf_exceptions.NotAcceptable: "not_acceptable",
}


def _flatten_fields(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {
            key: [str(m) for m in value] if isinstance(value, list) else str(value)
            for key, value in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


# What Django refuses before or around a view (a SuspiciousOperation, which reaches handler400), with the
# setting whose limit the message names.
_REFUSALS = (
    (UploadTooLarge, 413, "request_too_large", "UPLOAD_MAX_REQUEST_SIZE",
     gettext_lazy("The request is too large: %(limit)s bytes at most.")),
    (RequestDataTooBig, 413, "request_too_large", "DATA_UPLOAD_MAX_MEMORY_SIZE",
     gettext_lazy("The request is too large: %(limit)s bytes at most.")),
    (TooManyFieldsSent, 400, "too_many_fields", "DATA_UPLOAD_MAX_NUMBER_FIELDS",
     gettext_lazy("The request has too many fields: %(limit)s at most.")),
    (URLTooLong, 414, "uri_too_long", "MAX_URL_LENGTH",
     gettext_lazy("The address is too long: %(limit)s characters at most.")),
)  # fmt: skip


def refusal(exc: Exception | None) -> tuple[int, str, str]:
    """Status, code and message of a request Django refused (cocreate.views.bad_request): the same in the
    common error body and on the site's page. Any other is a 400 `bad_request`."""
    for cls, status, code, setting, message in _REFUSALS:
        if isinstance(exc, cls):
            return status, code, message % {"limit": grouped(getattr(settings, setting))}
    return 400, "bad_request", _("The request could not be understood.")


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: a real 500, logged by Django
    if isinstance(exc, drf_exceptions.ValidationError):
        response.data = error_body(
            "invalid", _("The request has invalid fields."), _flatten_fields(exc.detail)
        )
        return response
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    detail = exc.detail if isinstance(exc, drf_exceptions.APIException) else str(exc)
    response.data = error_body(code, str(detail))
    return response
