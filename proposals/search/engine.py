"""The search engine backend: Elasticsearch 7 (or OpenSearch 1.x/2.x through the same API) with
elasticsearch-dsl.

One document per published proposal, in a versioned index (`<prefix>-proposals-<timestamp>`) that the
alias `<prefix>-proposals` points at. Writes and searches go through the alias; `reindex` builds a new
index, fills it, and moves the alias in one `_aliases` call, so searches never see a half-built index.
PostgreSQL stays the source of truth: a failed write is logged and `reindex` repairs the index.

Analysis, as in the database backend, without knowing the language of the text or of the query: every
text field is indexed three times, folded (`standard` tokenizer, `lowercase`, `asciifolding`: "demarche"
finds "Démarche"), and with the built-in `english` and `french` analyzers (stemming: "proposals" finds
"proposal", "démarches" finds "démarche"). A query matches a proposal when all its words are found in one
of the three analyses, across title, summary and details (`cross_fields` groups the fields by analyzer);
titles weigh 3, summaries 2, details 1. The query is read in the database backend's web search syntax
(`"a phrase"`, `-word`, `or`; `syntax.parse`) and built as bool clauses, never as a query string the engine
would parse, so no text can be a syntax error. Only the built-in language analyzers are used: custom
stemmer chains (`light_french`, `elision`, …) differ between engines and are easy to get silently wrong.

Whether a consultation is live and public is read from the database at query time, so unpublishing a
consultation hides its proposals at once, with nothing to reindex.

Highlights are made with private-use characters as tags; the text is then escaped and only those become
`<mark>`…`</mark>` (`database.safe_highlight`), so nothing a citizen wrote is trusted as HTML. The marker
characters are removed from the indexed text, so a proposal cannot bring its own.
"""

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cache
from threading import BoundedSemaphore

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Exists, OuterRef
from django.db.models.functions import Left, Length
from django.urls import reverse
from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import BulkIndexError, streaming_bulk
from elasticsearch_dsl import Boolean, Date, Document, Index, Integer, Keyword, Text, analyzer
from wagtail.models import PageViewRestriction

from cms.models import ConsultationPage

from ..models import Proposal, Status
from ..selectors import SEARCH_VECTORS
from . import SearchHit, SearchPage, SimilarHit, engine_failures_as_unavailable
from .database import START, STOP, _facets, safe_highlight, significant_words
from .syntax import Alternative, parse

logger = logging.getLogger(__name__)

TEXT_FIELDS = {"title": 3, "summary": 2, "body": 1}
ANALYSES = ("", ".en", ".fr")  # the folded field itself, then its english and french sub-fields
BODY_FRAGMENT_SIZE = 160
BATCH_SIZE = 500
# A bulk of BATCH_SIZE documents can take several seconds on a busy cluster; the 5 s of the request-path
# client is for single documents after commit, not for a reindex running on its own.
BULK_TIMEOUT = 120
MAX_CATEGORIES = 200

folding = analyzer("folding", tokenizer="standard", filter=["lowercase", "asciifolding"])


def _text() -> Text:
    return Text(analyzer=folding, fields={"en": Text(analyzer="english"), "fr": Text(analyzer="french")})


class ProposalDocument(Document):
    id = Integer()
    consultation = Integer()
    title = _text()
    summary = _text()
    body = _text()
    category = Keyword()  # the slug
    category_name = Keyword()
    stage = Keyword()  # the slug of the stage of the journey it is about
    stage_name = Keyword()
    status = Keyword()
    published = Boolean()
    supports = Integer()
    created = Date()
    language = Keyword()


# Connection and index names


# Searches and indexing after commit run in a request's thread: an engine that hangs holds the request at
# most this long (a timeout is not retried; a refused connection is, once, and fails at once), then the
# search answers 503. A search over 100,000 proposals takes well under this (docs/performance.md).
REQUEST_TIMEOUT = 5


@cache
def _client(url: str) -> Elasticsearch:
    return Elasticsearch([url], timeout=REQUEST_TIMEOUT, max_retries=1, retry_on_timeout=False)


