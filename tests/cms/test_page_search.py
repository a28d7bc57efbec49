"""Consultation pages found through Wagtail's own search, on both of its backends: PostgreSQL (no search
engine configured) and the search engine (Wagtail's Elasticsearch 7 backend on an empty engine, its indices
built by `update_index`: the bundled in-memory server of the OpenSearch API, or the real one
TEST_ELASTICSEARCH_URL names, see tests/conftest.py). Pages are written and published through Wagtail, whose
signal handlers keep the index up to date.

The in-memory server makes documents searchable without a refresh; a real engine does not, so the tests
refresh before every search, the search page's included. Every search that must find something has a twin
that must not."""

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Page, PageViewRestriction
from wagtail.search.backends import get_search_backend

from cms.models import ConsultationPage
from cocreate.settings.base import wagtail_search_backends
from tests.support import factories
from tests.support.pages import visible_text
from tests.support.search import TEST_ELASTICSEARCH_URL

pytestmark = pytest.mark.django_db


def engine_backends(url: str, prefix: str) -> dict:
    """What the settings configure when ELASTICSEARCH_URL is set."""
    return wagtail_search_backends(url, prefix)


def update_index() -> str:
    out = StringIO()
    call_command("update_index", stdout=out)
    return out.getvalue()


@pytest.fixture(params=["database", "engine"])
def backend(request, settings) -> str:
    """Wagtail's search on PostgreSQL, or on an empty engine whose indices `update_index` has created (as
    on a first deployment)."""
    if request.param == "engine":
        server = request.getfixturevalue("search_server")
        settings.WAGTAILSEARCH_BACKENDS = engine_backends(server.url, server.prefix)
        update_index()
    else:
        settings.WAGTAILSEARCH_BACKENDS = wagtail_search_backends("", settings.SEARCH_INDEX_PREFIX)
    return request.param


def refresh() -> None:
    backend = get_search_backend()
    if hasattr(backend, "es"):
        backend.get_index_for_model(Page).refresh()


def found(query: str) -> list[str]:
    refresh()
    hits = ConsultationPage.objects.live().public().search(query, operator="and")
    return sorted(page.title for page in hits)


@pytest.fixture
def pages(backend):
    """Two published consultations, one in French, one in English."""
    factories.consultation(
        title="Allocation chômage",
        slug="allocation",
        service="Pôle emploi",
        intro="Les démarches pour une inscription sont trop longues, l'attente aussi.",
    )
    factories.consultation(
        title="Parking permits",
        slug="parking",
        service="Residents parking",
        intro="Renewing a permit takes three visits.",
    )


def test_a_published_consultation_is_found_by_its_intro_and_service(pages):
    for query in ["inscription", "longues", "emploi", "Pôle", "ALLOCATION", "chômage"]:
        assert found(query) == ["Allocation chômage"], query
    for query in ["visits", "residents", "renewing permit"]:
        assert found(query) == ["Parking permits"], query
    for query in ["zzz", "inscription visits", "benefit"]:
        assert found(query) == [], query


def test_or_finds_either_word(pages):
    refresh()
    either = ConsultationPage.objects.live().public().search("inscription visits", operator="or")
    assert sorted(page.title for page in either) == ["Allocation chômage", "Parking permits"]


def test_a_draft_is_not_found_until_it_is_published_through_wagtail(backend):
    draft = factories.consultation(
        title="Library cards", slug="library", service="City libraries", intro="Borrowing ebooks.", live=False
    )
    assert found("ebooks") == []
    draft.save_revision().publish()
    assert found("ebooks") == ["Library cards"]

    # A draft of a live page stays out of the index; publishing it replaces what the index holds.
    draft.intro = "Opening hours on Sundays."
    revision = draft.save_revision()
    assert found("sundays") == []
    assert found("ebooks") == ["Library cards"]
    revision.publish()
    assert found("sundays") == ["Library cards"]
    assert found("ebooks") == []


def test_an_unpublished_consultation_is_no_longer_found(pages):
    page = ConsultationPage.objects.get(slug="parking")
    page.unpublish()
    assert found("visits") == []
    assert found("inscription") == ["Allocation chômage"]


def test_a_consultation_behind_a_view_restriction_is_not_found(pages):
    page = ConsultationPage.objects.get(slug="parking")
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.PASSWORD, password="x")
    assert found("visits") == []
    assert found("inscription") == ["Allocation chômage"]


# Accents are folded on both backends, in English and French pages. The bundled in-memory server keeps an
# index's analysis settings but indexes and searches every text field with the standard analyzer whatever
# they say, so only a real engine can fold accents there: with TEST_ELASTICSEARCH_URL the engine case is an
# ordinary test; on the bundled server it is a failure that must happen (strict), and the next test checks
# what the engine is given.
ON_A_REAL_ENGINE_ONLY = pytest.mark.xfail(
    not TEST_ELASTICSEARCH_URL,
    reason="the bundled server ignores the index's default analyzer; run with TEST_ELASTICSEARCH_URL",
    raises=AssertionError,
    strict=True,
)
FOLDING_BACKENDS = pytest.mark.parametrize(
    "backend", ["database", pytest.param("engine", marks=ON_A_REAL_ENGINE_ONLY)], indirect=True
)


