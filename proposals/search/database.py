"""The database search backend: PostgreSQL full-text search, or plain matching in Python elsewhere.

PostgreSQL (tests, production without a search engine). Every proposal is matched in two text search
configurations, `cocreate_en` and `cocreate_fr` (migration 0002: PostgreSQL's `english` and `french` with
`unaccent` in front of the stemmer), and a proposal matches if either matches; its score is the better of
the two ranks. Why both, rather than the configuration of the proposal's `language`: that field records the
interface language of its author, not necessarily the language they wrote in, and the query's language is
unknown (a French speaker may browse in English). Searching both finds "proposals" from "proposal" and
"démarches" from "demarche" whatever the languages; the price is an occasional match through the other
language's stemmer, which costs a little precision and never loses a result. Titles weigh A, summaries B,
details C, so a word in the title ranks a proposal above the same word in its details. Search matches and
ranks on the stored vectors `Proposal.search_en` and `search_fr`, which a trigger keeps current and a GIN
index each serves (migration 0003); the similar-proposal look-up reads the same columns, restricted to the
title and summary labels (A and B). The query is parsed by `websearch_to_tsquery`, which accepts any text
("quoted phrases", `or`, `-word`) without a syntax error. A search counts and ranks at most COUNT_WINDOW
matches, the most recent that pass its status, category and stage filters, so that a common word costs
what a rarer one does; past that its counts are lower bounds, and the page and the API say so ("at least",
`count_is_lower_bound`): see `postgres_search`.

Highlights come from `ts_headline` with private-use characters as the start and stop markers; the text is
then escaped and only those markers become `<mark>` and `</mark>`, so nothing a citizen wrote is trusted
as HTML.

Other databases (SQLite for `make run` only): the published proposals of the scope that pass the filters,
at most FALLBACK_CANDIDATES of them (the most supported), are matched in Python: case and accents folded
with `unicodedata`, a trailing plural "s"/"x" dropped, every query word required. Ranked by the query words
found in the title, then supports; with more than FALLBACK_CANDIDATES such proposals, the counts are lower
bounds; the facets are counted as on PostgreSQL (`python_search`). The functions work on any database, so
they are tested on PostgreSQL.
"""

import html
import re
import unicodedata
from collections import Counter

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramSimilarity,
)
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Greatest, Replace
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..models import MOST_SUPPORTED, Proposal, Status
from . import Facet, SearchHit, SearchPage, SimilarHit

CONFIGURATIONS = ("cocreate_en", "cocreate_fr")
START, STOP, DELIMITER = "\ue000", "\ue001", "\ue002"
_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
_WORD = re.compile(r"\w+")
# Letters and digits: the words of the similar-proposal look-up go into to_tsquery's syntax as they are.
_PLAIN_WORD = re.compile(r"[^\W_]+")
SIMILAR_MIN_TRIGRAM = 0.3
SIMILAR_MAX_WORDS = 32
SIMILAR_TRIGRAM_CANDIDATES = 2000
SIMILAR_CANDIDATES = 2000
FALLBACK_CANDIDATES = 2000


# Shared


def scope(*, consultation_id: int | None) -> QuerySet[Proposal]:
    """Everything search may ever return: published proposals of live, public consultations."""
    proposals = Proposal.objects.listed().in_public_consultations()
    if consultation_id is not None:
        proposals = proposals.for_consultation(consultation_id)
    return proposals


def safe_highlight(text: str) -> SafeString:
    """`text` with START…STOP markers: escaped, the markers turned into <mark> and stray ones dropped."""
    # html.escape is what Django's `escape` does, without its lazy-string wrapper: a page of hits makes
    # dozens of these calls.
    marked = _MARKED.sub(r"<mark>\1</mark>", html.escape(text))
    return SafeString(marked.replace(START, "").replace(STOP, ""))


def _named_facets(counts: dict[str, tuple[str, int]]) -> list[Facet]:
    """Facets of slugs with their names (categories, stages): the most proposals first, then by slug."""
    return [
        Facet(value=slug, label=name, count=count)
        for slug, (name, count) in sorted(counts.items(), key=lambda item: (-item[1][1], item[0]))
        if count
    ]


