"""Search of published proposals, and the similar proposals shown while a citizen writes one.

Callers use the two functions below; which backend answers is chosen once, from `SEARCH_BACKEND`:
"database" (the default: PostgreSQL full-text search, or plain matching on another database) or, later,
the search engine. Every backend returns the same dataclasses, with highlights that are safe HTML: the
proposal's text escaped, and only `<mark>`…`</mark>` added around the matched words.

Only published proposals of live consultations are ever returned, whoever asks.
"""

from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from types import ModuleType

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BACKENDS = {"database": "proposals.search.database"}

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


@cache
def _backend() -> ModuleType:
    name = settings.SEARCH_BACKEND
    if name not in BACKENDS:
        raise ImproperlyConfigured(f"SEARCH_BACKEND must be one of {sorted(BACKENDS)}, not {name!r}.")
    return import_module(BACKENDS[name])


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
