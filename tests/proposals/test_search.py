"""Proposal search, the same tests on every backend: PostgreSQL (the database backend), the search engine
(a real in-memory search server process, filled by the `reindex` command before each search), and, where
noted, the database backend's Python fallback for SQLite, whose functions work on any database."""

from io import StringIO

import pytest
from django.contrib.postgres.search import SearchVector
from django.core.management import call_command
from wagtail.models import PageViewRestriction

from cms.models import ConsultationCategory
from proposals import selectors
from proposals.models import Proposal, Status, Visibility
from proposals.search import database as backend
from proposals.search import proposal_search, proposal_similar
from tests.support import factories

pytestmark = pytest.mark.django_db

WITH_FALLBACK = pytest.mark.parametrize("search_backend", ["database", "fallback", "engine"], indirect=True)


class Backend:
    """Searches through one backend; with the engine, the proposals are indexed first, by the same command
    that fills a production index."""

    def __init__(self, name: str):
        self.name = name

    def sync(self) -> None:
        if self.name == "engine":
            call_command("reindex", stdout=StringIO())

    def search(self, query: str = "", **kwargs):
        self.sync()
        function = backend.python_search if self.name == "fallback" else proposal_search
        return search(function, query, **kwargs)

    def similar(self, **kwargs):
        self.sync()
        return (backend.python_similar if self.name == "fallback" else proposal_similar)(**kwargs)


@pytest.fixture(params=["database", "engine"])
def search_backend(request) -> Backend:
    if request.param == "engine":
        request.getfixturevalue("search_engine")
    return Backend(request.param)


def search(function=proposal_search, query="", **kwargs):
    kwargs.setdefault("consultation_id", None)
    kwargs.setdefault("status", None)
    kwargs.setdefault("category", None)
    kwargs.setdefault("page", 1)
    kwargs.setdefault("page_size", 20)
    return function(query=query, **kwargs)


def proposal(consultation, title, summary="A short summary.", body="Some details.", **fields):
    return factories.ProposalFactory(
        consultation=consultation, title=title, summary=summary, body=body, **fields
    )


def titles(page) -> list[str]:
    return [hit.title for hit in page.hits]


@WITH_FALLBACK
@pytest.mark.parametrize("query", ["démarche", "demarche", "DÉMARCHE", "Demarche"])
def test_accents_and_case_are_folded_both_ways(consultation, search_backend, query):
    proposal(consultation, "Simplifier la démarche en ligne", language="fr")
    proposal(consultation, "One demarche page for everything")
    proposal(consultation, "Call backs instead of queues")
    assert sorted(titles(search_backend.search(query))) == [
        "One demarche page for everything",
        "Simplifier la démarche en ligne",
    ]


@WITH_FALLBACK
def test_plurals_find_singulars_and_back(consultation, search_backend):
    proposal(consultation, "A proposal tracker")
    proposal(consultation, "Several letters in plain language", body="Rewrite the letters.")
    assert titles(search_backend.search("proposals")) == ["A proposal tracker"]
    assert titles(search_backend.search("letter")) == ["Several letters in plain language"]


def test_english_stemming(consultation, search_backend):
    proposal(consultation, "Tracking every application", body="Applicants are waiting.")
    proposal(consultation, "Tracks for bikes", body="Wider lanes.")
    assert titles(search_backend.search("tracked applications")) == ["Tracking every application"]


def test_french_stemming(consultation, search_backend):
    proposal(
        consultation, "Des démarches simplifiées", body="Les formulaires sont trop longs.", language="fr"
    )
    proposal(consultation, "Une démarche", body="Des formalités.", language="fr")
    assert titles(search_backend.search("démarche simplifiée")) == ["Des démarches simplifiées"]
    assert titles(search_backend.search("formulaire")) == ["Des démarches simplifiées"]


@WITH_FALLBACK
def test_every_word_must_match(consultation, search_backend):
    proposal(consultation, "Payment tracker online")
    proposal(consultation, "Payment by post")
    assert titles(search_backend.search("payment tracker")) == ["Payment tracker online"]


@WITH_FALLBACK
def test_the_words_may_be_spread_over_the_fields(consultation, search_backend):
    proposal(consultation, "Payment tracker", summary="For every claim.", body="Sent by post.")
    proposal(consultation, "Payment by post", summary="Letters.", body="Nothing else.")
    assert titles(search_backend.search("tracker claim post")) == ["Payment tracker"]