def _chosen(*, status: str | None, category: str | None, stage: str | None) -> dict[str, str]:
    """The filters a search chose, by the field of FACET_FIELDS they are on."""
    chosen = {"status": status, "category__slug": category, "stage__slug": stage}
    return {name: value for name, value in chosen.items() if value}


# What the facets count, in rows of HIT_FIELDS as in groups of them.
FACET_FIELDS = ("status", "category__slug", "category__name", "stage__slug", "stage__name")


def _counted_facets(rows: list[dict], chosen: dict[str, str | None]) -> dict:
    """The facets of the matches `rows` (rows of FACET_FIELDS, each one proposal or, with `n`, a group of
    n), under the filters `chosen` (by field, None for none): each facet counts the rows that pass every
    filter but its own. A slug with several names (in several consultations) gets the least, as SQL's MIN."""

    def but(facet: str) -> list[dict]:
        return [
            row
            for row in rows
            if all(not value or row[key] == value for key, value in chosen.items() if key != facet)
        ]

    def named_counts(relation: str) -> dict[str, tuple[str, int]]:
        counts: dict[str, tuple[str, int]] = {}
        for row in but(f"{relation}__slug"):
            slug, name = row[f"{relation}__slug"], row[f"{relation}__name"]
            if slug:
                known, count = counts.get(slug, (name, 0))
                counts[slug] = (min(known, name), count + row.get("n", 1))
        return counts

    status_counts: Counter[str] = Counter()
    for row in but("status"):
        status_counts[row["status"]] += row.get("n", 1)
    return _facets(status_counts, named_counts("category"), named_counts("stage"))


def _facets(
    status_counts: dict[str, int],
    category_counts: dict[str, tuple[str, int]],
    stage_counts: dict[str, tuple[str, int]],
) -> dict:
    labels = dict(Status.choices)
    return {
        "status": [
            Facet(value=value, label=str(labels.get(value, value)), count=count)
            for value, count in sorted(status_counts.items(), key=lambda item: (-item[1], item[0]))
            if count
        ],
        "category": _named_facets(category_counts),
        "stage": _named_facets(stage_counts),
    }


def proposal_search(
    *,
    query: str,
    consultation_id: int | None,
    status: str | None,
    category: str | None,
    page: int,
    page_size: int,
    stage: str | None = None,
) -> SearchPage:
    search = postgres_search if connection.vendor == "postgresql" else python_search
    return search(
        query=query,
        consultation_id=consultation_id,
        status=status,
        category=category,
        stage=stage,
        page=page,
        page_size=page_size,
    )


def proposal_similar(*, consultation_id: int, title: str, summary: str, limit: int = 5) -> list[SimilarHit]:
    similar = postgres_similar if connection.vendor == "postgresql" else python_similar
    return similar(consultation_id=consultation_id, title=title, summary=summary, limit=limit)


# PostgreSQL


def _queries(text: str) -> dict[str, SearchQuery]:
    return {config: SearchQuery(text, config=config, search_type="websearch") for config in CONFIGURATIONS}


# The stored vector of each configuration (title A, summary B, details C), written by a trigger on every
# insert and edit (migration 0003) and indexed, so a search reads an index instead of parsing every proposal.
STORED_VECTORS = {"cocreate_en": "search_en", "cocreate_fr": "search_fr"}


def _matches(proposals: QuerySet[Proposal], queries: dict[str, SearchQuery]) -> QuerySet:
    """The proposals matching in either configuration."""
    match = Q()
    for config, query in queries.items():
        match |= Q(**{STORED_VECTORS[config]: query})
    return proposals.filter(match)


def _score(queries: dict[str, SearchQuery]) -> Greatest:
    """The better of the two configurations' ranks."""
    return Greatest(*(SearchRank(F(STORED_VECTORS[config]), query) for config, query in queries.items()))


# At most this many matches are counted and ranked: the most recent ones (highest id). See postgres_search.
COUNT_WINDOW = 2_000


