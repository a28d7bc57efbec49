"""The search engine backend against a real search server process (the bundled in-memory server of the
OpenSearch API, one clone per test, or the real engine TEST_ELASTICSEARCH_URL names, see tests/conftest.py):
analysis, the index and its alias, and indexing after commit from the services.

The bundled server makes documents searchable without a refresh; a real engine does not, so the tests
refresh where production code relies on the index's own refresh interval (`reindex` refreshes the index it
built; removing a proposal refreshes at once). Every analysis test also has queries
that must not match: a broken analyzer there makes every document match every query."""

import socket
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from proposals import services
from proposals.models import Proposal, Status, Visibility
from proposals.search import SearchUnavailable, engine, proposal_search, proposal_similar
from tests.support import factories
from tests.support.search import hung_engine, stopped_engine, use_engine
from votes.services import support_add

pytestmark = pytest.mark.django_db


def search(query: str, **kwargs):
    kwargs.setdefault("consultation_id", None)
    kwargs.setdefault("status", None)
    kwargs.setdefault("category", None)
    kwargs.setdefault("page", 1)
    kwargs.setdefault("page_size", 20)
    return proposal_search(query=query, **kwargs)


def titles(query: str) -> list[str]:
    return sorted(hit.title for hit in search(query).hits)


def reindex() -> str:
    out = StringIO()
    call_command("reindex", stdout=out)
    return out.getvalue()


def refresh() -> None:
    engine.client().indices.refresh(index=engine.alias_name())


def submit(author, consultation, title, summary="A summary.", body="Some details.", **kwargs) -> Proposal:
    return services.proposal_submit(
        author=author, consultation=consultation, title=title, summary=summary, body=body, **kwargs
    )


# Analysis


def test_french_analysis(search_engine, consultation):
    factories.ProposalFactory(
        consultation=consultation,
        title="Des démarches simplifiées pour l'école",
        summary="Les formulaires sont trop longs.",
        body="Remplir les pièces justificatives en ligne.",
        language="fr",
    )
    factories.ProposalFactory(consultation=consultation, title="A bike lane", summary="Safer.", body="Paint.")
    reindex()
    french = ["Des démarches simplifiées pour l'école"]
    for query in ["démarche", "demarches", "DÉMARCHE simplifiée", "formulaire", "justificative", "ecole"]:
        assert titles(query) == french, query
    for query in ["marche", "simple", "zzz", "formulaire bike", "école vélo"]:
        assert titles(query) == [], query


def test_english_analysis(search_engine, consultation):
    factories.ProposalFactory(
        consultation=consultation,
        title="Tracking every application",
        summary="Applicants are waiting for letters.",
        body="Running totals of the claims.",
    )
    factories.ProposalFactory(
        consultation=consultation, title="Une piste cyclable", summary="Sûre.", body="x"
    )
    reindex()
    english = ["Tracking every application"]
    for query in ["tracked applications", "APPLICATION", "letter", "run", "claim totals"]:
        assert titles(query) == english, query
    for query in ["ran", "apply", "zzz", "letters bike", "track piste"]:
        assert titles(query) == [], query


def test_accents_are_folded_without_a_language(search_engine, consultation):
    factories.ProposalFactory(consultation=consultation, title="Forêt et côte", summary="Été.", body="x")
    reindex()
    for query in ["foret", "FORÊT", "cote", "ete"]:
        assert titles(query) == ["Forêt et côte"], query
    for query in ["fore", "cotes maritimes", "zzz"]:
        assert titles(query) == [], query


def test_the_mapping_uses_the_built_in_language_analyzers(search_engine):
    (mapping,) = engine.client().indices.get_mapping(index=engine.alias_name()).values()
    title = mapping["mappings"]["properties"]["title"]
    assert title["analyzer"] == "folding"
    assert title["fields"] == {
        "en": {"type": "text", "analyzer": "english"},
        "fr": {"type": "text", "analyzer": "french"},
    }


# The index and its alias


