"""Security headers: the strict content-security policy on the public site, the looser one of the API docs,
none on Wagtail's admin, and the headers every response carries. The browser side (no violation on the
main pages, live updates still working) is in tests/e2e/test_content_security_policy.py."""

import json
import re

import pytest
from django.urls import reverse

from tests.support import factories
from tests.support.deploy import manage, production_env

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "object-src": ["'none'"],
}


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


@pytest.fixture
def proposal(db):
    return factories.ProposalFactory(consultation=factories.consultation())


def public_paths(proposal) -> list[str]:
    return [
        proposal.consultation.url,
        reverse("proposal_detail", args=[proposal.pk]),
        reverse("proposal_submit", args=[proposal.consultation.pk]),
        reverse("search") + "?q=upload",
        "/api/v1/consultations/",
    ]


def test_public_pages_and_the_api_get_the_strict_policy(client, proposal):
    client.force_login(factories.citizen())
    for path in public_paths(proposal):
        response = client.get(path)
        assert response.status_code == 200, path
        assert policy(response) == STRICT, path


def test_sign_in_and_a_page_not_found_get_the_strict_policy_too(client):
    assert policy(client.get("/accounts/login/")) == STRICT
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert policy(response) == STRICT


def test_api_docs_may_run_their_inline_start_script_and_styles_and_nothing_else(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    docs = policy(response)
    assert docs["script-src"] == ["'self'", "'unsafe-inline'"]
    assert docs["style-src"] == ["'self'", "'unsafe-inline'"]
    assert {k: v for k, v in docs.items() if k not in ("script-src", "style-src")} == {
        k: v for k, v in STRICT.items() if k not in ("script-src", "style-src")
    }
    # The Swagger UI comes from our own static files, not from a CDN the policy would have to allow: every
    # script and style sheet it loads is on this site (the page's random CSRF token may spell "cdn").
    page = response.content.decode()
    loaded = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', page)
    assert loaded and all(url.startswith("/static/") for url in loaded), loaded


def test_wagtail_admin_is_left_out_of_the_policy(client):
    client.force_login(factories.citizen(is_superuser=True, is_staff=True))

    response = client.get("/cms/")

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


def test_every_response_carries_the_other_security_headers(client, proposal):
    for path in [*public_paths(proposal), "/cms/login/", "/api/docs/"]:
        response = client.get(path)
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        if path != "/api/docs/":  # drf-spectacular opens it for Swagger's OAuth pop-up, which we do not use
            assert response["Cross-Origin-Opener-Policy"] == "same-origin", path
        assert response["X-Frame-Options"] == "DENY", path
        features = dict(item.strip().split("=") for item in response["Permissions-Policy"].split(","))
        assert {"camera", "microphone", "geolocation", "payment"} <= set(features), path
        assert set(features.values()) == {"()"}, path


def test_production_names_the_websocket_of_each_allowed_host():
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src']))"
    )
    env = production_env(ALLOWED_HOSTS="participate.example.org,.cocreate.example.net")

    result = manage("shell", "-c", code, env=env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "'self'",
        "wss://participate.example.org",
        "wss://*.cocreate.example.net",
    ]
