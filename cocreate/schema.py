"""drf-spectacular hooks, and the extension naming our session authentication as DRF's (`cookieAuth`)."""

from drf_spectacular.authentication import SessionScheme


class CsrfSessionScheme(SessionScheme):
    target_class = "cocreate.authentication.SessionAuthentication"


def public_api_only(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


# Every operation can answer with the common error body (cocreate.exceptions.api_exception_handler): bad
# input or an out-of-range page (400), a missing or bad token (401), a refusal (403), an id that does not
# exist or cannot be seen (404), and on writes the rate limits (429). Views document their own meaning of
# a code with extend_schema; this fills in the rest, so the schema lists every status a client may get.
COMMON_ERRORS = ("400", "401", "403", "404", "503")  # 503: no database connection to give, Retry-After
WRITE_ERRORS = ("429",)
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


def document_common_errors(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = ERROR_BODY
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            codes = COMMON_ERRORS + (WRITE_ERRORS if method != "get" else ())
            responses = operation.setdefault("responses", {})
            for code in codes:
                response = responses.setdefault(code, {"description": "The common error body."})
                response.setdefault("content", body)
    return result
