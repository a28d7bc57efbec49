"""What changed, stage by stage: the steps of published proposals, the first done step splitting a stage's
check-ins into before (the days before it) and after (from that day on), and the comparison's three
outcomes, read from the tallies in the same few queries whatever the numbers."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals.journey_selectors import stage_figures, stage_figures_between
from proposals.models import MilestoneState, Visibility
from proposals.statistics import DIFFERENCE, NO_CLEAR_DIFFERENCE, NOT_ENOUGH
from proposals.what_changed import figures_around, what_changed
from tests.support import factories
from tests.support.what_changed import checked_in, step

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 20)


@pytest.fixture
def journey():
    consultation = factories.consultation(stages=("Find out", "Apply", "Wait", "Paid"))
    return consultation, list(consultation.stages.order_by("sort_order"))


def test_a_fall_after_the_first_done_step_is_more_than_noise(journey):
    consultation, (find_out, apply, *_rest) = journey
    proposal = factories.ProposalFactory(consultation=consultation, stage=apply, title="Shorter form")
    later = step(proposal, "Form online", done_on=TODAY)
    first = step(proposal, "Form shortened", done_on=TODAY - timedelta(days=10))
    planned = step(proposal, "Form in French", planned_for=TODAY + timedelta(days=30))
    checked_in(consultation, apply, TODAY - timedelta(days=20), 6, frustration=5, motivation=2)
    checked_in(consultation, apply, TODAY - timedelta(days=11), 2, frustration=4, motivation=2)
    checked_in(consultation, apply, TODAY - timedelta(days=10), 4, frustration=2, motivation=4)
    checked_in(consultation, apply, TODAY - timedelta(days=2), 4, frustration=1, motivation=5)

    found = what_changed(consultation=consultation)

    assert [s.stage.name for s in found.stages] == ["Find out", "Apply", "Wait", "Paid"]
    change = found.stages[1]
    assert change.milestones == [first, later, planned], "done ones by their day, then the planned"
    assert change.first_done == first
    # The day of the first step done is "after"; the day before is "before".
    assert (change.before.checkins, change.after.checkins) == (8, 8)
    assert change.before.frustration == (0, 0, 0, 2, 6)
    assert change.after.frustration == (4, 4, 0, 0, 0)
    assert change.frustration.outcome == DIFFERENCE
    assert change.frustration.direction == "down"
    assert (change.frustration.before_median, change.frustration.after_median) == (5, 1.5)
    assert change.frustration.p < 0.05
    assert (change.motivation.outcome, change.motivation.direction) == (DIFFERENCE, "up")
    assert change.shown and change.comparable
    # A stage without a done step is listed, with nothing to compare.
    assert (found.stages[0].milestones, found.stages[0].before, found.stages[0].frustration) == (
        [],
        None,
        None,
    )
    assert not found.stages[0].shown


def test_the_same_answers_before_and_after_are_no_clear_difference(journey):
    consultation, (find_out, *_rest) = journey
    proposal = factories.ProposalFactory(consultation=consultation, stage=find_out)
    step(proposal, "Clearer letter", done_on=TODAY)
    for day in (TODAY - timedelta(days=3), TODAY + timedelta(days=3)):
        checked_in(consultation, find_out, day, 3, frustration=3, motivation=3)
        checked_in(consultation, find_out, day, 2, frustration=4, motivation=2)
        checked_in(consultation, find_out, day, 1, frustration=2, motivation=4)

    change = what_changed(consultation=consultation).stages[0]

    assert (change.before.checkins, change.after.checkins) == (6, 6)
    assert change.frustration.outcome == change.motivation.outcome == NO_CLEAR_DIFFERENCE
    assert change.frustration.p == 1.0
    assert change.frustration.direction is None
    assert change.frustration.before_median == change.frustration.after_median == 3


def test_fewer_than_five_on_a_side_is_not_enough_to_compare(journey):
    consultation, (_find_out, _apply, wait, _paid) = journey
    proposal = factories.ProposalFactory(consultation=consultation, stage=wait)
    step(proposal, "Decisions in a week", done_on=TODAY)
    checked_in(consultation, wait, TODAY - timedelta(days=1), 4, frustration=5, motivation=1)
    checked_in(consultation, wait, TODAY, 12, frustration=1, motivation=5)

    change = what_changed(consultation=consultation).stages[2]

    assert change.shown and not change.comparable
    assert change.frustration.outcome == change.motivation.outcome == NOT_ENOUGH
    assert (change.frustration.before, change.frustration.after) == (4, 12)
    assert change.frustration.before_median is None, "no median of four people"
    assert change.frustration.after_median == 1

    checked_in(consultation, wait, TODAY - timedelta(days=1), 1, frustration=5, motivation=1)
    change = what_changed(consultation=consultation).stages[2]
    assert change.comparable
    assert (change.frustration.outcome, change.frustration.direction) == (DIFFERENCE, "down")


def test_a_stage_with_fewer_than_five_in_all_shows_nothing(journey):
    consultation, (find_out, *_rest) = journey
    step(factories.ProposalFactory(consultation=consultation, stage=find_out), "Letter", done_on=TODAY)
    checked_in(consultation, find_out, TODAY - timedelta(days=1), 2, frustration=5, motivation=1)
    checked_in(consultation, find_out, TODAY, 2, frustration=1, motivation=5)
    change = what_changed(consultation=consultation).stages[0]
    assert change.checkins == 4
    assert not change.shown and not change.comparable


def test_only_the_steps_of_published_proposals_count(journey):
    consultation, (find_out, apply, *_rest) = journey
    hidden = factories.ProposalFactory(consultation=consultation, stage=apply, visibility=Visibility.HIDDEN)
    pending = factories.ProposalFactory(consultation=consultation, stage=apply, visibility=Visibility.PENDING)
    step(hidden, "Hidden step", done_on=TODAY - timedelta(days=30))
    step(pending, "Pending step", done_on=TODAY - timedelta(days=30))
    other = factories.consultation(title="Another journey", stages=("Apply",))
    step(factories.ProposalFactory(consultation=other, stage=other.stages.get()), "Elsewhere", done_on=TODAY)
    published = factories.ProposalFactory(consultation=consultation, stage=apply)
    shown = step(published, "Published step", done_on=TODAY)
    checked_in(consultation, apply, TODAY - timedelta(days=10), 5, frustration=4, motivation=2)
    checked_in(consultation, apply, TODAY, 5, frustration=4, motivation=2)

    found = what_changed(consultation=consultation)

    assert found.stages[1].milestones == [shown]
    assert found.stages[1].first_done == shown, "a hidden proposal's earlier step does not split"
    assert (found.stages[1].before.checkins, found.stages[1].after.checkins) == (5, 5)
    assert all(s.milestones == [] for i, s in enumerate(found.stages) if i != 1)
    assert found.across == []


def test_steps_of_proposals_without_a_stage_are_listed_apart(journey):
    consultation, (find_out, *_rest) = journey
    general = factories.ProposalFactory(consultation=consultation, stage=None, title="One number to call")
    done = step(general, "Phone line open", done_on=TODAY - timedelta(days=3))
    started = step(general, "Staff trained", state=MilestoneState.IN_PROGRESS, planned_for=TODAY)
    step(factories.ProposalFactory(consultation=consultation, stage=None, visibility=Visibility.HIDDEN), "No")

    found = what_changed(consultation=consultation)

    assert found.across == [done, started]
    assert all(s.milestones == [] and s.frustration is None for s in found.stages)


def test_a_step_not_done_yet_splits_nothing(journey):
    consultation, (find_out, *_rest) = journey
    proposal = factories.ProposalFactory(consultation=consultation, stage=find_out)
    step(proposal, "Started", state=MilestoneState.IN_PROGRESS)
    checked_in(consultation, find_out, TODAY, 10, frustration=2, motivation=4)
    change = what_changed(consultation=consultation).stages[0]
    assert change.first_done is None
    assert (change.before, change.after, change.frustration, change.motivation) == (None, None, None, None)


def test_the_split_sums_what_the_day_rows_hold(journey):
    consultation, stages = journey
    days = [TODAY - timedelta(days=n) for n in (40, 20, 5, 0)]
    for n, stage in enumerate(stages):
        for k, day in enumerate(days):
            checked_in(consultation, stage, day, 1 + (n + k) % 3, frustration=1 + k, motivation=5 - n)
    splits = {stages[0].pk: days[1], stages[1].pk: days[2], stages[2].pk: TODAY + timedelta(days=1)}

    found = figures_around(splits)

    assert set(found) == set(splits)
    for stage_id, day in splits.items():
        before = stage_figures_between([stage_id], until=day)[stage_id]
        after = stage_figures_between([stage_id], since=day)[stage_id]
        assert found[stage_id] == (before, after)
        assert found[stage_id][0].checkins + found[stage_id][1].checkins == (
            stage_figures([stage_id])[stage_id].checkins
        )
    assert found[stages[2].pk][1].checkins == 0, "nothing after a day still to come"
    assert figures_around({}) == {}


def test_the_queries_do_not_grow_with_the_numbers(journey):
    consultation, stages = journey

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            found = what_changed(consultation=consultation)
            [(m.title, m.proposal.title, m.proposal.stage_id) for s in found.stages for m in s.milestones]
        return len(captured)

    step(factories.ProposalFactory(consultation=consultation, stage=stages[0]), "First", done_on=TODAY)
    checked_in(consultation, stages[0], TODAY, 1, frustration=3, motivation=3)
    small = queries()
    for n, stage in enumerate(stages):
        for k in range(3):
            proposal = factories.ProposalFactory(consultation=consultation, stage=stage)
            step(proposal, f"Step {n}.{k}", done_on=TODAY - timedelta(days=k))
            step(proposal, f"Next {n}.{k}", planned_for=TODAY + timedelta(days=k))
        for k in range(3):
            checked_in(consultation, stage, TODAY - timedelta(days=k), 2, frustration=1 + k, motivation=2)
    step(factories.ProposalFactory(consultation=consultation, stage=None), "Across", done_on=TODAY)

    assert queries() == small <= 4
