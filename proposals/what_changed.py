"""What changed in a consultation's service journey: stage by stage, the steps done to put its proposals
into practice, and whether the check-ins after the first step done differ from those before by more than
noise (proposals.statistics).

A stage's first done step (the earliest `done_on` among the milestones of its published proposals) splits
its check-ins: before are those of the local days before it, after those from that day on. A check-in
counts on the day it was given or last changed (StageTally), so someone who changes theirs after the step
moves to after. The figures are summed from the tallies' day rows, never from the check-ins: the same
queries, and about the same time, at 100 check-ins and at 100,000.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Case, F, Q, Sum, Value, When

from cms.models import ConsultationPage, ConsultationStage

from .journey_map import cached_reading, forget_reading
from .journey_selectors import MIN_CHECKINS, TALLY_FIELDS, StageFigures
from .models import Milestone, Proposal, StageTally
from .statistics import Comparison, compare


@dataclass
class StageChange:
    """One stage: its steps (done ones first, by the day they were done, then the others by their planned
    day), and from its first done step on, its check-ins before and after it compared."""

    stage: ConsultationStage  # named in the reader's language
    milestones: list[Milestone] = field(default_factory=list)
    before: StageFigures | None = None
    after: StageFigures | None = None
    frustration: Comparison | None = None
    motivation: Comparison | None = None

    @property
    def first_done(self) -> Milestone | None:
        """The step whose day splits the check-ins into before and after."""
        done = [m for m in self.milestones if m.done_on is not None]
        return done[0] if done else None

    @property
    def checkins(self) -> int:
        return (self.before.checkins if self.before else 0) + (self.after.checkins if self.after else 0)

    @property
    def shown(self) -> bool:
        """Anything of its check-ins may be shown (counts included): MIN_CHECKINS on the stage in all."""
        return self.checkins >= MIN_CHECKINS

    @property
    def comparable(self) -> bool:
        """Enough check-ins on each side to compare them."""
        return self.frustration is not None and self.frustration.test is not None


@dataclass
class WhatChanged:
    stages: list[StageChange]
    # Steps of published proposals that name no stage: shown apart, compared with nothing.
    across: list[Milestone]
    minimum: int = MIN_CHECKINS


def _milestones(consultation_id: int) -> list[Milestone]:
    """The steps of the consultation's published proposals, done ones first by their day, then the others
    by their planned day, with their proposal's title and stage. One query."""
    return list(
        Milestone.objects.filter(
            proposal__consultation_id=consultation_id, proposal__in=Proposal.objects.published()
        )
        .select_related("proposal")
        .only(
            "id",
            "title",
            "state",
            "planned_for",
            "started_on",
            "done_on",
            "proposal__id",
            "proposal__title",
            "proposal__language",
            "proposal__status",
            "proposal__stage_id",
        )
        .order_by(F("done_on").asc(nulls_last=True), "planned_for", "id")
    )


def figures_around(splits: dict[int, date]) -> dict[int, tuple[StageFigures, StageFigures]]:
    """Each stage's check-ins of the days before its split day and from that day on, by stage id: what
    `stage_figures_between(until=day)` and `stage_figures_between(since=day)` give, for stages each with
    its own day, in one query."""
    if not splits:
        return {}
    before = Q()
    for stage_id, day in splits.items():
        before |= Q(stage_id=stage_id, day__lt=day)
    # Grouped by stage and side: the condition is written once, not into each of the sums (building that
    # query cost ten times the time PostgreSQL takes to answer it).
    rows = (
        StageTally.objects.filter(stage_id__in=list(splits), day__isnull=False)
        .annotate(after=Case(When(before, then=Value(False)), default=Value(True)))
        .values("stage_id", "after")
        .annotate(**{f"sum_{name}": Sum(name) for name in TALLY_FIELDS})
        .order_by()
    )
    found = {stage_id: [StageFigures(), StageFigures()] for stage_id in splits}
    for row in rows:
        found[row["stage_id"]][row["after"]] = StageFigures.from_row(row, prefix="sum_")
    return {stage_id: (before_, after_) for stage_id, (before_, after_) in found.items()}


def what_changed(*, consultation: ConsultationPage) -> WhatChanged:
    """`consultation` is the canonical page (proposals, check-ins and milestones point to it). Four queries
    at most (the stages and their names in the reader's language, the steps, the tallies), whatever the
    number of stages, proposals, steps and check-ins."""
    stages = consultation.localized_stages()
    changes = {stage.pk: StageChange(stage) for stage in stages}
    across = []
    for milestone in _milestones(consultation.pk):
        stage_id = milestone.proposal.stage_id
        if stage_id is None:
            across.append(milestone)
        elif stage_id in changes:
            changes[stage_id].milestones.append(milestone)
    splits = {
        stage_id: change.first_done.done_on for stage_id, change in changes.items() if change.first_done
    }
    for stage_id, (before, after) in figures_around(splits).items():
        change = changes[stage_id]
        change.before, change.after = before, after
        change.frustration = compare(before.frustration, after.frustration)
        change.motivation = compare(before.motivation, after.motivation)
    return WhatChanged(stages=list(changes.values()), across=across)


def current_what_changed(*, consultation: ConsultationPage) -> WhatChanged:
    """what_changed, kept WHAT_CHANGED_CACHE_SECONDS in the cache for the reader's language (forgotten when
    a step changes, forget_what_changed): the page compares months of check-ins, which a minute does not
    move."""
    return cached_reading(
        "what-changed",
        consultation.pk,
        settings.WHAT_CHANGED_CACHE_SECONDS,
        lambda: what_changed(consultation=consultation),
    )


def forget_what_changed(consultation_id: int) -> None:
    forget_reading("what-changed", consultation_id)