@WITH_FALLBACK
def test_a_title_match_ranks_above_a_body_match(consultation, search_backend):
    body_only = proposal(consultation, "Shorter queues", body="And a tracker for the payment.")
    body_only.supports_count = 50
    body_only.save()
    proposal(consultation, "A payment tracker", body="Nothing else.")
    assert titles(search_backend.search("tracker")) == ["A payment tracker", "Shorter queues"]


@WITH_FALLBACK
def test_pending_and_hidden_proposals_are_never_found(consultation, search_backend):
    proposal(consultation, "Visible tracker")
    proposal(consultation, "Pending tracker", visibility=Visibility.PENDING)
    proposal(consultation, "Hidden tracker", visibility=Visibility.HIDDEN)
    page = search_backend.search("tracker")
    assert titles(page) == ["Visible tracker"]
    assert page.total == 1
    assert [hit.title for hit in search_backend.search("pending").hits] == []


def test_proposals_of_an_unpublished_consultation_are_not_found(consultation, search_backend):
    proposal(consultation, "A tracker")
    assert search_backend.search("tracker").total == 1
    consultation.unpublish()
    assert search_backend.search("tracker").total == 0


@WITH_FALLBACK
def test_proposals_of_a_restricted_consultation_or_section_are_not_found(consultation, search_backend):
    """A view restriction on the consultation, or on a page above it, hides its proposals from search."""
    proposal(consultation, "A tracker")
    restriction = PageViewRestriction.objects.create(
        page=consultation, restriction_type=PageViewRestriction.LOGIN
    )
    assert search_backend.search("tracker").total == 0
    restriction.delete()
    assert search_backend.search("tracker").total == 1
    PageViewRestriction.objects.create(
        page=consultation.get_parent(), restriction_type=PageViewRestriction.LOGIN
    )
    assert search_backend.search("tracker").total == 0
    assert search_backend.search("tracker", consultation_id=consultation.pk).total == 0


@WITH_FALLBACK
def test_filters_by_consultation_status_and_category(consultation, search_backend):
    other = factories.consultation(title="Housing")
    online = ConsultationCategory.objects.get(page=consultation, slug="online")
    proposal(consultation, "Tracker one", category=online, status=Status.ACCEPTED)
    proposal(consultation, "Tracker two")
    proposal(other, "Tracker three")
    assert sorted(titles(search_backend.search("tracker", consultation_id=consultation.pk))) == [
        "Tracker one",
        "Tracker two",
    ]
    assert titles(search_backend.search("tracker", status="accepted")) == ["Tracker one"]
    assert titles(search_backend.search("tracker", category="online")) == ["Tracker one"]


@WITH_FALLBACK
def test_facets_count_the_whole_result_set_not_the_page(consultation, search_backend):
    online = ConsultationCategory.objects.get(page=consultation, slug="online")
    post = ConsultationCategory.objects.create(page=consultation, name="By post", slug="by-post")
    for n in range(3):
        proposal(consultation, f"Tracker {n}", category=online, status=Status.ACCEPTED)
    for n in range(2):
        proposal(consultation, f"Other tracker {n}", category=post)
    proposal(consultation, "Uncategorised tracker")
    proposal(consultation, "Not matching at all", category=online)

    page = search_backend.search("tracker", page_size=2)
    assert page.total == 6 and len(page.hits) == 2 and page.num_pages == 3
    assert {(f.value, f.count) for f in page.facets["status"]} == {("accepted", 3), ("open", 3)}
    assert [(f.value, f.label, f.count) for f in page.facets["category"]] == [
        ("online", "Online", 3),
        ("by-post", "By post", 2),
    ]
    # A filter narrows the other facet, not its own: the other choices stay visible with their counts.
    filtered = search_backend.search("tracker", status="accepted")
    assert {(f.value, f.count) for f in filtered.facets["status"]} == {("accepted", 3), ("open", 3)}
    assert [(f.value, f.count) for f in filtered.facets["category"]] == [("online", 3)]


