"""Reads behind the petition promise, for officials: the responses awaited, and one consultation's figures
(proposals by status, promises awaited and overdue, the median time to respond, supports per day). The
Wagtail admin's pages and the API read them here, so both show the same numbers. Every figure is computed
by the database in a fixed number of queries, whatever the number of proposals or supports."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.aggregates import Aggregate
from django.db.models.functions import Greatest, TruncDate, TruncMonth
from django.utils import timezone

from cms.models import ConsultationPage, ConsultationStage
from proposals.journey_selectors import TALLY_FIELDS, StageFigures, stage_figures
from proposals.models import Milestone, Proposal, StageTally, Status, Visibility
from proposals.selectors import LIST_DEFERRED, SEARCH_VECTORS
from votes.models import Support

CHART_DAYS = 366  # supports per day cover at most the last year


class Median(Aggregate):
    """PostgreSQL's continuous median of the expression (an interval here)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def unanswered() -> Q:
    """A promise made (the threshold reached) and no response yet, by a proposal not merged into another.
    A merge withdraws a duplicate's promise, except where the consultation has no threshold any more
    (promises made before it was set to none stay, the merged duplicate's too): its supporters wait for
    the response of the one it went into."""
    return Q(response_due_at__isnull=False, responded_at__isnull=True, merged_into__isnull=True)


def answered_promise() -> Q:
    return Q(threshold_reached_at__isnull=False, responded_at__isnull=False)


def awaiting_queue(consultation_id: int | None = None) -> QuerySet[Proposal]:
    """Published proposals awaiting their promised response, the earliest deadline (so the overdue) first."""
    proposals = Proposal.objects.published().filter(unanswered())
    if consultation_id is not None:
        proposals = proposals.for_consultation(consultation_id)
    return proposals.select_related("consultation").defer(*SEARCH_VECTORS).order_by("response_due_at", "id")


def awaiting_counts(now: datetime | None = None) -> dict[str, int]:
    """How many promised responses are awaited across consultations, and how many of them are overdue:
    one query."""
    now = now or timezone.now()
    return (
        Proposal.objects.published()
        .filter(unanswered())
        .aggregate(awaiting=Count("id"), overdue=Count("id", filter=Q(response_due_at__lte=now)))
    )


def consultations_with_promises(now: datetime | None = None) -> QuerySet[ConsultationPage]:
    """Every consultation, the latest opened first, with its `proposal_count` and its promised responses
    `awaiting` and `overdue`: one query."""
    now = now or timezone.now()
    published_unanswered = Q(proposals__visibility=Visibility.PUBLISHED) & Q(
        proposals__response_due_at__isnull=False,
        proposals__responded_at__isnull=True,
        proposals__merged_into__isnull=True,
    )
    return (
        ConsultationPage.objects.canonical()
        .annotate(
            proposal_count=Count("proposals"),
            awaiting=Count("proposals", filter=published_unanswered),
            overdue=Count("proposals", filter=published_unanswered & Q(proposals__response_due_at__lte=now)),
        )
        .order_by("-opens_at")
    )


def status_counts(consultation_id: int, now: datetime) -> dict:
    """Published proposals by status, the other visibilities, and the promises reached, awaited, overdue
    and answered: one query. A duplicate merged into another (votes.merging) is in none of them: its
    supports, promise and history went to the one it was merged into, which counts for both (the merge
    withdrew its promise, but left it the status it had, "open" most often)."""
    published = Q(visibility=Visibility.PUBLISHED, merged_into__isnull=True)
    figures = Proposal.objects.for_consultation(consultation_id).aggregate(
        **{f"status_{s}": Count("id", filter=published & Q(status=s)) for s in Status.values},
        pending=Count("id", filter=Q(visibility=Visibility.PENDING)),
        hidden=Count("id", filter=Q(visibility=Visibility.HIDDEN)),
        reached=Count("id", filter=published & Q(threshold_reached_at__isnull=False)),
        awaiting=Count("id", filter=published & unanswered()),
        overdue=Count("id", filter=published & unanswered() & Q(response_due_at__lte=now)),
        answered=Count("id", filter=published & answered_promise()),
    )
    figures["statuses"] = {value: figures.pop(f"status_{value}") for value in Status.values}
    return figures


def median_time_to_respond(consultation_id: int) -> timedelta | None:
    """The median time from the threshold to the first response over the consultation's published
    proposals that reached it and were answered; None if none was. A response given before the threshold
    answered the promise as it was made: it counts as no time at all. Not a duplicate merged into another,
    as in every figure of the dashboard. One query."""
    answered = Proposal.objects.listed().for_consultation(consultation_id).filter(answered_promise())
    if connection.vendor != "postgresql":
        # The demo's SQLite has no percentile: a consultation's answered proposals are few enough to read.
        waits = [
            max(responded - reached, timedelta(0))
            for reached, responded in answered.values_list("threshold_reached_at", "responded_at")
        ]
        return statistics.median(waits) if waits else None
    waited = ExpressionWrapper(
        Greatest(F("responded_at") - F("threshold_reached_at"), Value(timedelta(0))),
        output_field=DurationField(),
    )
    return answered.aggregate(median=Median(waited, output_field=DurationField()))["median"]