def _filter_lookups(chosen: dict[str, str]) -> dict[str, dict]:
    """The lookups of each chosen filter (by its name in FACET_FIELDS) on the proposal's own columns: a
    category or stage slug is resolved to the ids it names first (one per consultation that has it), so
    that a filtered window is read down the (category, id) or (stage, id) index instead of joining."""
    lookups = {}
    for name, value in chosen.items():
        if name == "status":
            lookups[name] = {"status": value}
        else:
            relation = name.removesuffix("__slug")
            model = Proposal._meta.get_field(relation).related_model
            ids = list(model.objects.filter(slug=value).values_list("pk", flat=True))
            lookups[name] = {f"{relation}_id__in": ids}
    return lookups


# The planner's cost of a page read out of order (PostgreSQL's default is 4, for spinning disks). A filtered
# window walks down a (status, id), (category, id) or (stage, id) index; the planner only knows the
# correlation of the first column with the table's order, none for a status or category, and so costs
# every row of that walk as a random read, and walks the primary key instead (tens of thousands of rows of
# other statuses or categories for 2,000 matches). Within one status or category the index follows the
# table's order, so the reads are in order; 1.1 is the usual figure for data in memory or on SSD. Only
# for a filtered search: without a filter it would also make a bitmap read of every match look cheap, and
# the planner took one for three common words (72 ms instead of 21 for the walk at 95,000 proposals).
WINDOW_RANDOM_PAGE_COST = "1.1"


# The statement of a search around its windows (see `_windows`): w0 the hits' (ranked), w1... those of the
# facets. Its rows are (kind, window, id, score, n, *FACET_FIELDS): a "hit" of the page at position n, the
# "size" n of a window, or a "group" of n rows of a window with those facet values.
WINDOWS_SQL = """WITH {windows},
    groups (part, status, category_id, stage_id, n) AS ({groups})
SELECT 'hit', 0, id, score, row_number() OVER (ORDER BY score DESC, supports_count DESC, id DESC),
    NULL, NULL, NULL, NULL, NULL
FROM (SELECT * FROM w0 ORDER BY score DESC, supports_count DESC, id DESC LIMIT %s OFFSET %s) AS page
UNION ALL {sizes}
UNION ALL SELECT 'group', g.part, NULL, NULL, g.n, g.status, c.slug, c.name, s.slug, s.name
FROM groups AS g
    LEFT JOIN {category} AS c ON c.id = g.category_id
    LEFT JOIN {stage} AS s ON s.id = g.stage_id"""
WINDOW_SIZE = "SELECT 'size', {n}, NULL, NULL, count(*), NULL, NULL, NULL, NULL, NULL FROM w{n}"
# The hits' window is grouped alone; a facet's, with the hits' window (each proposal once).
HITS_GROUPS = "SELECT 0, status, category_id, stage_id, count(*) FROM w0 GROUP BY 2, 3, 4"
FACET_GROUPS = """SELECT {n}, status, category_id, stage_id, count(*) FROM (
    SELECT id, status, category_id, stage_id FROM w{n} UNION SELECT id, status, category_id, stage_id FROM w0
) AS u GROUP BY 2, 3, 4"""


