"""The consultation page links to its open data downloads, in the visitor's language, with text that says
the format."""

import re

import pytest
from django.test import Client

from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db


def download_links(response) -> dict[str, str]:
    """Link text -> address, for the links in the page's open data section."""
    html = response.content.decode()
    section = re.search(r'<section[^>]*aria-labelledby="open-data-heading".*?</section>', html, re.S)
    assert section, "no open data section"
    return {
        text.strip(): href for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', section[0])
    }


def test_the_page_links_to_both_downloads(client, consultation):
    response = client.get(consultation.url)

    assert "Open data" in visible_text(response)
    links = download_links(response)
    assert links == {
        "Download the proposals (CSV)": f"/api/v1/consultations/{consultation.pk}/export.csv",
        "Download the proposals (JSON)": f"/api/v1/consultations/{consultation.pk}/export.json",
    }
    for href in links.values():
        assert client.get(href).status_code == 200


def test_the_links_in_french(consultation):
    client = Client(headers={"accept-language": "fr-FR,fr;q=0.9"})

    response = client.get(consultation.url)

    assert "Données ouvertes" in visible_text(response)
    assert set(download_links(response)) == {
        "Télécharger les propositions (CSV)",
        "Télécharger les propositions (JSON)",
    }
