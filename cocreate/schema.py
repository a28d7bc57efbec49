"""drf-spectacular hooks, and the extension naming our session authentication as DRF's (`cookieAuth`)."""

import copy

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiResponse


class CsrfSessionScheme(SessionScheme):
    target_class = "cocreate.authentication.SessionAuthentication"


def public_api_only(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


# Every operation can answer with the common error body (cocreate.exceptions.api_exception_handler), with
# these codes: bad input or an out-of-range page (400), a missing or bad token (401), a refusal (403), an id
# that does not exist or cannot be seen (404), an Accept header it cannot satisfy (406), no database
# connection to give (503, with Retry-After), a request Django refuses (400 `bad_request`) or a URL over
# MAX_URL_LENGTH (414); writes also a failed CSRF check (403), the rate limits (429), a body over
# DATA_UPLOAD_MAX_MEMORY_SIZE (413) or with too many fields (400), and those with a body one in a format it
# does not read (415), or a blocked account's (403 `account_blocked`); JSON nested deeper than JSON_MAX_DEPTH
# is a 400 `malformed_request`. A view documents its own codes, and its own meaning of a status, with
# `refusal` in its extend_schema; this fills in the rest, so that the schema lists every status, and every
# `error.code` of each, a client may get (tests/support/contract.py checks every answer of the API tests
# against it).
COMMON_CODES = {
    "400": ("invalid", "malformed_request", "bad_request"),
    "401": ("not_authenticated", "authentication_failed"),
    # A refusal; a staff person's, for want of their second factor (cocreate/accounts/mfa.py), names it.
    "403": ("forbidden", "mfa_required"),
    "404": ("not_found",),
    "406": ("not_acceptable",),
    "414": ("uri_too_long",),
    "503": ("service_unavailable",),
}
WRITE_CODES = {
    "400": ("too_many_fields",),
    # A blocked account's write (cocreate.accounts.blocking), whichever endpoint it is.
    "403": ("csrf_failed", "account_blocked"),
    "413": ("request_too_large",),
    "429": ("rate_limited",),
}
BODY_CODES = {"415": ("unsupported_media_type",)}
WRITE_METHODS = {"post", "put", "patch", "delete"}
ERROR_BODY = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}


def error_schema(codes) -> dict:
    """The common error body whose `error.code` is one of `codes`."""
    schema = copy.deepcopy(ERROR_BODY)
    schema["properties"]["error"]["properties"]["code"]["enum"] = sorted(set(codes))
    return schema


# An error response documented by its description alone: the hook below fills in the common error body and
# the codes of its status.
ERROR = OpenApiResponse(description="The common error body: `{error: {code, message, fields}}`.")


def refusal(description: str, *codes: str) -> OpenApiResponse:
    """An error response of an operation: what the status means there, and the codes it may answer
    besides the common ones of that status (COMMON_CODES), which the hook below adds."""
    return OpenApiResponse(error_schema(codes), description=description)


def error_codes(response: dict) -> list[str]:
    """The codes an error response of the schema documents (empty for a response without the body)."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("properties", {}).get("error", {}).get("properties", {}).get("code", {}).get("enum", [])


def common_codes(method: str, operation: dict) -> dict[str, tuple[str, ...]]:
    """Status -> the codes that every operation like this one may answer."""
    codes = {status: list(found) for status, found in COMMON_CODES.items()}
    extra = [WRITE_CODES] if method in WRITE_METHODS else []
    if "requestBody" in operation:
        extra.append(BODY_CODES)
    for more in extra:
        for status, found in more.items():
            codes.setdefault(status, []).extend(found)
    return {status: tuple(found) for status, found in codes.items()}


def usual_codes(status: str) -> tuple[str, ...]:
    """The codes of a status that an operation declares beyond its common ones (a throttled read's 429)."""
    return (*COMMON_CODES.get(status, ()), *WRITE_CODES.get(status, ()), *BODY_CODES.get(status, ()))


def document_common_errors(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = ERROR_BODY
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            common = common_codes(method, operation)
            responses = operation.setdefault("responses", {})
            for status in common:
                responses.setdefault(status, {"description": "The common error body."})
            for status, response in responses.items():
                if int(status) >= 400:
                    codes = [*error_codes(response), *common.get(status, usual_codes(status))]
                    response["content"] = {"application/json": {"schema": error_schema(codes)}}
    return result
