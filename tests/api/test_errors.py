"""Bad input answers a 4xx in the common error body and writes nothing; CSRF, tokens and rate limits."""

import pytest
from django.utils.crypto import get_random_string
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from proposals.models import Proposal
from tests.support import factories
from tests.support.api import assert_error, client_for
from votes.models import Support

pytestmark = pytest.mark.django_db

CREATE = "/api/v1/proposals/"


def payload(page, **fields):
    data = {
        "consultation": page.pk,
        "title": "Call backs",
        "summary": "No queue.",
        "body": "Details.",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not ...}


@pytest.fixture
def client(citizen):
    return client_for(citizen)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b'{"title": "unterminated', "application/json"),
        (b"not json at all", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"", "application/json"),
    ],
    ids=["truncated", "text", "binary", "empty"],
)
def test_a_body_that_is_not_json(client, consultation, body, content_type):
    response = client.generic("POST", CREATE, body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"malformed_request", "invalid"}
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("body", ["[]", '[{"title": "x"}]', '"a string"', "42", "null", "true"])
def test_json_that_is_not_an_object(client, consultation, body):
    response = client.generic("POST", CREATE, body, content_type="application/json")
    assert_error(response, 400, "malformed_request")
    assert not Proposal.objects.exists()


def test_an_unsupported_media_type(client, consultation):
    response = client.generic("POST", CREATE, "title=x", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    "fields, bad",
    [
        ({"consultation": ...}, ["consultation"]),
        ({"title": ..., "summary": ...}, ["title", "summary"]),
        ({"body": ""}, ["body"]),
        ({"title": "   "}, ["title"]),
        ({"title": None}, ["title"]),
        ({"consultation": "abc"}, ["consultation"]),
        ({"consultation": 1.5}, ["consultation"]),
        ({"consultation": [1]}, ["consultation"]),
        ({"consultation": {"id": 1}}, ["consultation"]),
        ({"consultation": True}, ["consultation"]),
        ({"consultation": 10**30}, ["consultation"]),
        ({"consultation": -1}, ["consultation"]),
        ({"consultation": 0}, ["consultation"]),
        ({"consultation": 999_999}, ["consultation"]),
        ({"title": ["a", "b"]}, ["title"]),
        ({"title": {"en": "x"}}, ["title"]),
        ({"title": "x" * 141}, ["title"]),
        ({"summary": "x" * 501}, ["summary"]),
        ({"body": "x" * 10_001}, ["body"]),
        ({"title": "nul\x00byte"}, ["title"]),
        ({"category": "nope"}, ["category"]),
        ({"category": ["online"]}, ["category"]),
        ({"category": "Not a slug!"}, ["category"]),
    ],
)
def test_bad_fields_are_reported_and_nothing_is_written(client, consultation, fields, bad):
    response = client.post(CREATE, payload(consultation, **fields), format="json")
    assert_error(response, 400, "invalid", fields=bad)
    assert not Proposal.objects.exists()


def test_a_category_of_another_consultation(client, consultation):
    factories.consultation(categories=("By post",))
    response = client.post(CREATE, payload(consultation, category="by-post"), format="json")
    assert_error(response, 400, "invalid", fields=["category"])
    assert not Proposal.objects.exists()


def test_field_errors_are_lists_of_messages(client, consultation):
    error = assert_error(client.post(CREATE, {}, format="json"), 400, "invalid")
    assert set(error["fields"]) == {"consultation", "title", "summary", "body"}
    assert all(isinstance(m, list) and m and isinstance(m[0], str) for m in error["fields"].values())


def test_unknown_fields_are_ignored(client, consultation):
    response = client.post(CREATE, payload(consultation, author=1, supports_count=999), format="json")
    assert response.status_code == 201
    assert Proposal.objects.get().supports_count == 0


def test_a_closed_consultation(client):
    consultation = factories.consultation(open_now=False)
    assert_error(client.post(CREATE, payload(consultation), format="json"), 409, "consultation_closed")
    assert not Proposal.objects.exists()


def test_a_draft_consultation_is_unknown(client, consultation):
    consultation.unpublish()
    response = client.post(CREATE, payload(consultation), format="json")
    assert_error(response, 400, "invalid", fields=["consultation"])
    assert not Proposal.objects.exists()