def _windows(
    matches: QuerySet, queries: dict[str, SearchQuery], lookups: dict[str, dict], *, offset: int, limit: int
) -> tuple[list[tuple], dict[frozenset, int], dict[frozenset, list[dict]]]:
    """The one statement a search runs. It reads windows, by the filters (names of FACET_FIELDS) each
    obeys: that of every chosen filter, which gives the hits, and for each chosen filter, that of the
    others, which gives its facet's counts. Each is the COUNT_WINDOW most recent matches passing its
    filters, one bounded walk down the primary key or a filter's index (a rare word is found through the
    GIN indexes instead); only the hits' window is ranked. What comes back is small, whatever the number of
    matches: the hits from `offset` to `offset + limit` (id and score, best ranked first), the size of each
    window, and each window's rows grouped by what the facets count, with their number `n` (rows of
    FACET_FIELDS; a facet's window counted together with the hits' window, see `postgres_search`)."""
    every = frozenset(lookups)
    keys = [every, *(every - {name} for name in lookups)]
    ctes, params = [], []
    for n, key in enumerate(keys):
        window = matches.filter(**{lookup: value for name in key for lookup, value in lookups[name].items()})
        columns = ["id", "status", "category_id", "stage_id"]
        if key == every:
            window, columns = window.annotate(score=_score(queries)), [*columns, "supports_count", "score"]
        query = window.order_by("-id").values(*columns)[:COUNT_WINDOW].query
        # Not elided when a filter can match nothing (a slug that names no category): the window is empty.
        sql, window_params = query.get_compiler(connection=connection, elide_empty=False).as_sql()
        ctes.append(f"w{n} ({', '.join(columns)}) AS ({sql})")
        params += window_params
    category, stage = (
        Proposal._meta.get_field(name).related_model._meta.db_table for name in ("category", "stage")
    )
    windows = range(len(keys))
    sql = WINDOWS_SQL.format(
        windows=", ".join(ctes),
        groups=" UNION ALL ".join(FACET_GROUPS.format(n=n) if n else HITS_GROUPS for n in windows),
        sizes=" UNION ALL ".join(WINDOW_SIZE.format(n=n) for n in windows),
        category=connection.ops.quote_name(category),
        stage=connection.ops.quote_name(stage),
    )
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if lookups:
            # Only for this transaction (the search's own, or the caller's if it runs inside one).
            cursor.execute("SELECT set_config('random_page_cost', %s, true)", [WINDOW_RANDOM_PAGE_COST])
        cursor.execute(sql, [*params, limit, offset])
        result = cursor.fetchall()
    hits = sorted((row[4], row[2], float(row[3])) for row in result if row[0] == "hit")
    sizes_by_key = {keys[row[1]]: row[4] for row in result if row[0] == "size"}
    groups: dict[frozenset, list[dict]] = {key: [] for key in keys}
    for row in result:
        if row[0] == "group":
            groups[keys[row[1]]].append({**dict(zip(FACET_FIELDS, row[5:], strict=True)), "n": row[4]})
    return [(hit_id, score) for _position, hit_id, score in hits], sizes_by_key, groups


def _headline(field: str, queries: dict[str, SearchQuery], **options) -> Case:
    """The field highlighted in the configuration of the proposal's language. Marker characters already in
    the text are dropped first, so only ts_headline's own markers become <mark>."""
    text = Replace(Replace(field, Value(START), Value("")), Value(STOP), Value(""))
    english, french = (
        SearchHeadline(text, queries[config], config=config, start_sel=START, stop_sel=STOP, **options)
        for config in CONFIGURATIONS
    )
    return Case(When(language__startswith="fr", then=french), default=english)


def postgres_search(
    *,
    query: str,
    consultation_id: int | None,
    status: str | None,
    category: str | None,
    page: int,
    page_size: int,
    stage: str | None = None,
) -> SearchPage:
    """The matches counted and ranked within a window: the COUNT_WINDOW most recent matches of the scope
    that pass the filters.

    A common word matches tens of thousands of proposals, and counting, faceting and ranking all of them
    reads every one (hundreds of milliseconds at 100,000 proposals). Within the window it is one read of at
    most COUNT_WINDOW rows, whatever the number of matches, each row ranked as it is read; the same statement
    counts them and their facets and orders them, and returns only the page's ids and scores and a few dozen
    counts (`_windows`); the highlights are then computed for the page's rows only. Among the window's
    matches the ranking is exact: best rank first, then supports, then newest.

    The status, category and stage filters are part of the read: the window holds the most recent matches
    that pass them, so a filter finds the proposals of that status however old, once more recent matches of
    other statuses fill the unfiltered window; the window is walked down that filter's (status, id),
    (category, id) or (stage, id) index, through the proposals of that status, category or stage only
    (a category or stage slug is resolved to its ids first). Each facet counts the matches that pass the
    other filters (not its own, so a filtered page still shows the other choices): its own window, read in
    the same statement, plus the hits' window (whose rows pass those filters too), so the chosen value
    counts at least what it lists. Without a filter, everything comes from the one window.

    When a window is full there may be more matches than it holds: the page says so (`total_is_lower_bound`,
    "at least" before the total and every facet's count; a window of exactly COUNT_WINDOW matches is
    reported so too, which is still true). What is given up then: older matches are neither counted nor
    listed, however well they match; more words, a filter or a consultation narrow the matches themselves,
    and bring them back. Why the most recent, rather than the most supported: the primary key orders the
    whole table, and no index orders supports across consultations (indexing the count would cost every
    support an index write)."""
    queries = _queries(query)
    matches = _matches(scope(consultation_id=consultation_id), queries)
    chosen = _chosen(status=status, category=category, stage=stage)
    offset = (page - 1) * page_size
    hits, sizes, groups = _windows(matches, queries, _filter_lookups(chosen), offset=offset, limit=page_size)
    return SearchPage(
        hits=_highlighted(matches, queries, [{"id": hit_id, "score": score} for hit_id, score in hits]),
        total=sizes[frozenset(chosen)],
        page=page,
        page_size=page_size,
        facets=_window_facets(groups, chosen),
        total_is_lower_bound=any(size >= COUNT_WINDOW for size in sizes.values()),
    )