def client() -> Elasticsearch:
    if not settings.ELASTICSEARCH_URL:
        raise ImproperlyConfigured("SEARCH_BACKEND is 'engine' but ELASTICSEARCH_URL is not set.")
    return _client(settings.ELASTICSEARCH_URL)


# A readiness probe waits this long at most for the engine (cocreate/health.py).
READY_TIMEOUT = 2


def ready() -> None:
    """Raise unless the engine answers: `/readyz` lists it when the site searches through it."""
    client().info(request_timeout=READY_TIMEOUT)


def alias_name() -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}-proposals"


def new_index_name() -> str:
    return f"{alias_name()}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"


def _index(name: str) -> Index:
    index = Index(name)
    index.settings(number_of_shards=1)
    index.document(ProposalDocument)
    return index


def create_index(name: str, *, with_alias: bool = False) -> None:
    index = _index(name)
    if with_alias:
        index.aliases(**{alias_name(): {}})
    index.create(using=client())


def ensure_index() -> None:
    """Create a first index behind the alias if there is none (first use of a new cluster)."""
    if not client().indices.exists_alias(name=alias_name()):
        create_index(new_index_name(), with_alias=True)


def aliased_indices() -> list[str]:
    """The indices the alias points at now (one, unless an earlier swap was interrupted)."""
    try:
        return sorted(client().indices.get_alias(name=alias_name()))
    except NotFoundError:
        return []


def swap_alias(new_index: str) -> list[str]:
    """Point the alias at `new_index` alone, and end its rebuild, in one atomic call; returns the indices
    the alias left."""
    old = [name for name in aliased_indices() if name != new_index]
    actions = [{"remove": {"index": name, "alias": alias_name()}} for name in old]
    actions.append({"add": {"index": new_index, "alias": alias_name()}})
    actions += [{"remove": {"index": name, "alias": rebuild_alias()}} for name in rebuilding_indices()]
    client().indices.update_aliases(body={"actions": actions})
    return old


# While `reindex` fills a new index, every write after commit goes to it as well as through the alias, so a
# change made during the run is in the new index whatever the order: the bulk only creates documents that
# are not there yet (`op_type: create`), and a proposal removed from search is written to the new index as
# an unpublished document (never found, since every search filters on `published`) rather than deleted,
# so a bulk holding an older copy cannot bring it back. The new index is named by a second alias, so every
# worker sees the rebuild at once, with nothing else to share; the swap removes that alias.


def rebuild_alias() -> str:
    return f"{alias_name()}-rebuilding"


def rebuilding_indices() -> list[str]:
    # Asked before every write: a missing alias (no rebuild, the usual case) is an answer, not an error
    # for the client to log.
    found = client().indices.get_alias(name=rebuild_alias(), ignore=[404])
    return [] if found.get("status") == 404 and "error" in found else sorted(found)


def start_rebuild(new_index: str) -> None:
    """Mark `new_index` as the one being rebuilt (replacing any left by an interrupted run). Call it before
    reading the proposals to index: a change committed after that read is then written to it."""
    actions = [{"remove": {"index": name, "alias": rebuild_alias()}} for name in rebuilding_indices()]
    actions.append({"add": {"index": new_index, "alias": rebuild_alias()}})
    client().indices.update_aliases(body={"actions": actions})


def drop_unpublished(index_name: str) -> None:
    """Delete the unpublished documents that writes during a rebuild left in the index."""
    client().delete_by_query(
        index=index_name, body={"query": {"term": {"published": False}}}, refresh=True,
        request_timeout=BULK_TIMEOUT,
    )  # fmt: skip


def stale_indices() -> list[str]:
    """Versioned indices of this prefix that the alias does not point at (left by a reindex)."""
    current = set(aliased_indices())
    names = client().indices.get(index=f"{alias_name()}-*")
    return sorted(name for name in names if name not in current)


# Documents


def _clean(text: str) -> str:
    return text.replace(START, "").replace(STOP, "")