@WITH_FALLBACK
def test_the_stage_facet_and_filter(search_backend):
    journey = factories.consultation(stages=("Apply online", "Wait for the decision"))
    apply, wait = journey.stages.order_by("sort_order")
    online = journey.categories.get()
    for n in range(3):
        proposal(journey, f"Tracker {n}", stage=apply, status=Status.ACCEPTED)
    proposal(journey, "Online tracker", stage=wait, category=online)
    proposal(journey, "Tracker about no stage", category=online)
    proposal(journey, "Not matching at all", stage=wait)

    page = search_backend.search("tracker", page_size=2)
    assert page.total == 5
    assert [(f.value, f.label, f.count) for f in page.facets["stage"]] == [
        ("apply-online", "Apply online", 3),
        ("wait-for-the-decision", "Wait for the decision", 1),
    ]
    [hit] = search_backend.search("tracker", stage="wait-for-the-decision").hits
    assert (hit.title, hit.stage, hit.stage_name) == (
        "Online tracker",
        "wait-for-the-decision",
        "Wait for the decision",
    )
    # The stage filter narrows the other facets, not its own; the other filters narrow it.
    filtered = search_backend.search("tracker", stage="apply-online")
    assert [(f.value, f.count) for f in filtered.facets["stage"]] == [
        ("apply-online", 3),
        ("wait-for-the-decision", 1),
    ]
    assert {(f.value, f.count) for f in filtered.facets["status"]} == {("accepted", 3)}
    assert filtered.facets["category"] == []
    by_category = search_backend.search("tracker", category="online")
    assert [(f.value, f.count) for f in by_category.facets["stage"]] == [("wait-for-the-decision", 1)]
    assert titles(search_backend.search("tracker", category="online", stage="apply-online")) == []


@WITH_FALLBACK
def test_pagination(consultation, search_backend):
    for n in range(5):
        proposal(consultation, f"Tracker {n}", supports_count=n)
    first = search_backend.search("tracker", page_size=2)
    last = search_backend.search("tracker", page=3, page_size=2)
    assert titles(first) == ["Tracker 4", "Tracker 3"] and first.has_next and not first.has_previous
    assert titles(last) == ["Tracker 0"] and not last.has_next and last.has_previous
    assert search_backend.search("tracker", page=9, page_size=2).hits == []


@pytest.mark.parametrize("name", ["database", "fallback"])
def test_counts_are_exact_up_to_the_bound(consultation, monkeypatch, name):
    monkeypatch.setattr(backend, "COUNT_WINDOW", 4)
    monkeypatch.setattr(backend, "FALLBACK_CANDIDATES", 4)
    for n in range(3):
        proposal(consultation, f"Tracker {n}")
    proposal(consultation, "Not matching at all")
    page = Backend(name).search("tracker")
    assert page.total == 3 and not page.total_is_lower_bound


def test_past_the_bound_the_most_recent_matches_are_counted_and_ranked(consultation, monkeypatch):
    """A common word: only the COUNT_WINDOW most recent matches are counted, faceted and ranked, and the
    page says its counts are lower bounds."""
    monkeypatch.setattr(backend, "COUNT_WINDOW", 4)
    old = proposal(consultation, "Tracker tracker, the oldest and best match", status=Status.ACCEPTED)
    for n in range(4):
        proposal(
            consultation, f"Tracker {n}", summary="Other words.", status=[Status.OPEN, Status.ACCEPTED][n % 2]
        )
    page = search(query="tracker")
    assert page.total == 4 and page.total_is_lower_bound
    assert titles(page) == ["Tracker 3", "Tracker 2", "Tracker 1", "Tracker 0"]
    assert old.pk not in [hit.id for hit in page.hits]
    assert {(f.value, f.count) for f in page.facets["status"]} == {("accepted", 2), ("open", 2)}
    # More words narrow the matches themselves: the oldest is found again, and counted exactly.
    narrowed = search(query="tracker oldest")
    assert titles(narrowed) == [old.title] and narrowed.total == 1 and not narrowed.total_is_lower_bound


