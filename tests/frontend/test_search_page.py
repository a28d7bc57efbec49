"""The search page: results with their highlights, facets as filter links, pages, advice when nothing is
found, escaping; and the search box in every page's header."""

import re

import pytest

from cms.models import ConsultationCategory
from cocreate.settings.base import wagtail_search_backends as engine_backends
from proposals.models import Status, Visibility
from proposals.search import database
from tests.support import factories
from tests.support.pages import visible_text
from tests.support.search import stopped_engine, use_engine

pytestmark = pytest.mark.django_db


def get(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def test_the_header_has_a_search_box(client, consultation):
    html = client.get(consultation.url).content.decode()
    assert re.search(r'<form class="search-form" role="search" method="get" action="/search/">', html)
    assert '<label for="site-search-q">' in html and 'id="site-search-q" name="q"' in html


def test_an_empty_search_shows_the_form_and_advice(client):
    response = get(client)
    html = response.content.decode()
    assert '<label for="search-page-q">Search proposals</label>' in html
    assert "accents and capitals do not matter" in visible_text(response)


def test_results_with_highlights_facets_and_counts(client, consultation):
    online = ConsultationCategory.objects.get(page=consultation, slug="online")
    factories.ProposalFactory(
        consultation=consultation,
        title="Simplifier la démarche",
        summary="Une seule démarche.",
        category=online,
        status=Status.ACCEPTED,
        supports_count=3,
        language="fr",
    )
    factories.ProposalFactory(consultation=consultation, title="Demarche tracker", summary="Steps.")
    factories.ProposalFactory(
        consultation=consultation, title="Pending démarche", visibility=Visibility.PENDING
    )
    response = get(client, q="demarche")
    html, text = response.content.decode(), visible_text(response)
    assert "2 proposals found" in text
    assert "<mark>démarche</mark>" in html and "<mark>Demarche</mark>" in html
    assert "Pending" not in text
    assert "3 supports" in text and "Accepted" in text
    assert re.search(r'href="\?q=demarche&amp;status=accepted">Accepted \(1\)</a>', html)
    assert re.search(r'href="\?q=demarche&amp;status=open">Open for support \(1\)</a>', html)
    assert re.search(r'href="\?q=demarche&amp;category=online">Online \(1\)</a>', html)


def test_counts_past_the_bound_read_at_least_in_both_languages(client, consultation, monkeypatch):
    monkeypatch.setattr(database, "COUNT_WINDOW", 3)
    for n in range(4):
        factories.ProposalFactory(consultation=consultation, title=f"Tracker {n}", status=Status.ACCEPTED)
    response = get(client, q="tracker")
    html, text = response.content.decode(), visible_text(response)
    assert "At least 3 proposals found" in text
    assert "More proposals match these words than were counted and listed here." in text
    assert re.search(r'href="\?q=tracker&amp;status=accepted">Accepted \(at least 3\)</a>', html)
    french = visible_text(client.get("/search/", {"q": "tracker"}, headers={"accept-language": "fr"}))
    assert "Au moins 3 propositions trouvées" in french and "(au moins 3)" in french

    monkeypatch.setattr(database, "COUNT_WINDOW", 5)
    text = visible_text(get(client, q="tracker"))
    assert "4 proposals found" in text and "at least" not in text.lower() and "(4)" in text


def test_a_facet_link_filters_and_can_be_removed(client, consultation):
    factories.ProposalFactory(consultation=consultation, title="Tracker one", status=Status.ACCEPTED)
    factories.ProposalFactory(consultation=consultation, title="Tracker two")
    response = get(client, q="tracker", status="accepted")
    html, text = response.content.decode(), visible_text(response)
    assert "1 proposal found" in text and "Tracker one" in text and "Tracker two" not in text
    assert re.search(r'href="\?q=tracker" aria-current="true">Accepted \(1\)', html)


def test_pages(client, consultation):
    for n in range(3):
        factories.ProposalFactory(consultation=consultation, title=f"Tracker {n}", supports_count=n)
    first = get(client, q="tracker", page_size=2)
    assert "Page 1 of 2" in visible_text(first)
    assert 'href="?q=tracker&amp;page_size=2&amp;page=2" rel="next"' in first.content.decode()
    second = get(client, q="tracker", page_size=2, page=2)
    assert "Tracker 0" in visible_text(second) and "Tracker 2" not in visible_text(second)
    assert 'rel="prev"' in second.content.decode()


def test_no_results_gives_advice(client, consultation):
    factories.ProposalFactory(consultation=consultation, title="Tracker")
    text = visible_text(get(client, q="<nothing>", status="accepted"))
    assert "0 proposals found" in text
    assert "No proposal matches “<nothing>”." in text
    assert "Check the spelling" in text and "Search again without the filters" in text


def test_user_text_is_escaped(client, consultation):
    factories.ProposalFactory(
        consultation=consultation,
        title="<script>alert(1)</script> démarche",
        summary="<img src=x onerror=alert(1)>",
    )
    html = get(client, q="démarche").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>démarche</mark>" in html
    html = get(client, q='"><b>démarche').content.decode()
    assert "<b>" not in html and 'value="&quot;&gt;&lt;b&gt;démarche"' in html


def test_bad_parameters_are_explained_not_an_error_page(client, consultation):
    response = get(client, q="tracker", status="nope", consultation="abc")
    text = visible_text(response)
    assert "is not a valid choice" in text and "A valid integer is required" in text
    assert get(client, q="x" * 201).status_code == 200


@pytest.mark.parametrize("pages_on_the_engine", [True, False])
def test_an_engine_that_is_down_gives_a_polite_503(
    client, settings, osmem_server, consultation, pages_on_the_engine
):
    """Proposals and consultation pages are both searched on the engine when one is configured; either
    failing gives the form back with a message, never a server error."""
    url = stopped_engine(osmem_server)
    use_engine(settings, url)
    if pages_on_the_engine:
        settings.WAGTAILSEARCH_BACKENDS = engine_backends(url, settings.SEARCH_INDEX_PREFIX)
    response = client.get("/search/", {"q": "tracker"})
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    text = visible_text(response)
    assert "Search is unavailable right now. Please try again in a few minutes." in text
    assert 'id="search-page-q" name="q"' in response.content.decode() and "proposals found" not in text
