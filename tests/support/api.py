"""Helpers shared by the API tests."""

from rest_framework.test import APIClient

from tests.support import factories

ROLES = ("anonymous", "unverified_citizen", "citizen", "moderator", "official", "superuser")


def make_user(role: str):
    return {
        "anonymous": lambda: None,
        "unverified_citizen": factories.unverified_citizen,
        "citizen": factories.citizen,
        "moderator": factories.moderator,
        "official": factories.official,
        "superuser": lambda: factories.citizen(is_superuser=True, is_staff=True),
    }[role]()


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def assert_error(response, status: int, code: str, fields=()) -> dict:
    """The response is the common JSON error body with this status and code (and these field errors)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert set(fields) <= set(error["fields"]), error
    return error
