"""The accessibility statement: reached from every page's footer with the conformance it claims, in English
and in French, with the contact the organisation sets (or where to turn without one)."""

import pytest
from django.urls import reverse

from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db

FRENCH = {"accept-language": "fr-FR,fr;q=0.9"}


@pytest.mark.parametrize(
    ("headers", "link"),
    [({}, "Accessibility: partially conformant"), (FRENCH, "Accessibilité\u00a0: partiellement conforme")],
)
def test_every_page_links_to_the_statement_with_its_status(client, headers, link):
    proposal = factories.ProposalFactory()
    for url in ("/", proposal.get_absolute_url(), reverse("search")):
        html = client.get(url, headers=headers).content.decode()
        assert f'<a href="/accessibility/">{link}</a>' in html, url


def test_the_statement_claims_partial_conformance_and_gives_the_contact(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@participate.example.org"

    response = client.get("/accessibility/")
    text = visible_text(response)

    assert response.status_code == 200
    assert "<h1>Accessibility statement</h1>" in response.content.decode()
    assert "partially conformant with the Web Content Accessibility Guidelines (WCAG) 2.2, level AA" in text
    assert "Known limitations" in text
    assert (
        '<a href="mailto:access@participate.example.org">access@participate.example.org</a>'
        in response.content.decode()
    )


def test_without_a_contact_the_statement_says_whom_to_tell(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""

    response = client.get("/accessibility/")

    assert "mailto:" not in response.content.decode()
    assert "tell the team in charge of the consultation" in visible_text(response)


def test_the_statement_in_french(client):
    text = visible_text(client.get("/accessibility/", headers=FRENCH))

    assert "Déclaration d’accessibilité" in text
    assert "partiellement conforme aux Règles pour l’accessibilité des contenus Web (WCAG) 2.2" in text
    assert "Déclaration établie le 24 novembre 2026." in text