def test_reindex_builds_a_new_index_swaps_the_alias_and_deletes_the_old_one(search_engine, consultation):
    for n in range(3):
        factories.ProposalFactory(consultation=consultation, title=f"Tracker {n}")
    factories.ProposalFactory(consultation=consultation, title="Hidden tracker", visibility=Visibility.HIDDEN)
    (first,) = engine.aliased_indices()
    output = reindex()
    (second,) = engine.aliased_indices()
    assert second != first and second.startswith(f"{engine.alias_name()}-")
    assert not engine.client().indices.exists(index=first)
    assert "3/3" in output and f"Deleted {first}" in output
    assert engine.client().count(index=engine.alias_name())["count"] == 3
    assert search("tracker").total == 3

    reindex()
    (third,) = engine.aliased_indices()
    assert third != second and not engine.client().indices.exists(index=second)
    assert list(engine.client().indices.get(index=f"{engine.alias_name()}-*")) == [third]


def test_reindex_creates_the_index_and_alias_on_a_new_cluster(search_server, settings, consultation):
    settings.SEARCH_BACKEND = "engine"
    factories.ProposalFactory(consultation=consultation, title="A tracker")
    assert not engine.client().indices.exists_alias(name=f"{search_server.prefix}-proposals")
    reindex()
    assert len(engine.aliased_indices()) == 1
    assert titles("tracker") == ["A tracker"]


def test_the_first_search_creates_the_index_if_missing(search_server, settings):
    settings.SEARCH_BACKEND = "engine"
    assert search_server.indices() == []
    assert search("anything").total == 0
    assert len(engine.aliased_indices()) == 1


def test_the_first_write_creates_the_index_if_missing(
    search_server, settings, citizen, consultation, django_capture_on_commit_callbacks
):
    settings.SEARCH_BACKEND = "engine"
    with django_capture_on_commit_callbacks(execute=True):
        submit(citizen, consultation, "A payment tracker")
    (index,) = engine.aliased_indices()
    assert index.startswith(f"{search_server.prefix}-proposals-")  # behind the alias, with our mappings
    refresh()
    assert titles("tracker") == ["A payment tracker"]


def test_the_api_answers_from_the_engine(search_engine, api, consultation):
    tracker = factories.ProposalFactory(consultation=consultation, title="A <b>tracker</b>", summary="Steps.")
    factories.ProposalFactory(consultation=consultation, title="Plain letters", summary="No jargon.")
    reindex()
    body = api.get("/api/v1/search/", {"q": "trackers", "consultation": consultation.pk}).json()
    assert body["count"] == 1 and body["results"][0]["id"] == tracker.pk
    assert body["results"][0]["highlights"]["title"] == ["A &lt;b&gt;<mark>tracker</mark>&lt;/b&gt;"]
    similar = api.get(
        "/api/v1/proposals/similar/", {"consultation": consultation.pk, "title": "Tracking my steps"}
    ).json()
    assert [hit["id"] for hit in similar] == [tracker.pk]


PLACES = "bicycle library garden parking museum bridge market school hospital theatre stadium harbour"


@pytest.mark.django_db(transaction=True)
def test_searches_at_once_from_many_threads_each_get_their_own_answer(search_engine, consultation):
    """More searches at once than the helpers that read the live consultations beside the engine's
    request, each thread on its own database connection, as a server's threads are."""
    for place in PLACES.split():
        factories.ProposalFactory(consultation=consultation, title=f"A better {place}", summary="-", body="-")
    reindex()
    start, found, failed = threading.Barrier(len(PLACES.split())), {}, []

    def searches(place: str) -> None:
        try:
            start.wait(timeout=10)
            found[place] = [titles(place) for _ in range(3)]
        except Exception as error:
            failed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=searches, args=[place]) for place in PLACES.split()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failed == []
    assert found == {place: [[f"A better {place}"]] * 3 for place in PLACES.split()}


def test_reindex_refuses_the_database_backend(settings):
    settings.SEARCH_BACKEND = "database"
    with pytest.raises(CommandError, match="not 'engine'"):
        reindex()