def _proposals():
    """What a document is made of; the database backend's stored vectors are never needed here."""
    return Proposal.objects.select_related("category", "stage").defer(*SEARCH_VECTORS)


def document(proposal: Proposal) -> ProposalDocument:
    category, stage = proposal.category, proposal.stage
    return ProposalDocument(
        meta={"id": proposal.pk},
        id=proposal.pk,
        consultation=proposal.consultation_id,
        title=_clean(proposal.title),
        summary=_clean(proposal.summary),
        body=_clean(proposal.body),
        category=category.slug if category else None,
        category_name=category.name if category else "",
        stage=stage.slug if stage else None,
        stage_name=stage.name if stage else "",
        status=proposal.status,
        # A merged one is found through the one it went into (votes.merging).
        published=proposal.is_published and not proposal.is_merged,
        supports=proposal.supports_count,
        created=proposal.created_at,
        language=proposal.language,
    )


def proposal_index(proposal_id: int) -> None:
    """Bring the proposal's document up to date: written if published, removed otherwise.

    A write becomes searchable at the index's next refresh (every second by default): forcing one per
    support would make a segment per click. A removal (a proposal hidden by moderation) is refreshed at
    once, so it is gone from the very next search."""
    proposal = _proposals().filter(pk=proposal_id).first()
    es = client()
    for name in rebuilding_indices():
        body = document(proposal).to_dict() if proposal else {"id": proposal_id, "published": False}
        es.index(index=name, id=proposal_id, body=body)
    if proposal is None or not proposal.is_published or proposal.is_merged:
        es.delete(index=alias_name(), id=proposal_id, refresh=True, ignore=[404])
        return
    body = document(proposal).to_dict()
    try:
        # Only through the alias: a write to a missing alias would make the engine create a plain index
        # of that name with guessed mappings.
        es.index(index=alias_name(), id=proposal.pk, body=body, require_alias=True)
    except NotFoundError:
        ensure_index()
        es.index(index=alias_name(), id=proposal.pk, body=body, require_alias=True)


def published_proposals() -> Iterator[Proposal]:
    return _proposals().listed().order_by("pk").iterator(BATCH_SIZE)


def bulk_index(index_name: str, proposals, *, total: int, progress=None, create_only: bool = False) -> int:
    """Index the proposals into `index_name` in batches; `progress(done, total)` after each batch. With
    `create_only`, a document already in the index is left as it is (written during a rebuild, so newer)."""
    done = 0
    actions = (
        {
            "_op_type": "create" if create_only else "index",
            "_index": index_name,
            "_id": proposal.pk,
            "_source": document(proposal).to_dict(),
        }
        for proposal in proposals
    )
    batches = streaming_bulk(
        client(), actions, chunk_size=BATCH_SIZE, raise_on_error=False, request_timeout=BULK_TIMEOUT
    )
    for ok, item in batches:
        if not ok and not (create_only and _already_there(item)):
            raise BulkIndexError("a proposal could not be indexed", [item])
        done += 1
        if progress and (done % BATCH_SIZE == 0 or done == total):
            progress(done, total)
    return done


def _already_there(item: dict) -> bool:
    return next(iter(item.values())).get("status") == 409


def consultation_index(consultation_id: int) -> None:
    """Rewrite every published proposal of the consultation (after its categories were renamed), in the
    index behind the alias and in one being rebuilt."""
    proposals = _proposals().listed().for_consultation(consultation_id).order_by("pk")
    ensure_index()  # a bulk to a missing alias would create a plain index of that name
    for name in [alias_name(), *rebuilding_indices()]:
        bulk_index(name, proposals.iterator(BATCH_SIZE), total=0)


