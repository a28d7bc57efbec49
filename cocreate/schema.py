"""drf-spectacular hooks."""


def public_api_only(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
