"""What a client may send: a body of DATA_UPLOAD_MAX_MEMORY_SIZE bytes, DATA_UPLOAD_MAX_NUMBER_FIELDS fields,
a URL of MAX_URL_LENGTH characters, JSON nested JSON_MAX_DEPTH levels. Beyond, every API endpoint answers a
4xx in the common error body (never a 500, never an HTML or plain-text page) and writes nothing; the site's
pages answer their own error page, in the reader's language. Through the test client, then through a real
uvicorn process, where the body and the URL are read by the server before Django sees them."""

import http.client
import json

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from proposals.models import Comment, Proposal
from tests.support import factories
from tests.support.api import assert_error, client_for

CREATE = "/api/v1/proposals/"


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def payload(consultation) -> dict:
    return {
        "consultation": consultation.pk,
        "title": "Call backs",
        "summary": "No queue.",
        "body": "Details.",
    }


def too_many_fields() -> str:
    return "&".join(["a=1"] * (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 2_000))


def comments_of(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/comments/"


# --- Through the test client -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [settings.JSON_MAX_DEPTH + 1, 1_000, 100_000])
def test_deeply_nested_json_is_refused_on_every_endpoint(citizen, consultation, depth):
    proposal = factories.ProposalFactory(consultation=consultation)
    client = client_for(citizen)
    for path in (CREATE, comments_of(proposal)):
        response = client.generic("POST", path, nested(depth), content_type="application/json")
        error = assert_error(response, 400, "malformed_request")
        assert str(settings.JSON_MAX_DEPTH) in error["message"]
    # Nested inside a field, below the top level, too.
    deep_title = json.dumps({**payload(consultation), "title": json.loads(nested(settings.JSON_MAX_DEPTH))})
    response = client.generic("POST", CREATE, deep_title, content_type="application/json")
    assert_error(response, 400, "malformed_request")
    assert Proposal.objects.count() == 1
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_json_nested_up_to_the_limit_is_read(citizen, consultation):
    """At the limit the body is parsed, and refused for its fields, not for its shape."""
    title = json.loads(nested(settings.JSON_MAX_DEPTH - 1))
    response = client_for(citizen).post(CREATE, {**payload(consultation), "title": title}, format="json")
    assert_error(response, 400, "invalid", fields=["title"])


@pytest.mark.django_db
def test_brackets_in_text_are_not_nesting(citizen, consultation):
    data = {**payload(consultation), "title": "[" * 100, "body": "{[" * 5_000}
    response = client_for(citizen).post(CREATE, data, format="json")
    assert response.status_code == 201, response.content
    assert Proposal.objects.get().title == "[" * 100


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_over_the_limit_is_413(citizen, consultation, content_type):
    body = b'{"title": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    response = client_for(citizen).generic("POST", CREATE, body, content_type=content_type)
    error = assert_error(response, 413, "request_too_large")
    assert "2,621,440 bytes" in error["message"]
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_a_body_at_the_limit_is_read(citizen, consultation):
    data = payload(consultation)
    padding = settings.DATA_UPLOAD_MAX_MEMORY_SIZE - len(json.dumps({**data, "body": ""}))
    body = json.dumps({**data, "body": "x" * padding}).encode()
    assert len(body) == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client_for(citizen).generic("POST", CREATE, body, content_type="application/json")
    assert_error(response, 400, "invalid", fields=["body"])  # too long a text, read and refused


@pytest.mark.django_db
def test_too_many_fields(citizen, consultation):
    """Query parameters count too, but so many cannot fit in a URL the site reads (see below)."""
    body = too_many_fields().encode()
    response = client_for(citizen).generic(
        "POST", CREATE, body, content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 400, "too_many_fields")
    assert not Proposal.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/search/?q=" + "x" * 16_000,
        "/api/v1/" + "x" * 16_000 + "/",
        "/api/v1/" + "x" * 20_000,  # no slash: no redirect to an address too long for Django either
        "/api/v1/consultations/?" + "&".join(["a=1"] * 12_000),
    ],
    ids=["query", "path", "path-without-slash", "parameters"],
)
def test_a_url_over_the_limit_is_414(api, url):
    error = assert_error(api.get(url), 414, "uri_too_long")
    assert "16,000 characters" in error["message"]