# Searching
#
# A search is one request whose body is built here as plain dicts, not through elasticsearch-dsl's
# `Search` and `Q` objects: those copy themselves at every step and wrap the answer in attribute objects,
# which cost more than the engine itself on a small index. The answer is read as the dicts the client
# parses, and only the hits' displayed fields come back (`_source` filtering, so no proposal's details
# travel). The rest of the answer is read whole: a `filter_path` trimming it cost more than it saved, as
# urllib3 1.26 re-encodes a request's query string in Python, character by character (about 0.1 ms for
# that one parameter, against a few hundredths for parsing the fields it left out). The facets come in the
# same request as the hits (aggregations), over the client's kept-alive connection (one client per process,
# see `client`).

SORT = [{"_score": "desc"}, {"supports": "desc"}, {"id": "desc"}]
SIMILAR_SOURCE = ["id", "title", "summary", "status", "supports"]
HIT_SOURCE = [*SIMILAR_SOURCE, "category", "category_name", "stage", "stage_name"]
FACETS = {"status": len(Status.values), "category": MAX_CATEGORIES, "stage": MAX_CATEGORIES}


# Which consultations are live and public is read from the database at every search, and the engine is
# asked for their proposals only. That read is a round trip (0.6–1 ms on an idle machine, a few on a busy
# one) that the engine's request would otherwise wait for, and its answer changes rarely (a consultation
# published, unpublished or restricted). So a search asks the engine at once for the consultations the
# previous search of this process read, while a helper thread reads them again, on this thread's database
# connection (Django's thread sharing: this thread does not use it meanwhile, and waits for the helper
# before going on). The engine's answer is used only if the two agree; if they differ (or there was no
# previous search, or every helper is busy), the engine is asked again with what was just read. Either
# way a search answers for the consultations live during it, as if it had read them first.
AHEAD_THREADS = 8  # searches of one process reading aside at once; more read before asking the engine
_last_live: list[int] | None = None


def _execute(body: dict, consultation_id: int | None) -> dict:
    """The engine's answer to `body` over the published proposals of the live, public consultations (of
    `consultation_id` only, if given)."""
    global _last_live
    with engine_failures_as_unavailable():
        guess = _last_live
        reading = None if guess is None else _read_live_aside()
        if reading is None:
            live = _last_live = _live_consultations(connection)
            return _ask(_scoped(body, _scope(live, consultation_id)))
        guessed = _scope(guess, consultation_id)
        try:
            answer = _ask(_scoped(body, guessed))
        finally:  # whatever the engine did: the helper is using this thread's connection
            live = _last_live = reading.result()
        scope = _scope(live, consultation_id)
        return answer if scope == guessed else _ask(_scoped(body, scope))


def _ask(body: dict) -> dict:
    try:
        return client().search(index=alias_name(), body=body)
    except NotFoundError:  # no index yet: create it (empty) on first use
        ensure_index()
        return client().search(index=alias_name(), body=body)


def _read_live_aside() -> Future | None:
    """The live consultations, read by a helper thread on this thread's connection; None if every helper
    is busy. The caller must wait for the result before it uses the connection again."""
    pool, free = _helpers(os.getpid())
    if not free.acquire(blocking=False):
        return None
    db = connections[DEFAULT_DB_ALIAS]
    db.inc_thread_sharing()

    def read() -> list[int]:
        try:
            return _live_consultations(db)
        finally:
            db.dec_thread_sharing()
            free.release()

    return pool.submit(read)


@cache
def _helpers(pid: int) -> tuple[ThreadPoolExecutor, BoundedSemaphore]:
    # Per process: a worker forked from a process whose pool had started threads would have none of them.
    return ThreadPoolExecutor(AHEAD_THREADS, "search-live"), BoundedSemaphore(AHEAD_THREADS)


def _live_consultations(db) -> list[int]:
    """The live, public consultations: one query, where Wagtail's `public()` reads the view restrictions
    first."""
    sql, params = _live_consultations_sql(db.vendor)
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()]


@cache
def _live_consultations_sql(vendor: str) -> tuple[str, tuple]:
    """The SQL of the live, public consultations (no view restriction on the page or above it), compiled
    once per process: the ORM took longer to compile it than the database to run it."""
    restricted = PageViewRestriction.objects.filter(page__path=Left(OuterRef("path"), Length("page__path")))
    live = ConsultationPage.objects.filter(live=True).exclude(Exists(restricted)).values_list("pk", flat=True)
    sql, params = live.query.sql_with_params()
    return sql, tuple(params)