def test_a_filter_finds_matches_older_than_the_unfiltered_window(consultation, monkeypatch):
    """Past the bound, a filter is part of the read: the window is that of the filtered matches, so the
    accepted proposals are found however many newer open ones match. Each facet counts with the other
    filters only, and the chosen status counts at least what it lists."""
    monkeypatch.setattr(backend, "COUNT_WINDOW", 4)
    online = ConsultationCategory.objects.get(page=consultation, slug="online")
    accepted = [
        proposal(consultation, f"Old tracker {n}", status=Status.ACCEPTED, category=online, supports_count=n)
        for n in range(2)
    ]
    for n in range(5):
        proposal(consultation, f"New tracker {n}", status=Status.OPEN)

    unfiltered = search(query="tracker")
    assert unfiltered.total == 4 and unfiltered.total_is_lower_bound
    assert {(f.value, f.count) for f in unfiltered.facets["status"]} == {("open", 4)}

    page = search(query="tracker", status="accepted")
    assert titles(page) == ["Old tracker 1", "Old tracker 0"] and page.total == 2
    assert [hit.id for hit in page.hits] == [accepted[1].pk, accepted[0].pk]
    # The status facet ignores its own filter (the 4 newest matches) and counts the listed ones too; the
    # category facet obeys the status filter. Counted from a full window: "at least".
    assert {(f.value, f.count) for f in page.facets["status"]} == {("accepted", 2), ("open", 4)}
    assert [(f.value, f.count) for f in page.facets["category"]] == [("online", 2)]
    assert page.total_is_lower_bound
    by_category = search(query="tracker", category="online")
    assert titles(by_category) == ["Old tracker 1", "Old tracker 0"]
    both = search(query="tracker", category="online", status="accepted")
    assert both.total == 2 and {(f.value, f.count) for f in both.facets["status"]} == {("accepted", 2)}
    assert search(query="tracker", category="online", status="open").hits == []


def test_a_filter_of_the_fallback_finds_matches_past_its_unfiltered_candidates(consultation, monkeypatch):
    """The fallback reads its candidates (the most supported) with the filters too, as the database backend
    reads its window: the accepted proposals are found however many more supported open ones match."""
    monkeypatch.setattr(backend, "FALLBACK_CANDIDATES", 2)
    online = ConsultationCategory.objects.get(page=consultation, slug="online")
    for n in range(2):
        proposal(
            consultation, f"Accepted tracker {n}", status=Status.ACCEPTED, category=online, supports_count=n
        )
    for n in range(3):
        proposal(consultation, f"Open tracker {n}", status=Status.OPEN, supports_count=10 + n)

    assert titles(search(backend.python_search, "tracker")) == ["Open tracker 2", "Open tracker 1"]
    page = search(backend.python_search, "tracker", status="accepted")
    assert titles(page) == ["Accepted tracker 1", "Accepted tracker 0"] and page.total == 2
    # The status facet ignores its own filter (the 2 most supported) and counts the listed ones too.
    assert {(f.value, f.count) for f in page.facets["status"]} == {("accepted", 2), ("open", 2)}
    assert [(f.value, f.count) for f in page.facets["category"]] == [("online", 2)]
    assert page.total_is_lower_bound
    assert titles(search(backend.python_search, "tracker", category="online")) == titles(page)


def test_the_fallback_says_its_counts_are_bounded_past_its_candidates(consultation, monkeypatch):
    monkeypatch.setattr(backend, "FALLBACK_CANDIDATES", 2)
    for n in range(3):
        proposal(consultation, f"Tracker {n}", supports_count=n)
    page = search(backend.python_search, "tracker")
    assert page.total == 2 and page.total_is_lower_bound
    assert titles(page) == ["Tracker 2", "Tracker 1"]


