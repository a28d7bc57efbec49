"""Search of published proposals, and the similar proposals shown while a citizen writes one.

Callers use the two functions below; the backend that answers is named by `SEARCH_BACKEND`: "database"
(the default: PostgreSQL full-text search, or plain matching on another database) or "engine"
(Elasticsearch 7 or OpenSearch, see `engine`; the default when ELASTICSEARCH_URL is set). Every backend
returns the same dataclasses, with highlights that are safe HTML: the proposal's text escaped, and only
`<mark>`…`</mark>` added around the matched words.

Only published proposals of live consultations are ever returned, whoever asks.

Services that change what search shows call `index_on_commit` inside their transaction; with the engine
the proposal is indexed after commit, and with the database backend nothing needs doing.
"""

import logging
from dataclasses import dataclass, field
from functools import cache, partial
from importlib import import_module
from types import ModuleType

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

BACKENDS = {"database": "proposals.search.database", "engine": "proposals.search.engine"}

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class SearchHit:
    id: int
    title: str
    summary: str
    status: str
    category: str | None  # the category's slug
    category_name: str
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
    # "status" and "category": counts over the whole result set. Each facet ignores its own filter, so
    # that a filtered page still shows the other choices and how many proposals each would give.
    facets: dict[str, list[Facet]]

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


def _index_now(index, proposal_id: int) -> None:
    try:
        index(proposal_id)
    except Exception:
        # The proposal is committed in the database; a failed index write must not fail the request.
        # `manage.py reindex` brings the index back in line.
        logger.exception("search indexing of proposal %s failed", proposal_id)


def index_on_commit(proposal_id: int) -> None:
    """Update the proposal in the search index once the current transaction commits (written if published,
    removed otherwise). Call it from every service that changes what search shows of a proposal."""
    index = getattr(_backend(), "proposal_index", None)
    if index is not None:  # the database backend searches the tables themselves
        transaction.on_commit(partial(_index_now, index, proposal_id), robust=True)


def proposal_search(
    *,
    query: str,
    consultation_id: int | None,
    status: str | None,
    category: str | None,
    page: int,
    page_size: int,
) -> SearchPage:
    """Published proposals matching `query` (at most MAX_QUERY_LENGTH characters, not blank), best first.
    `category` is a category slug; `page` counts from 1. A page past the last one has no hits."""
    return _backend().proposal_search(
        query=query,
        consultation_id=consultation_id,
        status=status,
        category=category,
        page=page,
        page_size=page_size,
    )


def proposal_similar(*, consultation_id: int, title: str, summary: str, limit: int = 5) -> list[SimilarHit]:
    """The published proposals of the consultation closest to a draft's title and summary, closest first."""
    return _backend().proposal_similar(
        consultation_id=consultation_id, title=title, summary=summary, limit=limit
    )