def _scope(live: list[int], consultation_id: int | None) -> list[dict]:
    """The filters every search applies: published proposals of the live, public consultations (of
    `consultation_id` only, if given)."""
    if consultation_id is not None:
        live = [pk for pk in live if pk == consultation_id]
    return [{"term": {"published": True}}, {"terms": {"consultation": live}}]


def _scoped(body: dict, scope: list[dict]) -> dict:
    """`body` with its query within `scope`, as a new dict: a helper thread may be sending another."""
    return {**body, "query": {"bool": {**body["query"]["bool"], "filter": scope}}}


def _fields(weights: dict[str, int]) -> list[str]:
    return [f"{name}{analysis}^{weight}" for name, weight in weights.items() for analysis in ANALYSES]


SEARCH_FIELDS = _fields(TEXT_FIELDS)


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
    # The hits obey every filter (`post_filter`); each facet is counted with the other filters only.
    chosen = {"status": status, "category": category, "stage": stage}
    filters = {name: {"term": {name: value}} for name, value in chosen.items() if value}
    body = {
        "query": {"bool": {"must": [_text_query(query)]}},
        "post_filter": {"bool": {"filter": list(filters.values())}},
        "aggs": {facet: _facet_aggregation(facet, filters) for facet in FACETS},
        "sort": SORT,
        "track_total_hits": True,
        "from": (page - 1) * page_size,
        "size": page_size,
        "_source": HIT_SOURCE,
        "highlight": HIGHLIGHT,
    }
    answer = _execute(body, consultation_id)
    aggregations = answer.get("aggregations", {})

    def buckets(facet: str) -> list[dict]:
        return aggregations.get(facet, {}).get("values", {}).get("buckets", [])

    status_counts = {b["key"]: b["doc_count"] for b in buckets("status")}
    category_counts, stage_counts = (
        {b["key"]: (_bucket_name(b), b["doc_count"]) for b in buckets(facet)}
        for facet in ("category", "stage")
    )
    url = _urls()
    return SearchPage(
        hits=[_hit(hit, url) for hit in answer.get("hits", {}).get("hits", [])],
        total=answer["hits"]["total"]["value"],
        page=page,
        page_size=page_size,
        facets=_facets(status_counts, category_counts, stage_counts),
    )


def _facet_aggregation(facet: str, filters: dict[str, dict]) -> dict:
    """The facet's values among the matches that pass every filter but its own; a category or a stage with
    its name (the one name of its slug, as the database backend's)."""
    values: dict = {"terms": {"field": facet, "size": FACETS[facet]}}
    if facet != "status":
        values["aggs"] = {"name": {"terms": {"field": f"{facet}_name", "size": 1}}}
    others = [query for name, query in filters.items() if name != facet]
    return {"filter": {"bool": {"filter": others}}, "aggs": {"values": values}}


def _bucket_name(bucket: dict) -> str:
    names = bucket.get("name", {}).get("buckets", [])
    return names[0]["key"] if names else bucket["key"]


def _text_query(query: str) -> dict:
    """The query in web search syntax, read as the database backend reads it (see `syntax`): any of the
    alternatives, each a bool of its terms."""
    alternatives = parse(query)
    if not alternatives:  # nothing but punctuation: nothing matches, as in PostgreSQL
        return {"match_none": {}}
    return {"bool": {"should": [_alternative(a) for a in alternatives], "minimum_should_match": 1}}


def _alternative(alternative: Alternative) -> dict:
    """Every word in one of the analyses, spread over the fields (`cross_fields`); each phrase as written
    in one field; no excluded word or phrase in any field."""
    must = [_phrase(phrase) for phrase in alternative.phrases]
    if alternative.words:
        words = " ".join(alternative.words)
        cross = {"query": words, "type": "cross_fields", "operator": "and", "fields": SEARCH_FIELDS}
        must.append({"multi_match": cross})
    clauses = {"must": must, "must_not": [_phrase(text) for text in alternative.excluded]}
    return {"bool": {name: queries for name, queries in clauses.items() if queries}}