# The facets, by the field of FACET_FIELDS their filter is on.
FACET_NAMES = {"status": "status", "category__slug": "category", "stage__slug": "stage"}


def _window_facets(groups: dict[frozenset, list[dict]], chosen: dict[str, str]) -> dict:
    """Each facet from the groups of the window without its own filter (with the hits' window's rows)."""
    every = frozenset(chosen)
    return {
        name: _counted_facets(groups[every - {field}], chosen)[name] for field, name in FACET_NAMES.items()
    }


def _highlighted(matches: QuerySet, queries: dict[str, SearchQuery], page: list[dict]) -> list[SearchHit]:
    """The hits of a page with their highlights, computed for the page's rows only."""
    if not page:
        return []
    rows = {
        row["id"]: row
        for row in matches.filter(pk__in=[row["id"] for row in page])
        .annotate(
            hl_title=_headline("title", queries, highlight_all=True),
            hl_summary=_headline("summary", queries, highlight_all=True),
            hl_body=_headline(
                "body", queries, max_fragments=2, max_words=25, min_words=8, fragment_delimiter=DELIMITER
            ),
        )
        .order_by()
        .values(*HIT_FIELDS, "hl_title", "hl_summary", "hl_body")
    }
    # A proposal unpublished between the two reads is left out.
    return [_hit({**rows[row["id"]], "score": row["score"]}) for row in page if row["id"] in rows]


HIT_FIELDS = (
    *("id", "title", "summary", "status", "supports_count"),
    *("category__slug", "category__name", "stage__slug", "stage__name"),
)


def _row_hit(row: dict, *, score: float, highlights: dict[str, list[str]]) -> SearchHit:
    """A hit from a row of HIT_FIELDS; both the PostgreSQL and the plain backend build theirs here."""
    return SearchHit(
        id=row["id"],
        title=row["title"],
        summary=row["summary"],
        status=row["status"],
        category=row["category__slug"],
        category_name=row["category__name"] or "",
        stage=row["stage__slug"],
        stage_name=row["stage__name"] or "",
        supports=row["supports_count"],
        url=reverse("proposal_detail", args=[row["id"]]),
        score=score,
        highlights=highlights,
    )


def _hit(row: dict) -> SearchHit:
    highlights = {}
    for name in ("title", "summary", "body"):
        fragments = [f for f in row[f"hl_{name}"].split(DELIMITER) if START in f]
        if fragments:
            highlights[name] = [safe_highlight(f.strip()) for f in fragments]
    return _row_hit(row, score=float(row["score"]), highlights=highlights)


def significant_words(*texts: str, limit: int = SIMILAR_MAX_WORDS) -> list[str]:
    """The distinct words of three letters or more, in order; the stop words are the configurations'."""
    words = dict.fromkeys(w.lower() for text in texts for w in _PLAIN_WORD.findall(text) if len(w) >= 3)
    return list(words)[:limit]