@WITH_FALLBACK
def test_highlights_are_escaped_and_only_mark_is_added(consultation, search_backend):
    hit_proposal = proposal(
        consultation,
        "<script>alert(1)</script> démarche",
        summary='Une "démarche" & <b>plus</b>',
        body="Le début. "
        + "Mots de remplissage. " * 20
        + "La démarche <img src=x onerror=alert(1)> en ligne.",
        language="fr",
    )
    (hit,) = search_backend.search("demarche").hits
    assert hit.id == hit_proposal.pk and hit.url == f"/proposals/{hit_proposal.pk}/"
    assert hit.title == hit_proposal.title  # the plain text, for callers that escape it themselves
    title = hit.highlights["title"][0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in title
    assert "<mark>démarche</mark>" in title
    assert "<script" not in title
    summary = hit.highlights["summary"][0]
    assert "<mark>démarche</mark>" in summary and "&amp;" in summary and "&lt;b&gt;" in summary
    assert (
        "<img" not in "".join(hit.highlights["body"]) and "<mark>démarche</mark>" in hit.highlights["body"][0]
    )


def test_marker_characters_in_a_title_cannot_unbalance_the_markup(consultation, search_backend):
    proposal(consultation, f"Stray {backend.START} marker {backend.STOP} tracker")
    (hit,) = search_backend.search("tracker").hits
    fragment = hit.highlights["title"][0]
    assert fragment.count("<mark>") == fragment.count("</mark>") == 1
    assert backend.START not in fragment and backend.STOP not in fragment


QUERIES = ['"payment tracker', "tracker -queue", "payment or nothing", "(&|!:*)", "'; drop table", "a:b/c\\"]


def test_any_query_text_is_accepted(consultation, search_backend):
    proposal(consultation, "Payment tracker")
    for query in QUERIES:
        search_backend.search(query)  # neither backend parses a query syntax that could fail
    assert titles(search_backend.search('"payment tracker"')) == ["Payment tracker"]


# Web search syntax, read the same way by every backend (PostgreSQL's websearch_to_tsquery)


@pytest.fixture
def payments(consultation):
    return {
        "tracker": proposal(consultation, "Payment tracker", summary="See each payment."),
        "reversed": proposal(consultation, "A tracker of each payment", summary="Online."),
        "calendar": proposal(consultation, "Payment calendar", summary="Dates ahead."),
    }


def ids(page) -> set[int]:
    return {hit.id for hit in page.hits}


def test_a_quoted_phrase_needs_its_words_in_that_order(search_backend, payments):
    assert ids(search_backend.search('"payment tracker"')) == {payments["tracker"].pk}
    assert ids(search_backend.search("payment tracker")) == {payments["tracker"].pk, payments["reversed"].pk}
    assert ids(search_backend.search('"trackers payment"')) == set()


def test_a_dash_excludes_a_word_or_a_phrase(search_backend, payments):
    assert ids(search_backend.search("payment -calendar")) == {
        payments["tracker"].pk,
        payments["reversed"].pk,
    }
    assert ids(search_backend.search('tracker -"payment tracker"')) == {payments["reversed"].pk}
    assert ids(search_backend.search("-calendar payment -online")) == {payments["tracker"].pk}


def test_or_finds_either_side(search_backend, payments):
    assert ids(search_backend.search("calendar or online")) == {
        payments["calendar"].pk,
        payments["reversed"].pk,
    }
    assert ids(search_backend.search("nothing or calendar")) == {payments["calendar"].pk}
    # `and` binds tighter: (payment and dates) or (tracker and online)
    assert ids(search_backend.search("payment dates or tracker online")) == {
        payments["calendar"].pk,
        payments["reversed"].pk,
    }


def test_search_runs_a_bounded_number_of_queries(consultation, search_backend, django_assert_max_num_queries):
    online = ConsultationCategory.objects.get(page=consultation, slug="online")
    for n in range(15):
        proposal(consultation, f"Tracker {n}", category=online)
    search_backend.sync()
    with django_assert_max_num_queries(4):
        page = search(query="tracker")
    assert len(page.hits) == 15


def test_the_stored_vectors_follow_every_write(consultation):
    """The database backend matches on `search_en`/`search_fr`, which a trigger writes: on insert, on
    `save()` and on `QuerySet.update()` alike."""
    item = proposal(consultation, "Payment tracker")
    assert Proposal.objects.filter(pk=item.pk, search_en__isnull=False, search_fr__isnull=False).exists()
    assert titles(search(query="tracker")) == ["Payment tracker"]

    item.title = "Payment calendar"
    item.save()
    assert titles(search(query="calendar")) == ["Payment calendar"]
    assert titles(search(query="tracker")) == []

    Proposal.objects.filter(pk=item.pk).update(title="Payment reminder")
    assert titles(search(query="reminder")) == ["Payment reminder"]
    assert titles(search(query="calendar")) == []


def test_the_stored_vectors_are_those_the_text_gives(consultation):
    """What the trigger stores is what SearchVector computes (title A, summary B, details C), so ranks are
    those of vectors computed from the text."""
    proposal(
        consultation, "Démarche en ligne", summary="Proposals for the tracker.", body="Des délais courts."
    )
    computed = {
        f"computed_{column}": SearchVector("title", weight="A", config=config)
        + SearchVector("summary", weight="B", config=config)
        + SearchVector("body", weight="C", config=config)
        for config, column in backend.STORED_VECTORS.items()
    }
    row = Proposal.objects.annotate(**computed).values(*backend.STORED_VECTORS.values(), *computed).get()
    assert row["search_en"] == row["computed_search_en"]
    assert row["search_fr"] == row["computed_search_fr"]


# Similar proposals


@WITH_FALLBACK
def test_similar_proposals_of_the_consultation(consultation, search_backend):
    other = factories.consultation(title="Housing")
    tracker = proposal(consultation, "A tracker for my claim", summary="See each step of the claim.")
    proposal(consultation, "Letters in plain language", summary="No jargon.")
    proposal(consultation, "Claim tracker", summary="Pending one.", visibility=Visibility.PENDING)
    proposal(other, "A tracker for my housing claim")
    similar = search_backend.similar(consultation_id=consultation.pk, title="Tracking my claims", summary="")
    assert [hit.id for hit in similar] == [tracker.pk]
    assert similar[0].url == tracker.get_absolute_url()


def test_similar_catches_a_misspelt_title(consultation):
    tracker = proposal(consultation, "Application tracker", summary="Steps.")
    similar = proposal_similar(consultation_id=consultation.pk, title="Aplication trakcer", summary="")
    assert [hit.id for hit in similar] == [tracker.pk]


def test_similar_matches_on_the_stored_vectors(consultation):
    """No vector is computed per proposal: the match reads the indexed columns (a GIN index each)."""
    proposal(consultation, "Payment tracker")
    candidates = backend._similar_by_words(backend.scope(consultation_id=consultation.pk), ["payment"])
    sql = str(candidates.query)
    assert '"search_en" @@' in sql and '"search_fr" @@' in sql and "to_tsvector" not in sql
    assert [row["title"] for row in candidates] == ["Payment tracker"]


def test_lists_and_details_leave_the_vectors_in_the_database(consultation, citizen):
    item = proposal(consultation, "Payment tracker")
    listed = selectors.proposal_list(consultation_id=consultation.pk, user=citizen).get()
    shown = selectors.proposal_get(proposal_id=item.pk, user=citizen)
    for loaded in (listed, shown):
        assert {"search_en", "search_fr"} <= loaded.get_deferred_fields()


@WITH_FALLBACK
def test_similar_ranks_closer_drafts_first_and_limits(consultation, search_backend):
    close = proposal(consultation, "Payment date tracker", summary="Show the payment date.")
    far = proposal(consultation, "Payment by bank transfer", summary="Faster.")
    for n in range(3):
        proposal(consultation, f"Payment idea {n}", summary="Something.")
    similar = search_backend.similar(
        consultation_id=consultation.pk, title="Payment date", summary="a tracker", limit=4
    )
    assert len(similar) == 4 and similar[0].id == close.pk
    assert far.pk in [
        hit.id for hit in search_backend.similar(consultation_id=consultation.pk, title="payment", summary="")
    ]


def test_similar_ranks_the_most_supported_candidates_only(consultation, monkeypatch):
    """A draft's common words match much of a large consultation: only the SIMILAR_CANDIDATES most supported
    matches are ranked, so a closer but less supported proposal may be left out."""
    monkeypatch.setattr(backend, "SIMILAR_CANDIDATES", 2)
    closer = proposal(consultation, "Payment date tracker", summary="The payment date.", supports_count=0)
    supported = [proposal(consultation, f"Payment idea {n}", supports_count=10 + n) for n in range(2)]
    draft = {"consultation_id": consultation.pk, "title": "Payment date tracker", "summary": "", "limit": 2}
    assert {hit.id for hit in proposal_similar(**draft)} == {p.pk for p in supported}
    monkeypatch.setattr(backend, "SIMILAR_CANDIDATES", 3)
    assert proposal_similar(**draft)[0].id == closer.pk


@WITH_FALLBACK
def test_similar_to_nothing_significant(consultation, search_backend):
    proposal(consultation, "A tracker")
    assert search_backend.similar(consultation_id=consultation.pk, title="a", summary="?!") == []


# The fallback's pure functions


def test_fold_and_terms():
    assert backend.fold("Démarche ÉTÉ Œuvre") == "demarche ete œuvre"
    assert backend.terms("Proposals, bureaux; status") == ["proposal", "bureau", "statu"]


def test_mark_terms_escapes_everything_else():
    marked = backend.mark_terms("<b>Démarches</b> & co", {"demarche"})
    assert marked == "&lt;b&gt;<mark>Démarches</mark>&lt;/b&gt; &amp; co"
    assert backend.mark_terms("nothing here", {"demarche"}) is None


def test_safe_highlight():
    text = f"<i>{backend.START}a{backend.STOP}</i> {backend.STOP}"
    assert backend.safe_highlight(text) == "&lt;i&gt;<mark>a</mark>&lt;/i&gt; "
