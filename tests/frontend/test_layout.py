"""allauth's pages inside the site's layout, and the error pages."""

import re

import pytest
from django.template.loader import render_to_string

from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "heading"), [("/accounts/login/", "Sign in"), ("/accounts/signup/", "Create an account")]
)
def test_allauth_pages_render_in_the_site_layout(client, path, heading):
    response = client.get(path)

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/frontend/site.css" in html
    assert "Skip to main content" in visible_text(response)
    assert re.search(rf"<title>\s*{heading}\s*· cocreate</title>", html)
    assert html.count("<h1") == 1
    assert 'name="password' in html and "csrfmiddlewaretoken" in html
    assert "Menu:" not in html  # allauth's bare default layout is not used


def test_email_management_renders_for_a_signed_in_citizen(client_for, unverified):
    response = client_for(unverified).get("/accounts/email/")

    assert response.status_code == 200
    assert unverified.email in visible_text(response)
    assert "/static/frontend/site.css" in response.content.decode()


def test_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in visible_text(response)
    assert "See all consultations" in visible_text(response)


def test_500_page_renders_without_a_request():
    html = render_to_string("500.html")

    assert "Something went wrong" in html
    assert "/static/frontend/site.css" in html