def postgres_similar(*, consultation_id: int, title: str, summary: str, limit: int = 5) -> list[SimilarHit]:
    """Any of the draft's words in a proposal's title or summary, best ranked first; if that finds fewer
    than `limit`, titles that look like the draft's (trigram similarity), which catches a misspelt word."""
    words = significant_words(title, summary)
    if not words:
        return []
    proposals = scope(consultation_id=consultation_id)
    rows = list(_similar_by_words(proposals, words)[:limit])
    if len(rows) < limit:
        found = [row["id"] for row in rows]
        rows += _similar_by_trigrams(proposals.exclude(pk__in=found), title)[: limit - len(rows)]
    return [_similar_hit(row, float(row["score"])) for row in rows]


SIMILAR_FIELDS = ("id", "title", "summary", "status", "supports_count")
# ts_rank's weights for D, C, B, A: details (C) play no part in the similar-proposal look-up.
TITLE_SUMMARY_WEIGHTS = [0.0, 0.0, 0.4, 1.0]


def _similar_by_words(proposals: QuerySet[Proposal], words: list[str]) -> QuerySet:
    """An `or` of the words restricted to the title and summary (labels A and B of the stored vectors), so
    the GIN indexes find the candidates; the words are letters and digits only, safe in to_tsquery. Only the
    SIMILAR_CANDIDATES most supported matches are ranked: a draft's common words match most of a large
    consultation, and ranking them all took 130-190 ms at 50,000 proposals. The consultation's supports-step
    index gives them in order (MOST_SUPPORTED), so the walk stops there. Given up: a closer but less
    supported proposal, when more than SIMILAR_CANDIDATES proposals share a word with the draft (the most
    supported one is the one worth pointing a citizen to)."""
    text = " | ".join(f"{word}:AB" for word in words)
    queries = {config: SearchQuery(text, config=config, search_type="raw") for config in CONFIGURATIONS}
    match = Q()
    for config, query in queries.items():
        match |= Q(**{STORED_VECTORS[config]: query})
    ranks = [
        SearchRank(F(STORED_VECTORS[config]), query, weights=TITLE_SUMMARY_WEIGHTS)
        for config, query in queries.items()
    ]
    candidates = proposals.filter(match).order_by(*MOST_SUPPORTED).values("pk")
    return (
        Proposal.objects.filter(pk__in=candidates[:SIMILAR_CANDIDATES])
        .annotate(score=Greatest(*ranks, output_field=FloatField()))
        .order_by("-score", "-supports_count", "-id")
        .values(*SIMILAR_FIELDS, "score")
    )


def _similar_by_trigrams(proposals: QuerySet[Proposal], title: str) -> list[dict]:
    """Titles close to the draft's among the SIMILAR_TRIGRAM_CANDIDATES most supported proposals of the
    scope. There is no trigram index: the candidates are read through the (consultation, visibility,
    supports step) index (MOST_SUPPORTED), which bounds the work whatever the number of proposals."""
    candidates = proposals.order_by(*MOST_SUPPORTED).values("pk")[:SIMILAR_TRIGRAM_CANDIDATES]
    return list(
        Proposal.objects.filter(pk__in=candidates)
        .annotate(score=TrigramSimilarity("title", Value(title)))
        .filter(score__gte=SIMILAR_MIN_TRIGRAM)
        .order_by("-score", "-supports_count", "-id")
        .values(*SIMILAR_FIELDS, "score")
    )


def _similar_hit(row: dict, score: float) -> SimilarHit:
    return SimilarHit(
        id=row["id"],
        title=row["title"],
        summary=row["summary"],
        status=row["status"],
        supports=row["supports_count"],
        url=reverse("proposal_detail", args=[row["id"]]),
        score=score,
    )


# Python fallback (any database)


def fold(text: str) -> str:
    """Lower case without accents: "Démarche" -> "demarche"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def stem(word: str) -> str:
    """A folded word without a plural ending: "proposals" -> "proposal", "bureaux" -> "bureau"."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def terms(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(fold(text))]


