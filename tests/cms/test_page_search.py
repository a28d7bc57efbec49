"""Consultation pages found through Wagtail's own search, on both of its backends: PostgreSQL (no search
engine configured) and the search engine (Wagtail's Elasticsearch 7 backend on a fresh clone of the
in-memory server of the OpenSearch API, its indices built by `update_index`). Pages are written and
published through Wagtail, whose signal handlers keep the index up to date.

That server makes documents searchable without a refresh; a real engine does not, so the tests refresh
before searching. Every search that must find something has a twin that must not."""

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Page, PageViewRestriction
from wagtail.search.backends import get_search_backend

from cms.models import ConsultationPage
from tests import factories
from tests.frontend.conftest import visible_text

pytestmark = pytest.mark.django_db


def engine_backends(url: str, prefix: str) -> dict:
    """What cocreate/settings/base.py configures when ELASTICSEARCH_URL is set."""
    return {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch7",
            "URLS": [url],
            "INDEX_PREFIX": f"{prefix}-wagtail-",
            "TIMEOUT": 5,
        }
    }


def update_index() -> str:
    out = StringIO()
    call_command("update_index", stdout=out)
    return out.getvalue()


@pytest.fixture(params=["database", "engine"])
def backend(request, settings) -> str:
    """Wagtail's search on PostgreSQL, or on an empty engine whose indices `update_index` has created (as
    on a first deployment)."""
    if request.param == "engine":
        clone = request.getfixturevalue("osmem_clone")
        settings.ELASTICSEARCH_URL = clone.url
        settings.WAGTAILSEARCH_BACKENDS = engine_backends(clone.url, settings.SEARCH_INDEX_PREFIX)
        update_index()
    else:
        settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
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


def test_accents_are_not_folded(pages):
    """Neither backend folds accents for pages: Wagtail indexes them with the engine's `standard` analyzer,
    and PostgreSQL's default text search configuration has no `unaccent`. Capitals do not matter."""
    assert found("CHÔMAGE") == ["Allocation chômage"]
    assert found("démarches") == ["Allocation chômage"]
    for query in ["chomage", "demarches", "pole"]:
        assert found(query) == [], query


def test_a_french_elision_is_a_word_only_in_postgresql(pages, backend):
    """PostgreSQL's parser splits "l'attente" at the apostrophe; the engine's `standard` tokenizer keeps it
    as one word, so only the whole form finds it there."""
    assert found("l'attente") == ["Allocation chômage"]
    assert found("attente") == (["Allocation chômage"] if backend == "database" else [])


def test_update_index_fills_the_engine_with_pages_written_before_it(settings, osmem_clone):
    # Written while Wagtail searches PostgreSQL, so the engine has never heard of them.
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    factories.consultation(title="Waste collection", slug="waste", service="Recycling", intro="Bin days.")
    factories.consultation(title="Old draft", slug="old", service="Recycling", intro="Bin lids.", live=False)

    settings.ELASTICSEARCH_URL = osmem_clone.url
    settings.WAGTAILSEARCH_BACKENDS = engine_backends(osmem_clone.url, settings.SEARCH_INDEX_PREFIX)
    output = update_index()
    assert "cms.ConsultationPage" in output
    alias = f"{settings.SEARCH_INDEX_PREFIX}-wagtail-wagtailcore_page"
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
    response = client.get("/search/", {"q": "inscription"})
    assert response.status_code == 200
    html, text = response.content.decode(), visible_text(response)
    assert f'<a href="{allocation.url}">Allocation chômage</a>' in html
    assert "Pôle emploi" in text and "Les démarches pour une inscription sont trop longues" in text
    assert "Parking permits" not in text
    assert html.index('id="consultations-heading"') < html.index('id="results-heading"')
    assert "1 proposal found" in text


def test_the_search_page_without_a_matching_consultation(client, pages):
    for query in ["zzz", "inscription visits"]:  # every word must match
        response = client.get("/search/", {"q": query})
        assert 'id="consultations-heading"' not in response.content.decode()
        text = visible_text(response)
        assert "Allocation chômage" not in text and "Parking permits" not in text
        assert f"No proposal matches “{query}”." in text


def test_consultations_are_listed_on_the_first_page_only(client, pages):
    text = visible_text(client.get("/search/", {"q": "visits", "page": 2}))
    assert "Parking permits" not in text
    text = visible_text(client.get("/search/", {"q": "visits"}))
    assert "Parking permits" in text