@pytest.mark.django_db
def test_a_url_at_the_limit_is_read(api):
    path = "/api/v1/search/?q="
    response = api.get(path + "x" * (settings.MAX_URL_LENGTH - len(path)))
    assert_error(response, 400, "invalid", fields=["q"])


@pytest.mark.django_db
def test_other_refusals_of_django_are_json_under_the_api(api):
    response = api.get("/api/v1/consultations/", HTTP_HOST="evil.example")  # DisallowedHost
    assert_error(response, 400, "bad_request")


# The site's pages: their own page, in the reader's language, with the status.


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, heading, message",
    [
        ("en", "Request too large", "The request is too large: 2,621,440 bytes at most."),
        (
            "fr",
            "Requête trop volumineuse",
            "La requête est trop volumineuse\u00a0: 2\u202f621\u202f440 octets au maximum.",
        ),
    ],
)
def test_a_page_refuses_a_large_body_with_its_own_page(client, language, heading, message):
    response = client.post(
        "/accounts/login/",
        "login=" + "x" * (3 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert message in page


@pytest.mark.django_db
def test_a_page_refuses_a_long_url_and_many_fields_with_its_own_page(client):
    response = client.get("/?q=" + "x" * 20_000, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 414
    assert "<h1>Adresse trop longue</h1>" in response.content.decode()
    response = client.post(
        "/accounts/login/", too_many_fields(), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "The request has too many fields: 10,000 at most." in response.content.decode()


# --- Through a real uvicorn process ------------------------------------------------------------------


def raw_request(server, method: str, path: str, body: bytes = b"", headers=None):
    """(status, content type, body) of one request, sent as is (no client-side limit or encoding)."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_every_refusal_is_json_through_the_server(asgi_server):
    citizen = factories.citizen()
    proposal = factories.ProposalFactory()
    json_headers = {
        "Authorization": f"Token {Token.objects.create(user=citizen).key}",
        "Content-Type": "application/json",
    }
    log_start = len(asgi_server.log())
    cases = [
        ("POST", CREATE, nested(1_000), 400, "malformed_request"),
        ("POST", comments_of(proposal), nested(1_000), 400, "malformed_request"),
        ("POST", CREATE, b'{"title": "' + b"x" * (3 * 1024 * 1024) + b'"}', 413, "request_too_large"),
        (
            "GET",
            f"/api/v1/consultations/{proposal.consultation_id}/proposals/?" + too_many_fields(),
            b"",
            414,
            "uri_too_long",
        ),
        ("GET", "/api/v1/search/?q=" + "x" * 65_000, b"", 414, "uri_too_long"),
    ]
    for method, path, body, status, code in cases:
        answer_status, content_type, raw = raw_request(asgi_server, method, path, body, json_headers)
        assert (answer_status, content_type) == (status, "application/json"), (path[:60], raw[:200])
        assert json.loads(raw)["error"]["code"] == code
    assert not Proposal.objects.exclude(pk=proposal.pk).exists()
    assert not Comment.objects.exists()
    # Past what uvicorn's parser can read (httptools: a URL of 65,536 bytes), the server refuses the
    # request itself, before the site, in plain text (README, "The API").
    status, content_type, _body = raw_request(asgi_server, "GET", "/api/v1/search/?q=" + "x" * 70_000)
    assert (status, content_type) == (400, "text/plain; charset=utf-8")
    log = asgi_server.log()[log_start:]
    assert "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE" in log  # one line each
    assert "Traceback" not in log


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_a_body_announced_past_the_upload_limit_is_refused_without_being_read(asgi_server):
    """A client that announces more than UPLOAD_MAX_REQUEST_SIZE bytes is answered 413 at once: neither the
    server nor Django waits for (or keeps) the rest of its body."""
    citizen = factories.citizen()
    proposal = factories.ProposalFactory(author=citizen)
    token = Token.objects.create(user=citizen).key
    connection = http.client.HTTPConnection(asgi_server.host, asgi_server.port, timeout=30)
    try:
        connection.putrequest("POST", f"/api/v1/proposals/{proposal.pk}/attachments/")
        connection.putheader("Authorization", f"Token {token}")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(10 * settings.UPLOAD_MAX_REQUEST_SIZE))
        connection.endheaders(b"--x\r\n")  # a few bytes of the hundreds of megabytes announced
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["error"]["code"] == "request_too_large"
    finally:
        connection.close()
