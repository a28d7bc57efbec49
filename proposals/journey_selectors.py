"""The figures of a consultation's service journey, read from the check-in tallies (StageTally).

A stage's figures are shown only from MIN_CHECKINS check-ins on: below that, a median could single out a
person who told a few others they checked in. Everything here reads the running totals (one row per stage)
or sums day rows, never the check-ins themselves, so it costs the same whatever their number. The one
exception is `stage_stories`, which reads the latest published stories of the stages shown, never with
their author.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Sum

from .models import SCALE, CheckIn, StageTally, Visibility

# Fewer check-ins than this on a stage and nothing is shown of it (the API, the page, the open data).
MIN_CHECKINS = 5

TALLY_FIELDS = (
    "checkins",
    "gave_up",
    *(f"frustration_{v}" for v in SCALE),
    *(f"motivation_{v}" for v in SCALE),
)


def histogram_median(counts: tuple[int, ...]) -> float | None:
    """The median of a 1..5 scale given as the number of answers at each point (counts[0] is for 1): the
    middle answer, or the mean of the two middle ones for an even number. None without answers."""
    total = sum(counts)
    if total == 0:
        return None

    def nth(n: int) -> int:  # the n-th answer (0-based) in increasing order
        seen = 0
        for value, count in zip(SCALE, counts, strict=True):
            seen += count
            if n < seen:
                return value
        raise AssertionError("counts changed while reading")

    middle = total // 2
    return float(nth(middle)) if total % 2 else (nth(middle - 1) + nth(middle)) / 2


@dataclass(frozen=True)
class StageFigures:
    """The check-ins of one stage, counted. `frustration` and `motivation` hold the number of answers at
    each point of the scale, 1 first."""

    checkins: int = 0
    gave_up: int = 0
    frustration: tuple[int, ...] = (0, 0, 0, 0, 0)
    motivation: tuple[int, ...] = (0, 0, 0, 0, 0)
    version: int = 0

    @classmethod
    def from_row(cls, row: dict, version: int = 0, prefix: str = "") -> "StageFigures":
        return cls(
            checkins=row[f"{prefix}checkins"] or 0,
            gave_up=row[f"{prefix}gave_up"] or 0,
            frustration=tuple(row[f"{prefix}frustration_{v}"] or 0 for v in SCALE),
            motivation=tuple(row[f"{prefix}motivation_{v}"] or 0 for v in SCALE),
            version=version,
        )

    @property
    def shown(self) -> bool:
        """Enough check-ins to show anything of them (MIN_CHECKINS)."""
        return self.checkins >= MIN_CHECKINS

    @property
    def frustration_median(self) -> float | None:
        return histogram_median(self.frustration)

    @property
    def motivation_median(self) -> float | None:
        return histogram_median(self.motivation)

    @property
    def frustration_mean(self) -> float | None:
        """Finer than the median, to rank stages whose medians are equal."""
        if not self.checkins:
            return None
        return (
            sum(value * count for value, count in zip(SCALE, self.frustration, strict=True)) / self.checkins
        )

    @property
    def gave_up_share(self) -> float | None:
        """The share of check-ins (0 to 1) whose author gave up at this stage."""
        return self.gave_up / self.checkins if self.checkins else None

    @property
    def frustration_overtakes(self) -> bool:
        """Frustration's median above motivation's: where people give up (the breaking point)."""
        if not self.checkins:
            return False
        return self.frustration_median > self.motivation_median


def stage_figures(stage_ids) -> dict[int, StageFigures]:
    """Each stage's running totals (empty figures for a stage nobody checked in on). One query."""
    stage_ids = list(stage_ids)
    rows = StageTally.objects.filter(stage_id__in=stage_ids, day__isnull=True).values(
        "stage_id", "version", *TALLY_FIELDS
    )
    found = {row["stage_id"]: StageFigures.from_row(row, row["version"]) for row in rows}
    return {stage_id: found.get(stage_id, StageFigures()) for stage_id in stage_ids}


def stage_figures_between(
    stage_ids, *, since: date | None = None, until: date | None = None
) -> dict[int, StageFigures]:
    """Each stage's check-ins given (or last changed) on a local day from `since` (included) to `until`
    (excluded), summed from the day rows. One query."""
    stage_ids = list(stage_ids)
    rows = StageTally.objects.filter(stage_id__in=stage_ids, day__isnull=False)
    if since is not None:
        rows = rows.filter(day__gte=since)
    if until is not None:
        rows = rows.filter(day__lt=until)
    # Summed under other names: an annotation may not take a field's.
    sums = rows.values("stage_id").annotate(**{f"sum_{name}": Sum(name) for name in TALLY_FIELDS}).order_by()
    found = {row["stage_id"]: StageFigures.from_row(row, prefix="sum_") for row in sums}
    return {stage_id: found.get(stage_id, StageFigures()) for stage_id in stage_ids}


@dataclass(frozen=True)
class Story:
    """What a check-in's author told of a stage, as the public reads it: never who told it."""

    text: str
    day: date  # the local day the check-in was given or last changed
    language: str


STORIES_SHOWN = 3


def stage_stories(*, stage_ids, limit: int = STORIES_SHOWN) -> dict[int, list[Story]]:
    """Each stage's `limit` most recent published stories (the most recent first), for the stages with
    MIN_CHECKINS check-ins or more; an empty list for the others, whose check-ins are not shown at all. Two
    queries (one per stage shown on SQLite)."""
    stage_ids = list(stage_ids)
    shown = [stage_id for stage_id, figures in stage_figures(stage_ids).items() if figures.shown]
    found: dict[int, list[Story]] = {stage_id: [] for stage_id in stage_ids}
    if not shown:
        return found
    # Each stage's latest few on its own (ORDER BY ... LIMIT), together in one query (UNION ALL): an index
    # on the stage's published stories by date can then read just those rows, where ranking the stories of
    # every stage in one window reads them all.
    latest = [
        CheckIn.objects.filter(stage_id=stage_id, visibility=Visibility.PUBLISHED)
        .exclude(story="")
        .order_by("-updated_at", "-id")
        .values_list("stage_id", "story", "day", "language", "updated_at", "id")[:limit]
        for stage_id in shown
    ]
    if len(latest) == 1:
        rows = list(latest[0])
    elif connection.features.supports_slicing_ordering_in_compound:
        rows = list(latest[0].union(*latest[1:], all=True))
    else:  # SQLite (the embedded default) cannot limit each part of a UNION: a query per stage
        rows = [row for part in latest for row in part]
    # A union keeps no order: the latest first again, in Python (a few rows a stage).
    for stage_id, text, day, language, _updated, _id in sorted(
        rows, key=lambda r: (r[4], r[5]), reverse=True
    ):
        found[stage_id].append(Story(text=text, day=day, language=language))
    return found