def _phrase(text: str) -> dict:
    return {"multi_match": {"query": text, "type": "phrase", "fields": SEARCH_FIELDS}}


def _highlight() -> dict:
    """Every analysis of each field is asked (the words may match in any); the title and summary whole, the
    details as two fragments."""
    fields = {}
    for name in TEXT_FIELDS:
        options = (
            {"fragment_size": BODY_FRAGMENT_SIZE, "number_of_fragments": 2}
            if name == "body"
            else {"number_of_fragments": 0}
        )
        fields.update({f"{name}{analysis}": options for analysis in ANALYSES})
    return {"pre_tags": [START], "post_tags": [STOP], "require_field_match": False, "fields": fields}


HIGHLIGHT = _highlight()


HIGHLIGHTED = {name: [f"{name}{analysis}" for analysis in ANALYSES] for name in TEXT_FIELDS}


def _marks(fragments: list[str]) -> int:
    return sum(fragment.count(START) for fragment in fragments)


def _highlights(found: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per field, the fragments of the analysis that marked the most words (the same text either way)."""
    highlights = {}
    for name, keys in HIGHLIGHTED.items():
        candidates = [found[key] for key in keys if key in found]
        if candidates:
            best = max(candidates, key=_marks) if len(candidates) > 1 else candidates[0]
            fragments = [safe_highlight(f.strip()) for f in best if START in f]
            if fragments:
                highlights[name] = fragments
    return highlights


def _urls() -> Callable[[int], str]:
    """The address of a proposal's page from its id: one `reverse` for a page of hits, not one a hit."""
    sample = reverse("proposal_detail", args=[0])
    head = sample.removesuffix("/0/")
    if head == sample:  # the id is not the last part of the path
        return lambda proposal_id: reverse("proposal_detail", args=[proposal_id])
    return lambda proposal_id: f"{head}/{proposal_id}/"


def _hit(hit: dict, url: Callable[[int], str]) -> SearchHit:
    source = hit["_source"]
    return SearchHit(
        id=source["id"],
        title=source["title"],
        summary=source["summary"],
        status=source["status"],
        category=source.get("category"),
        category_name=source.get("category_name") or "",
        stage=source.get("stage"),
        stage_name=source.get("stage_name") or "",
        supports=source["supports"],
        url=url(source["id"]),
        score=float(hit.get("_score") or 0.0),
        highlights=_highlights(hit.get("highlight", {})),
    )


def proposal_similar(*, consultation_id: int, title: str, summary: str, limit: int = 5) -> list[SimilarHit]:
    """Any of the draft's significant words in a proposal's title or summary (titles weigh double), in any
    of the three analyses, plus a fuzzy match of the folded words, which catches a misspelt word."""
    words = significant_words(title, summary)
    if not words:
        return []
    text = " ".join(words)
    fuzzy = {"query": text, "fields": ["title", "summary"], "fuzziness": "AUTO", "boost": 0.5}
    should = [{"multi_match": {"query": text, "fields": SIMILAR_FIELDS}}, {"multi_match": fuzzy}]
    match = {"bool": {"should": should, "minimum_should_match": 1}}
    body = {
        "query": {"bool": {"must": [match]}},
        "sort": SORT,
        "_source": SIMILAR_SOURCE,
        "size": limit,
    }
    url = _urls()
    return [
        SimilarHit(
            id=source["id"],
            title=source["title"],
            summary=source["summary"],
            status=source["status"],
            supports=source["supports"],
            url=url(source["id"]),
            score=float(hit.get("_score") or 0.0),
        )
        for hit in _execute(body, consultation_id).get("hits", {}).get("hits", [])
        for source in [hit["_source"]]
    ]


SIMILAR_FIELDS = _fields({"title": 2, "summary": 1})