def test_each_test_cleans_up_its_own_indices_and_nothing_else(search_engine, settings):
    """What lets these tests run on an operator's cluster (TEST_ELASTICSEARCH_URL, tests/conftest.py): a
    test's indices and aliases are named under its own prefix, and the clean-up after it deletes them and
    leaves alone an index whose name merely starts with the same characters."""
    assert search_engine.prefix == settings.SEARCH_INDEX_PREFIX
    es = engine.client()
    neighbour = f"{search_engine.prefix}0-proposals"
    es.indices.create(index=neighbour)
    try:
        assert search_engine.indices() == engine.aliased_indices()
        search_engine.wipe()
        assert search_engine.indices() == []
        assert not es.indices.exists_alias(name=engine.alias_name())
        assert es.indices.exists(index=neighbour)
    finally:
        es.indices.delete(index=neighbour)


# Indexing after commit, from the services


def test_a_submitted_proposal_is_indexed_after_commit(
    search_engine, citizen, consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        proposal = submit(citizen, consultation, "A payment tracker")
        assert titles("tracker") == []  # nothing is indexed before the commit
    for callback in callbacks:
        callback()
    refresh()
    (hit,) = search("tracker").hits
    assert hit.id == proposal.pk and hit.supports == 0 and hit.status == Status.OPEN


def test_a_proposal_waiting_for_moderation_is_indexed_once_approved(
    search_engine, citizen, moderator, django_capture_on_commit_callbacks
):
    from cms.models import ModerationMode

    consultation = factories.consultation(moderation=ModerationMode.PRE)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = submit(citizen, consultation, "A payment tracker")
    refresh()
    assert titles("tracker") == []
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_moderate(actor=moderator, proposal=proposal, action="approve")
    refresh()
    assert titles("tracker") == ["A payment tracker"]


def test_a_hidden_proposal_disappears_after_moderation(
    search_engine, citizen, moderator, consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = submit(citizen, consultation, "Offensive tracker")
        submit(citizen, consultation, "Useful tracker")
    refresh()
    assert titles("tracker") == ["Offensive tracker", "Useful tracker"]
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Insults.")
    # No refresh here: a removal is refreshed by the indexing itself.
    assert titles("tracker") == ["Useful tracker"]
    assert not engine.client().exists(index=engine.alias_name(), id=proposal.pk)


def test_a_support_changes_the_indexed_count(
    search_engine, citizen, consultation, django_capture_on_commit_callbacks
):
    supporter = factories.citizen()
    with django_capture_on_commit_callbacks(execute=True):
        proposal = submit(citizen, consultation, "A payment tracker")
    with django_capture_on_commit_callbacks(execute=True):
        support_add(user=supporter, proposal=proposal)
    refresh()
    (hit,) = search("tracker").hits
    assert hit.supports == 1


def test_a_status_change_moves_the_proposal_between_facets(
    search_engine, citizen, official, consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = submit(citizen, consultation, "A payment tracker")
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_set_status(actor=official, proposal=proposal, status=Status.ACCEPTED)
    refresh()
    page = search("tracker", status=Status.ACCEPTED)
    assert [hit.id for hit in page.hits] == [proposal.pk]
    assert [(f.value, f.count) for f in page.facets["status"]] == [("accepted", 1)]


def test_an_engine_that_is_down_does_not_break_submission(
    settings, citizen, consultation, django_capture_on_commit_callbacks
):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{port}"
    settings.SEARCH_BACKEND = "engine"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        proposal = submit(citizen, consultation, "A payment tracker")
    # The broadcast (once the page's and the list's generations moved: visitors' kept pages forgotten),
    # the indexing: both run, although the engine is down.
    assert len(callbacks) == 2
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.PUBLISHED and proposal.title == "A payment tracker"


# Writes during a reindex, and a category renamed in the CMS


def test_writes_during_a_reindex_reach_the_new_index(
    search_engine, monkeypatch, citizen, moderator, consultation, django_capture_on_commit_callbacks
):
    """The worst order: the command reads the proposals, then they change (each change indexed after its
    commit), then the command bulk-writes what it read. The new index still shows the changes."""
    with django_capture_on_commit_callbacks(execute=True):
        kept = submit(citizen, consultation, "Payment tracker")
        hidden = submit(citizen, consultation, "Payment calendar")
        decided = submit(citizen, consultation, "Payment reminder")
    reindex()
    read_before_the_changes = list(engine.published_proposals())
    added = []

    def proposals_changed_while_read():
        with django_capture_on_commit_callbacks(execute=True):
            services.proposal_moderate(actor=moderator, proposal=hidden, action="hide", reason="Spam.")
            services.proposal_set_status(actor=moderator_official, proposal=decided, status=Status.ACCEPTED)
            added.append(submit(citizen, consultation, "Payment letters"))
        return iter(read_before_the_changes)

    moderator_official = factories.official()
    monkeypatch.setattr(engine, "published_proposals", proposals_changed_while_read)
    reindex()
    refresh()
    assert {hit.id for hit in search("payment").hits} == {kept.pk, decided.pk, added[0].pk}
    assert [hit.id for hit in search("payment", status=Status.ACCEPTED).hits] == [decided.pk]
    assert engine.rebuilding_indices() == []  # the swap ended the rebuild
    assert not engine.client().exists(index=engine.alias_name(), id=hidden.pk)


def test_a_category_renamed_in_the_cms_is_renamed_in_the_index(
    search_engine, citizen, consultation, django_capture_on_commit_callbacks
):
    import proposals.search.signals  # noqa: F401 - connects the receiver, as ProposalsConfig.ready() must
    from cms.models import ConsultationCategory, ConsultationPage

    online = ConsultationCategory.objects.get(page=consultation, slug="online")
    with django_capture_on_commit_callbacks(execute=True):
        submit(citizen, consultation, "Payment tracker", category=online)
    page = ConsultationPage.objects.get(pk=consultation.pk)
    categories = list(page.categories.all())
    for category in categories:
        if category.slug == "online":
            category.name = "Digital services"
    page.categories = categories  # edited in the page form, kept by the revision
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    refresh()
    facets = search("tracker").facets["category"]
    assert [(f.value, f.label) for f in facets] == [("online", "Digital services")]


def test_the_index_maps_the_stage_as_a_keyword_and_follows_its_renaming(
    search_engine, citizen, django_capture_on_commit_callbacks
):
    import proposals.search.signals  # noqa: F401 - connects the receiver, as ProposalsConfig.ready() must
    from cms.models import ConsultationPage

    mapping = engine.client().indices.get_mapping(index=engine.alias_name())
    [properties] = [index["mappings"]["properties"] for index in mapping.values()]
    assert properties["stage"] == {"type": "keyword"}
    assert properties["stage_name"] == {"type": "keyword"}

    journey = factories.consultation(stages=("Apply online",))
    with django_capture_on_commit_callbacks(execute=True):
        submit(citizen, journey, "Payment tracker", stage=journey.stages.get())
    refresh()
    [hit] = search("tracker", stage="apply-online").hits
    assert (hit.stage, hit.stage_name) == ("apply-online", "Apply online")

    page = ConsultationPage.objects.get(pk=journey.pk)
    stages = list(page.stages.all())
    stages[0].name = "Apply on the website"
    page.stages = stages  # edited in the page form, kept by the revision
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    refresh()
    facets = search("tracker").facets["stage"]
    assert [(f.value, f.label, f.count) for f in facets] == [("apply-online", "Apply on the website", 1)]


# An engine that cannot answer: searches raise SearchUnavailable (the page and the API turn it into a 503)


def test_a_search_on_a_stopped_engine_is_unavailable(settings, osmem_server, consultation):
    use_engine(settings, stopped_engine(osmem_server))
    with pytest.raises(SearchUnavailable):
        search("tracker")
    with pytest.raises(SearchUnavailable):
        proposal_similar(consultation_id=consultation.pk, title="A payment tracker", summary="")


def test_a_search_on_a_hung_engine_gives_up_after_the_client_timeout(settings, monkeypatch, consultation):
    monkeypatch.setattr(engine, "REQUEST_TIMEOUT", 0.5)  # the production 5 s, shortened for the test
    with hung_engine() as url:
        use_engine(settings, url)
        with pytest.raises(SearchUnavailable):
            search("tracker")