def supports_per_day(consultation_id: int) -> list[tuple[date, int]]:
    """Supports standing now (a withdrawn one is gone) by the day they were given, in the site's time zone,
    every day from the first to the last, the empty ones too; the last CHART_DAYS days at most."""
    counted = dict(
        Support.objects.filter(proposal__consultation_id=consultation_id, invalidation=None)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()  # group by the day alone, not by a default ordering too
        .values_list("day", "n")
    )
    if not counted:
        return []
    last = max(counted)
    first = max(min(counted), last - timedelta(days=CHART_DAYS - 1))
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [(day, counted.get(day, 0)) for day in days]


@dataclass(frozen=True)
class ConsultationFigures:
    """One consultation's dashboard. `statuses`: published proposals by status value, in Status order."""

    statuses: dict[str, int]
    pending: int
    hidden: int
    reached: int
    awaiting: int
    overdue: int
    answered: int
    median_time_to_respond: timedelta | None
    supports_per_day: list[tuple[date, int]]

    @property
    def by_status(self) -> list[tuple[str, int]]:
        """(label, count) per status, in the current language."""
        return [(Status(value).label, n) for value, n in self.statuses.items()]


def consultation_figures(*, consultation_id: int, now: datetime | None = None) -> ConsultationFigures:
    """Every figure of one consultation's dashboard, as of `now`: three queries."""
    counts = status_counts(consultation_id, now or timezone.now())
    return ConsultationFigures(
        **counts,
        median_time_to_respond=median_time_to_respond(consultation_id),
        supports_per_day=supports_per_day(consultation_id),
    )


# --- the service journey ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageMonth:
    month: date  # its first day
    figures: StageFigures  # withheld (not .shown) below the minimum of check-ins, as everywhere


@dataclass(frozen=True)
class StageOverTime:
    stage: ConsultationStage
    total: StageFigures
    months: list[StageMonth]


def journey_over_time(*, consultation: ConsultationPage) -> list[StageOverTime]:
    """Each stage of the consultation's journey (in the reader's language) with its running totals and its
    check-ins month by month (by the local day each was given or last changed), every month from the first
    to the last, the empty ones too. Summed from the tallies' day rows: three queries, whatever the number of
    check-ins."""
    stages = consultation.localized_stages()
    ids = [stage.pk for stage in stages]
    totals = stage_figures(ids)
    sums = (
        StageTally.objects.filter(stage_id__in=ids, day__isnull=False)
        .annotate(month=TruncMonth("day"))
        .values("stage_id", "month")
        .annotate(**{f"sum_{name}": Sum(name) for name in TALLY_FIELDS})
        .order_by()
    )
    by_stage_month = {
        (row["stage_id"], row["month"]): StageFigures.from_row(row, prefix="sum_") for row in sums
    }
    months = _months(sorted({month for _stage, month in by_stage_month}))
    return [
        StageOverTime(
            stage,
            totals[stage.pk],
            [StageMonth(month, by_stage_month.get((stage.pk, month), StageFigures())) for month in months],
        )
        for stage in stages
    ]


def _months(found: list[date]) -> list[date]:
    """Every first day of a month from the first found to the last."""
    if not found:
        return []
    months, month = [], found[0]
    while month <= found[-1]:
        months.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def stages_by_frustration(over_time: list[StageOverTime]) -> list[StageOverTime]:
    """The stages with enough check-ins to be shown, the most frustrating first (by the median, then by the
    mean, which separates equal medians), then the others in journey order."""
    shown = [s for s in over_time if s.total.shown]
    shown.sort(key=lambda s: (-s.total.frustration_median, -s.total.frustration_mean))
    return shown + [s for s in over_time if not s.total.shown]


def late_milestones(*, consultation_id: int, today: date | None = None) -> list[Milestone]:
    """The implementation steps of the consultation's proposals that are late against their planned date:
    not done and planned before today, or done after their planned date; the longest overdue first. One
    query."""
    today = today or timezone.localdate()
    late = Q(done_on__isnull=True, planned_for__lt=today) | Q(done_on__gt=F("planned_for"))
    return list(
        Milestone.objects.filter(late, proposal__consultation_id=consultation_id)
        .select_related("proposal")
        .defer(*(f"proposal__{name}" for name in LIST_DEFERRED))
        .order_by("planned_for", "id")
    )