def mark_terms(text: str, wanted: set[str]) -> SafeString | None:
    """The text escaped, with the words whose term is wanted in <mark>; None if none is."""
    parts, last, found = [], 0, False
    for word in _WORD.finditer(text):
        if stem(fold(word.group())) in wanted:
            parts += [escape(text[last : word.start()]), f"<mark>{escape(word.group())}</mark>"]
            last, found = word.end(), True
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts)) if found else None  # noqa: S308 - every part is escaped


def _body_fragment(body: str, wanted: set[str], around: int = 12) -> SafeString | None:
    words = list(_WORD.finditer(body))
    first = next((i for i, w in enumerate(words) if stem(fold(w.group())) in wanted), None)
    if first is None:
        return None
    start = words[max(0, first - around)].start()
    end = words[min(len(words) - 1, first + around)].end()
    return mark_terms(body[start:end], wanted)


def _candidates(consultation_id: int | None, *, extra: int = 0, **filters: str) -> list[dict]:
    return list(
        scope(consultation_id=consultation_id)
        .filter(**filters)
        .order_by(*MOST_SUPPORTED)
        .values(*HIT_FIELDS, "body")[: FALLBACK_CANDIDATES + extra]
    )


def python_search(
    *,
    query: str,
    consultation_id: int | None,
    status: str | None,
    category: str | None,
    page: int,
    page_size: int,
    stage: str | None = None,
) -> SearchPage:
    """As `postgres_search`, with the most supported proposals as the windows: the FALLBACK_CANDIDATES most
    supported of the scope that pass the filters give the hits, and for each chosen filter, those that pass
    the others (with the hits) give its facet's counts."""
    wanted = set(terms(query))
    chosen = _chosen(status=status, category=category, stage=stage)
    every = frozenset(chosen)
    windows, full = {}, False
    for key in [every, *(every - {name} for name in chosen)]:
        # One more than the candidates, to know whether any proposal was left out.
        candidates = (
            _candidates(consultation_id, extra=1, **{name: chosen[name] for name in key}) if wanted else []
        )
        full |= len(candidates) > FALLBACK_CANDIDATES
        windows[key] = {}
        for row in candidates[:FALLBACK_CANDIDATES]:
            title_terms = set(terms(row["title"]))
            if wanted <= title_terms | set(terms(row["summary"])) | set(terms(row["body"])):
                windows[key][row["id"]] = (len(wanted & title_terms), row)
    hits = sorted(
        windows[every].values(), key=lambda item: (-item[0], -item[1]["supports_count"], -item[1]["id"])
    )
    groups = {
        key: [row for _n, row in ({**matching, **windows[every]}).values()]
        for key, matching in windows.items()
    }
    offset = (page - 1) * page_size
    return SearchPage(
        hits=[_python_hit(row, n, wanted) for n, row in hits[offset : offset + page_size]],
        total=len(hits),
        page=page,
        page_size=page_size,
        facets=_window_facets(groups, chosen),
        # The proposals past the candidates were not looked at.
        total_is_lower_bound=full,
    )


def _python_hit(row: dict, title_matches: int, wanted: set[str]) -> SearchHit:
    highlights = {
        "title": mark_terms(row["title"], wanted),
        "summary": mark_terms(row["summary"], wanted),
        "body": _body_fragment(row["body"], wanted),
    }
    return _row_hit(
        row,
        score=float(title_matches),
        highlights={name: [fragment] for name, fragment in highlights.items() if fragment},
    )


def python_similar(*, consultation_id: int, title: str, summary: str, limit: int = 5) -> list[SimilarHit]:
    """Proposals sharing words of three letters or more with the draft, the most shared first."""
    wanted = {t for t in terms(f"{title} {summary}") if len(t) >= 3}
    if not wanted:
        return []
    scored = []
    for row in _candidates(consultation_id):
        shared = wanted & set(terms(f"{row['title']} {row['summary']}"))
        if shared:
            scored.append((len(shared) / len(wanted), row))
    scored.sort(key=lambda item: (-item[0], -item[1]["supports_count"], -item[1]["id"]))
    return [_similar_hit(row, score) for score, row in scored[:limit]]
