"""Check-ins given on chosen days and implementation steps done on chosen days, for the tests of the What
changed page, its selector and its API."""

from datetime import date, timedelta
from types import SimpleNamespace

from django.db.models import F
from django.utils import timezone

from proposals.models import CheckIn, Milestone, MilestoneState, StageTally
from proposals.services import checkin_save

from . import factories

COUNTED = ("checkins", "gave_up", *(f"{m}_{v}" for m in ("frustration", "motivation") for v in range(1, 6)))


def checked_in(consultation, stage, day: date, times: int, frustration: int, motivation: int) -> None:
    """`times` check-ins on `stage` through the service (each by a new citizen), then moved, the check-ins
    and their tally's day row, to `day`, added to that day's row if it has one already."""
    today = timezone.localdate()
    for _ in range(times):
        checkin_save(
            author=factories.citizen(),
            consultation=consultation,
            stage_id=stage.pk,
            frustration=frustration,
            motivation=motivation,
            gave_up=False,
        )
    if day == today or not times:
        return
    CheckIn.objects.filter(stage=stage, day=today).update(day=day)
    given = StageTally.objects.get(stage=stage, day=today)
    target = StageTally.objects.filter(stage=stage, day=day)
    if target.exists():
        target.update(**{name: F(name) + getattr(given, name) for name in COUNTED})
        given.delete()
    else:
        StageTally.objects.filter(pk=given.pk).update(day=day)


def step(proposal, title: str, *, done_on: date | None = None, state=None, planned_for: date | None = None):
    """An implementation step of `proposal`: done on `done_on` if given, else planned (or `state`)."""
    state = state or (MilestoneState.DONE if done_on else MilestoneState.PLANNED)
    return Milestone.objects.create(
        proposal=proposal,
        title=title,
        state=state,
        planned_for=planned_for or done_on or timezone.localdate(),
        done_on=done_on,
    )


def changed_journey() -> SimpleNamespace:
    """A consultation whose journey shows each outcome, the steps done ten days ago (`done_on`):
    - "Apply": "Form shortened" done; 6 check-ins before at frustration 4 / motivation 2, 5 after at 2 / 4:
      both more than noise (p = 0.0022…, scipy's figure for these histograms);
    - "Find out": "Letters rewritten" done; 10 before and 10 after whose frustration differs by no more
      than noise (p = 0.351…, scipy's), motivation 3 throughout (p = 1);
    - "Wait": "Decisions in a week" done; 3 before, 12 after: not enough to compare;
    - "Paid": a step only planned;
    - and a step done on a proposal about no stage ("Phone line open")."""
    today = timezone.localdate()
    done_on = today - timedelta(days=10)
    before, after = done_on - timedelta(days=5), done_on + timedelta(days=2)
    consultation = factories.consultation(stages=("Find out", "Apply", "Wait", "Paid"))
    find_out, apply, wait, paid = consultation.stages.order_by("sort_order")

    def proposal(stage, title):
        return factories.ProposalFactory(consultation=consultation, stage=stage, title=title)

    steps = SimpleNamespace(
        letters=step(proposal(find_out, "Clear letters"), "Letters rewritten", done_on=done_on),
        form=step(proposal(apply, "Shorter form"), "Form shortened", done_on=done_on),
        decisions=step(proposal(wait, "Faster decisions"), "Decisions in a week", done_on=done_on),
        fridays=step(
            proposal(paid, "Pay on Fridays"), "Payments on Fridays", planned_for=today + timedelta(30)
        ),
        phone=step(proposal(None, "One phone number"), "Phone line open", done_on=today - timedelta(days=3)),
    )
    checked_in(consultation, apply, before, 6, frustration=4, motivation=2)
    checked_in(consultation, apply, after, 5, frustration=2, motivation=4)
    for day, counts in ((before, (2, 3, 3, 1, 1)), (after, (1, 2, 3, 3, 1))):
        for frustration, times in enumerate(counts, start=1):
            checked_in(consultation, find_out, day, times, frustration=frustration, motivation=3)
    checked_in(consultation, wait, before, 3, frustration=5, motivation=1)
    checked_in(consultation, wait, after, 12, frustration=1, motivation=5)
    return SimpleNamespace(
        consultation=consultation,
        stages=SimpleNamespace(find_out=find_out, apply=apply, wait=wait, paid=paid),
        steps=steps,
        done_on=done_on,
    )
