"""Search of published proposals, and the similar proposals shown while a citizen writes one.

Callers use the two functions below; the backend that answers is named by `SEARCH_BACKEND`: "database"
(the default: PostgreSQL full-text search, or plain matching on another database) or "engine"
(Elasticsearch 7 or OpenSearch, see `engine`; the default when ELASTICSEARCH_URL is set). Every backend
returns the same dataclasses, with highlights that are safe HTML: the proposal's text escaped, and only
`<mark>`…`</mark>` added around the matched words.

Only published proposals of live, public consultations are ever returned, whoever asks.

Services that change what search shows call `index_on_commit` inside their transaction; with the engine
the proposal is indexed after commit, and with the database backend nothing needs doing.

An engine that is down, unreachable, overloaded or slower than the client's timeout makes a search raise
`SearchUnavailable`: the page and the API answer 503 and ask to retry after RETRY_AFTER seconds, instead of
a server error or a request left hanging.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from types import ModuleType

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cocreate.transactions import after_commit

BACKENDS = {"database": "proposals.search.database", "engine": "proposals.search.engine"}

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
RETRY_AFTER = 60  # seconds: what a 503 asks clients to wait; an engine restart takes about that long


class SearchUnavailable(Exception):
    """The search engine did not answer in time, or answered that it cannot serve now. Nothing is wrong
    with the request: the same search may succeed later."""


@contextmanager
def engine_failures_as_unavailable() -> Iterator[None]:
    """Inside, a failure of the engine to serve (connection refused or reset, timeout, a 429 or 5xx answer)
    becomes SearchUnavailable; other errors (a bad request is a bug) go through. Also wraps Wagtail's page
    search, which talks to the same engine through the same client library."""
    from elasticsearch import TransportError  # the client is installed whatever the backend

    try:
        yield
    except TransportError as error:
        status = error.status_code  # "N/A" when no answer came back at all
        if not isinstance(status, int) or status == 429 or status >= 500:
            raise SearchUnavailable(str(error)) from error
        raise


@dataclass(frozen=True)
class SearchHit:
    id: int
    title: str
    summary: str
    status: str
    category: str | None  # the category's slug
    category_name: str
    stage: str | None  # the slug of the stage of the journey it is about
    stage_name: str
    supports: int
    url: str
    score: float
    # Safe HTML fragments per field ("title", "summary", "body"); a field without a match may be absent.
    highlights: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class SimilarHit:
    id: int
    title: str
    summary: str
    status: str
    supports: int
    url: str
    score: float


@dataclass(frozen=True)
class Facet:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    total: int
    page: int
    page_size: int
    # "status", "category" and "stage": counts over the whole result set (or, with total_is_lower_bound, over
    # the part of it the backend counted). Each facet ignores its own filter (and obeys the others), so that
    # a filtered page still shows the other choices and how many proposals each would give.
    facets: dict[str, list[Facet]]
    # True when `total` and the facets' counts may be lower bounds ("at least"): the backend counted bounded
    # sets of the matches (see the database backend's COUNT_WINDOW), at least one of them full, and there may
    # be more. The page then says "at least" before each count.
    total_is_lower_bound: bool = False

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _backend() -> ModuleType:
    return _load(settings.SEARCH_BACKEND)


@cache
def _load(name: str) -> ModuleType:
    if name not in BACKENDS:
        raise ImproperlyConfigured(f"SEARCH_BACKEND must be one of {sorted(BACKENDS)}, not {name!r}.")
    return import_module(BACKENDS[name])


def _index_now(index, object_id: int) -> None:
    try:
        index(object_id)
    except Exception:
        # The change is committed in the database; a failed index write must not fail the request.
        # `manage.py reindex` brings the index back in line.
        logger.exception("search indexing failed: %s(%s)", index.__name__, object_id)


def index_on_commit(proposal_id: int) -> None:
    """Update the proposal in the search index once the current transaction commits (written if published,
    removed otherwise). Call it from every service that changes what search shows of a proposal."""
    index = getattr(_backend(), "proposal_index", None)
    if index is not None:  # the database backend searches the tables themselves
        after_commit(_index_now, index, proposal_id)


def consultation_index_on_commit(consultation_id: int) -> None:
    """Rewrite the consultation's proposals in the search index once the current transaction commits: what
    a document holds of its consultation (a category's or a stage's name) has changed."""
    index = getattr(_backend(), "consultation_index", None)
    if index is not None:
        after_commit(_index_now, index, consultation_id)


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
    """Published proposals matching `query` (at most MAX_QUERY_LENGTH characters, not blank), best first.
    `category` is a category slug, `stage` a stage slug; `page` counts from 1. A page past the last one has
    no hits."""
    return _backend().proposal_search(
        query=query,
        consultation_id=consultation_id,
        status=status,
        category=category,
        stage=stage,
        page=page,
        page_size=page_size,
    )


def proposal_similar(*, consultation_id: int, title: str, summary: str, limit: int = 5) -> list[SimilarHit]:
    """The published proposals of the consultation closest to a draft's title and summary, closest first."""
    return _backend().proposal_similar(
        consultation_id=consultation_id, title=title, summary=summary, limit=limit
    )