def test_an_unknown_api_url_is_404_json(api):
    for url in ("/api/v1/nothing/", "/api/v1/proposals/1/nothing/", "/api/v2/", "/api/"):
        assert_error(api.get(url), 404, "not_found")


def test_a_wrong_method_is_405_json(citizen):
    proposal = factories.ProposalFactory()
    response = client_for(citizen).put(f"/api/v1/proposals/{proposal.pk}/support/")
    assert_error(response, 405, "method_not_allowed")
    assert_error(client_for(citizen).post("/api/v1/consultations/"), 405, "method_not_allowed")


# CSRF: a browser session must send the token with every write.


def csrf_client(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username=user.username, password="correct horse battery staple")
    return client


def test_a_session_post_without_the_csrf_token_is_refused(citizen):
    proposal = factories.ProposalFactory()
    response = csrf_client(citizen).post(f"/api/v1/proposals/{proposal.pk}/support/")
    error = assert_error(response, 403, "csrf_failed")
    assert "CSRF" in error["message"]
    assert not Support.objects.exists()


def test_a_session_post_with_the_csrf_token_succeeds(citizen):
    proposal = factories.ProposalFactory()
    client = csrf_client(citizen)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    response = client.post(f"/api/v1/proposals/{proposal.pk}/support/", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    assert Support.objects.filter(user=citizen).count() == 1


def test_reads_need_no_csrf_token(citizen):
    proposal = factories.ProposalFactory()
    assert csrf_client(citizen).get(f"/api/v1/proposals/{proposal.pk}/").status_code == 200


# Tokens for scripts


def test_token_auth_needs_no_csrf_token(citizen, consultation):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=citizen).key}")
    response = client.post(CREATE, payload(consultation), format="json")
    assert response.status_code == 201
    assert Proposal.objects.get().author == citizen


@pytest.mark.parametrize("header", ["Token nope", "Token ", "Token a b", "Bearer abc"])
def test_a_bad_token_is_401(consultation, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.post(CREATE, payload(consultation), format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"authentication_failed", "not_authenticated"}
    assert not Proposal.objects.exists()


# Rate limits


@pytest.fixture
def tight_rates(monkeypatch):
    """DRF reads the rates when the throttle class is defined, so the class attribute is what to change."""
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {"proposal_submit": "2/hour", "support": "3/minute", "official": "2/minute"},
    )


def test_supports_are_rate_limited_per_account(tight_rates):
    proposal = factories.ProposalFactory()
    citizen = factories.citizen()
    client = client_for(citizen)
    assert [client.post(f"/api/v1/proposals/{proposal.pk}/support/").status_code for _ in range(3)] == [
        201,
        200,
        200,
    ]
    limited = client.delete(f"/api/v1/proposals/{proposal.pk}/support/")
    assert_error(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) > 0
    assert Support.objects.filter(user=citizen).count() == 1  # the refused withdrawal did nothing
    assert (
        client_for(factories.citizen()).post(f"/api/v1/proposals/{proposal.pk}/support/").status_code == 201
    )
    assert client.get(f"/api/v1/proposals/{proposal.pk}/").status_code == 200  # reads are not limited


def test_submissions_are_rate_limited(tight_rates, citizen, consultation):
    client = client_for(citizen)
    for n in range(2):
        assert client.post(CREATE, payload(consultation, title=f"Idea {n}"), format="json").status_code == 201
    limited = client.post(CREATE, payload(consultation, title="One more"), format="json")
    assert_error(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) > 0
    assert Proposal.objects.count() == 2


def test_official_actions_are_rate_limited(tight_rates, official):
    proposal = factories.ProposalFactory()
    client = client_for(official)
    for status in ("under_review", "accepted"):
        assert client.post(f"/api/v1/proposals/{proposal.pk}/status/", {"status": status}).status_code == 200
    limited = client.post(f"/api/v1/proposals/{proposal.pk}/status/", {"status": "rejected"})
    assert_error(limited, 429, "rate_limited")
    assert "Retry-After" in limited
    assert Proposal.objects.get().status == "accepted"
