from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from cms.area_drawings import area_list
from cms.models import Area
from proposals.models import DeclaredArea, Proposal

from .models import Invalidation, Support


def supported_ids(*, user, proposal_ids: Iterable[int]) -> set[int]:
    """Which of these proposals the user supports, in one query."""
    if not user.is_authenticated:
        return set()
    return set(
        Support.objects.filter(user=user, proposal_id__in=list(proposal_ids)).values_list(
            "proposal_id", flat=True
        )
    )


def supports_by_day(*, proposal: Proposal, until: date | None = None) -> list[tuple[date, int]]:
    """The proposal's supports standing at the end of each day, in the site's time zone, every day from its
    publication to `until` (today by default, the consultation's closing day once it has closed): one
    grouped query. A withdrawn support is a deleted row, so it is not counted on any day, as if never given;
    an anonymised one (its citizen's account deleted) still is, one set aside is not. The last day's total
    is the valid rows there are, which the services keep equal to `supports_count`. Empty for a proposal
    never published.

    The rows are found through the (proposal, user) unique index and read from the table. Measured on 600,000
    supports given in time order (PostgreSQL 15, warm cache): 2.5-5.7 ms for a proposal of 500 supports and
    94-121 ms for one of 100,000; an index on (proposal, created_at) INCLUDE (id) made them 0.4-0.6 ms and
    58-76 ms (an index-only scan, just after a VACUUM), for one more index to write with every support. Not
    added: the cost that matters is the hot proposal's, which it does not remove."""
    if proposal.published_at is None:
        return []
    given = dict(
        Support.objects.filter(proposal=proposal, invalidation=None)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()  # group by the day alone
        .values_list("day", "n")
    )
    first = timezone.localdate(proposal.published_at)
    if until is None:
        until = min(timezone.localdate(), timezone.localdate(proposal.consultation.closes_at))
    # Supports are only given while published, but a proposal hidden and published again may have some
    # from before its latest publication date: the days start with the earliest of them then.
    first = min([first, *given])
    last = max([until, first, *given])
    days, total = [], 0
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        total += given.get(day, 0)
        days.append((day, total))
    return days


def supports_of(*, user, proposal_ids: Iterable[int]) -> dict[int, Support]:
    """The citizen's supports of these proposals, by proposal, each with its invalidation if an official
    set it aside (when and why): in one query, where a page reads which it supports."""
    if not user.is_authenticated:
        return {}
    supports = Support.objects.filter(user=user, proposal_id__in=list(proposal_ids))
    return {support.proposal_id: support for support in supports.select_related("invalidation")}


def invalidations_list(*, proposal: Proposal):
    """The proposal's sets of supports set aside, newest first, each with who made it and how many of its
    supports are still set aside (`still_set_aside`: neither counted again nor withdrawn since)."""
    return (
        Invalidation.objects.filter(proposal=proposal)
        .select_related("created_by")
        .annotate(still_set_aside=Count("supports"))
    )


# An area with fewer supporters than this (but some) is shown as "fewer than 5", on the page and in the API.
MIN_AREA_SUPPORTERS = 5


def supports_by_declared_area(*, proposal_id: int, area_set_id: int) -> dict[int | None, int]:
    """The proposal's valid supports by the area their citizen declared in the area set (None: declared
    none there, or their account is deleted): one grouped statement. The supports are found through the
    (proposal, user) unique index, the declarations through the (user, area set) one, joined by hash."""
    quote = connection.ops.quote_name
    sql = (
        f"SELECT d.area_id, COUNT(*) FROM {quote(Support._meta.db_table)} s "  # noqa: S608 - names from the models
        f"LEFT JOIN {quote(DeclaredArea._meta.db_table)} d ON d.user_id = s.user_id AND d.area_set_id = %s "
        "WHERE s.proposal_id = %s AND s.invalidation_id IS NULL GROUP BY d.area_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [area_set_id, proposal_id])
        return dict(cursor.fetchall())


@dataclass(frozen=True)
class AreaSupports:
    area: Area
    supports: int | None  # None: withheld, some supporters but fewer than MIN_AREA_SUPPORTERS


@dataclass(frozen=True)
class SupportsByArea:
    """A proposal's supports by its supporters' declared area, as anyone may see them. No figure under
    MIN_AREA_SUPPORTERS is told: in a small area a handful of supporters could be singled out. Nor can one
    be worked out from the others and the proposal's total: the withheld areas' supports are in `others`
    with those of citizens who declared no area, so the figures shown add up to the total."""

    areas: list[AreaSupports]
    others: int  # no area declared (or the account deleted), plus the withheld areas' supports
    withheld: int  # areas whose figure is withheld
    total: int
    minimum: int = MIN_AREA_SUPPORTERS

    @property
    def shown(self) -> int:
        """Areas with a figure of MIN_AREA_SUPPORTERS or more."""
        return sum(1 for item in self.areas if item.supports)


def supports_by_area(*, proposal: Proposal) -> SupportsByArea | None:
    """The proposal's supports by declared area in its consultation's area set; None when the consultation
    has none. Two queries."""
    area_set_id = proposal.consultation.area_set_id
    if area_set_id is None:
        return None
    counts = supports_by_declared_area(proposal_id=proposal.pk, area_set_id=area_set_id)
    total = sum(counts.values())
    items, withheld, others = [], 0, total
    for area in area_list(area_set_id=area_set_id):
        n = counts.get(area.pk, 0)
        if 0 < n < MIN_AREA_SUPPORTERS:
            items.append(AreaSupports(area, None))
            withheld += 1
        else:
            items.append(AreaSupports(area, n))
            others -= n
    return SupportsByArea(items, others, withheld, total)