@pytest.fixture
def nurseries(backend):
    """A consultation on crèches, its French translation, and one whose title leaves the accent out."""
    english = factories.consultation(
        title="Crèche places", slug="creche", service="Early years", intro="A place for every toddler."
    )
    factories.translation(
        english,
        factories.french(),
        title="Places en crèche",
        service="Petite enfance",
        intro="Une place pour chaque enfant de moins de trois ans.",
    )
    factories.consultation(
        title="Creche opening hours", slug="creche-hours", service="Early years", intro="Open from seven."
    )


@FOLDING_BACKENDS
def test_creche_finds_crèche_and_back_in_english_and_french(nurseries, backend):
    for query in ["creche", "crèche", "CRÈCHE", "Crêche"]:
        assert found(query) == ["Creche opening hours", "Crèche places", "Places en crèche"], query
    assert found("creche enfant") == ["Places en crèche"]
    assert found("crèche hours") == ["Creche opening hours"]
    for query in ["cruche", "crèche visits"]:
        assert found(query) == [], query


@FOLDING_BACKENDS
def test_accents_are_folded_in_every_field(pages, backend):
    for query in ["chomage", "CHÔMAGE", "demarches", "pole emploi", "allocatiön", "démarchés"]:
        assert found(query) == ["Allocation chômage"], query
    for query in ["chomeur", "pole visits"]:
        assert found(query) == [], query


def test_the_engine_is_given_a_folding_analyzer_for_every_page_text_field(search_server, settings):
    """What the bundled server can check of the folding: the index's default analyzer (the one of every
    text field Wagtail maps without its own) is the standard one plus `asciifolding`, and the engine
    analyses a page field's text with it."""
    settings.WAGTAILSEARCH_BACKENDS = engine_backends(search_server.url, search_server.prefix)
    update_index()
    es = get_search_backend().es
    (index,) = es.indices.get_alias(name=f"{search_server.prefix}-wagtail-wagtailcore_page")
    analysis = es.indices.get_settings(index=index)[index]["settings"]["index"]["analysis"]
    assert analysis["analyzer"]["default"] == {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["lowercase", "asciifolding"],
    }
    mapping = es.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert "analyzer" not in mapping["_all_text"] and "analyzer" not in mapping["title"]
    for field in ["_all_text", "title"]:
        tokens = es.indices.analyze(index=index, body={"field": field, "text": "Crèche, Pôle emploi"})
        assert [token["token"] for token in tokens["tokens"]] == ["creche", "pole", "emploi"], field


def test_a_french_elision_is_a_word_only_in_postgresql(pages, backend):
    """PostgreSQL's parser splits "l'attente" at the apostrophe; the engine's `standard` tokenizer keeps it
    as one word, so only the whole form finds it there."""
    assert found("l'attente") == ["Allocation chômage"]
    assert found("attente") == (["Allocation chômage"] if backend == "database" else [])


def test_update_index_fills_the_engine_with_pages_written_before_it(settings, search_server):
    # Written while Wagtail searches PostgreSQL, so the engine has never heard of them.
    settings.WAGTAILSEARCH_BACKENDS = wagtail_search_backends("", search_server.prefix)
    factories.consultation(title="Waste collection", slug="waste", service="Recycling", intro="Bin days.")
    factories.consultation(title="Old draft", slug="old", service="Recycling", intro="Bin lids.", live=False)

    settings.WAGTAILSEARCH_BACKENDS = engine_backends(search_server.url, search_server.prefix)
    output = update_index()
    assert "cms.ConsultationPage" in output
    alias = f"{search_server.prefix}-wagtail-wagtailcore_page"
    assert get_search_backend().es.indices.exists_alias(name=alias)
    assert found("recycling") == ["Waste collection"]
    assert found("lids") == []

    # Run again (a repair after an outage): a new index behind the same alias, the old one gone.
    (first,) = get_search_backend().es.indices.get_alias(name=alias)
    update_index()
    (second,) = get_search_backend().es.indices.get_alias(name=alias)
    assert second != first and not get_search_backend().es.indices.exists(index=first)
    assert found("recycling") == ["Waste collection"]


# The search page


def test_the_search_page_lists_matching_consultations_above_the_proposals(client, pages):
    allocation = ConsultationPage.objects.get(slug="allocation")
    factories.ProposalFactory(consultation=allocation, title="Inscription en une étape", summary="Vite.")
    refresh()
    response = client.get("/search/", {"q": "inscription"})
    assert response.status_code == 200
    html, text = response.content.decode(), visible_text(response)
    assert f'<a href="{allocation.url}">Allocation chômage</a>' in html
    assert "Pôle emploi" in text and "Les démarches pour une inscription sont trop longues" in text
    assert "Parking permits" not in text
    assert html.index('id="consultations-heading"') < html.index('id="results-heading"')
    assert "1 proposal found" in text


def test_the_search_page_without_a_matching_consultation(client, pages):
    refresh()
    for query in ["zzz", "inscription visits"]:  # every word must match
        response = client.get("/search/", {"q": query})
        assert 'id="consultations-heading"' not in response.content.decode()
        text = visible_text(response)
        assert "Allocation chômage" not in text and "Parking permits" not in text
        assert f"No proposal matches “{query}”." in text


def test_consultations_are_listed_on_the_first_page_only(client, pages):
    refresh()
    text = visible_text(client.get("/search/", {"q": "visits", "page": 2}))
    assert "Parking permits" not in text
    text = visible_text(client.get("/search/", {"q": "visits"}))
    assert "Parking permits" in text
