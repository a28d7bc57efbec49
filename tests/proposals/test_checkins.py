"""Check-in services: who may check in, what is refused (and nothing written), and the tallies, which must
equal the check-ins through every creation, change and deletion, concurrent ones included."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cms.models import ModerationMode
from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError
from proposals.journey_selectors import MIN_CHECKINS, histogram_median, stage_figures, stage_figures_between
from proposals.models import CheckIn, StageTally, Visibility
from proposals.services import checkin_delete, checkin_save
from tests.support import factories
from tests.support.broadcasts import broadcast_events as live_events

pytestmark = pytest.mark.django_db

STAGES = ("Find out", "Apply online", "Wait for the decision")


@pytest.fixture
def journey():
    return factories.consultation(stages=STAGES)


def stage(consultation, n: int = 0):
    return consultation.stages.order_by("sort_order")[n]


def check_in(consultation, author=None, n: int = 0, **scores):
    scores.setdefault("frustration", 3)
    scores.setdefault("motivation", 3)
    scores.setdefault("gave_up", False)
    return checkin_save(
        author=author or factories.citizen(),
        consultation=consultation,
        stage_id=stage(consultation, n).pk,
        **scores,
    )[0]


def recount(stage_id: int) -> dict:
    """What the tallies should hold, counted from the check-ins themselves."""
    rows = CheckIn.objects.filter(stage_id=stage_id)
    return {
        "checkins": rows.count(),
        "gave_up": rows.filter(gave_up=True).count(),
        "frustration": tuple(rows.filter(frustration=v).count() for v in range(1, 6)),
        "motivation": tuple(rows.filter(motivation=v).count() for v in range(1, 6)),
    }


def tallied(stage_id: int) -> dict:
    figures = stage_figures([stage_id])[stage_id]
    days = stage_figures_between([stage_id])[stage_id]
    assert (days.checkins, days.frustration, days.motivation, days.gave_up) == (
        figures.checkins,
        figures.frustration,
        figures.motivation,
        figures.gave_up,
    ), "the day rows add up to the totals"
    return {
        "checkins": figures.checkins,
        "gave_up": figures.gave_up,
        "frustration": figures.frustration,
        "motivation": figures.motivation,
    }


def test_median_of_a_scale():
    assert histogram_median((0, 0, 0, 0, 0)) is None
    assert histogram_median((1, 0, 0, 0, 0)) == 1
    assert histogram_median((1, 0, 0, 0, 1)) == 3  # (1 + 5) / 2
    assert histogram_median((2, 1, 0, 0, 2)) == 2
    assert histogram_median((0, 1, 1, 0, 0)) == 2.5


def test_a_check_in_is_counted_and_changed_and_deleted(journey):
    citizen = factories.citizen()
    first = check_in(journey, citizen, frustration=5, motivation=2, gave_up=True)
    assert tallied(first.stage_id) == recount(first.stage_id)
    assert tallied(first.stage_id)["gave_up"] == 1

    again, created = checkin_save(
        author=citizen,
        consultation=journey,
        stage_id=first.stage_id,
        frustration=2,
        motivation=4,
        gave_up=False,
    )
    assert (again.pk, created) == (first.pk, False)
    assert CheckIn.objects.filter(author=citizen).count() == 1
    assert tallied(first.stage_id) == recount(first.stage_id)
    assert tallied(first.stage_id)["frustration"] == (0, 1, 0, 0, 0)

    checkin_delete(actor=citizen, checkin_id=first.pk)
    assert (
        tallied(first.stage_id)
        == recount(first.stage_id)
        == {
            "checkins": 0,
            "gave_up": 0,
            "frustration": (0,) * 5,
            "motivation": (0,) * 5,
        }
    )


def test_a_change_moves_the_scores_to_the_day_it_was_given(journey):
    citizen = factories.citizen()
    first = check_in(journey, citizen, frustration=5)
    week_ago = timezone.localdate() - timedelta(days=7)
    CheckIn.objects.filter(pk=first.pk).update(day=week_ago)
    StageTally.objects.filter(stage_id=first.stage_id, day=timezone.localdate()).update(day=week_ago)

    check_in(journey, citizen, frustration=1)
    before = stage_figures_between([first.stage_id], until=timezone.localdate())[first.stage_id]
    since = stage_figures_between([first.stage_id], since=timezone.localdate())[first.stage_id]
    assert (before.checkins, since.checkins, since.frustration) == (0, 1, (1, 0, 0, 0, 0))


def test_figures_are_withheld_below_the_minimum(journey):
    for _ in range(MIN_CHECKINS - 1):
        check_in(journey, frustration=4, motivation=2)
    figures = stage_figures([stage(journey).pk])[stage(journey).pk]
    assert not figures.shown
    check_in(journey, frustration=4, motivation=2)
    figures = stage_figures([stage(journey).pk])[stage(journey).pk]
    assert figures.shown
    assert (figures.frustration_median, figures.motivation_median, figures.frustration_overtakes) == (
        4,
        2,
        True,
    )


@pytest.mark.parametrize(
    "scores, field",
    [
        ({"frustration": 0}, "frustration"),
        ({"frustration": 6}, "frustration"),
        ({"motivation": "3"}, "motivation"),
        ({"motivation": True}, "motivation"),
        ({"story": "x" * 1001}, "story"),
    ],
)
def test_bad_scores_are_refused_and_nothing_is_written(journey, scores, field):
    with pytest.raises(ServiceError) as refused:
        check_in(journey, **scores)
    assert field in refused.value.fields
    assert not CheckIn.objects.exists() and not StageTally.objects.exists()


def test_a_stage_of_another_consultation_is_refused(journey):
    other = factories.consultation(title="Other", stages=("Elsewhere",))
    with pytest.raises(ServiceError) as refused:
        checkin_save(
            author=factories.citizen(),
            consultation=journey,
            stage_id=stage(other).pk,
            frustration=3,
            motivation=3,
            gave_up=False,
        )
    assert "stage" in refused.value.fields
    assert not CheckIn.objects.exists()


def test_unverified_and_closed_are_refused():
    with pytest.raises(NotAllowed) as refused:
        check_in(factories.consultation(stages=STAGES), factories.unverified_citizen())
    assert refused.value.code == "email_unverified"
    closed = factories.consultation(title="Closed", open_now=False, stages=STAGES)
    with pytest.raises(Conflict) as refused:
        check_in(closed)
    assert refused.value.code == "consultation_closed"
    assert not CheckIn.objects.exists()


def test_only_the_author_deletes_a_check_in(journey):
    mine = check_in(journey)
    with pytest.raises(NotAllowed):
        checkin_delete(actor=factories.citizen(), checkin_id=mine.pk)
    with pytest.raises(NotFound):
        checkin_delete(actor=mine.author, checkin_id=mine.pk + 1000)
    assert CheckIn.objects.filter(pk=mine.pk).exists()


def test_a_story_waits_for_moderation_in_a_pre_moderated_consultation():
    pre = factories.consultation(moderation=ModerationMode.PRE, stages=STAGES)
    citizen = factories.citizen()
    assert check_in(pre, citizen, story="The form lost my data twice.").visibility == Visibility.PENDING
    assert check_in(pre, citizen, n=1).visibility == Visibility.PUBLISHED  # no story, nothing to read
    post = factories.consultation(title="Post", stages=STAGES)
    assert check_in(post, citizen, story="Fine.").visibility == Visibility.PUBLISHED


def test_the_figures_go_live_after_commit_from_the_minimum_on(journey, django_capture_on_commit_callbacks):
    citizens = [factories.citizen() for _ in range(MIN_CHECKINS)]
    with django_capture_on_commit_callbacks() as callbacks:
        for citizen in citizens[:-1]:
            check_in(journey, citizen, frustration=4)
    assert live_events(callbacks) == [], "below the minimum, not even the pace of check-ins is told"

    with django_capture_on_commit_callbacks() as callbacks:
        last = check_in(journey, citizens[-1], frustration=4)
    [event] = live_events(callbacks)
    assert (event["type"], event["stage"], event["version"]) == ("journey.stage_changed", last.stage_id, 5)
    assert event["figures"]["checkins"] == MIN_CHECKINS and event["figures"]["frustration_median"] == 4

    with django_capture_on_commit_callbacks() as callbacks:
        checkin_delete(actor=citizens[0], checkin_id=CheckIn.objects.get(author=citizens[0]).pk)
    assert [e["figures"] for e in live_events(callbacks)] == [None], "the figures are withdrawn live"
    with django_capture_on_commit_callbacks() as callbacks:
        checkin_delete(actor=citizens[1], checkin_id=CheckIn.objects.get(author=citizens[1]).pk)
    assert live_events(callbacks) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_ins_keep_the_tallies_exact():
    consultation = factories.consultation(stages=STAGES)
    citizens = [factories.citizen() for _ in range(8)]
    stage_id = stage(consultation).pk
    errors = []

    def work(citizen, n):
        try:
            for i in range(6):
                if i == 4:
                    mine = CheckIn.objects.get(author=citizen, stage_id=stage_id)
                    checkin_delete(actor=citizen, checkin_id=mine.pk)
                else:
                    checkin_save(
                        author=citizen,
                        consultation=consultation,
                        stage_id=stage_id,
                        frustration=1 + (n + i) % 5,
                        motivation=1 + (n * i) % 5,
                        gave_up=bool((n + i) % 2),
                    )
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(c, n)) for n, c in enumerate(citizens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert tallied(stage_id) == recount(stage_id)
    assert tallied(stage_id)["checkins"] == len(citizens)
    assert stage_figures([stage_id])[stage_id].version == 6 * len(citizens)


def test_answers_given_earlier_count_for_their_day_and_never_a_future_one(journey):
    earlier = timezone.localdate() - timedelta(days=40)
    recorded = check_in(journey, day=earlier, frustration=5)
    assert recorded.day == earlier
    stage_id = recorded.stage_id
    assert stage_figures_between([stage_id], until=earlier + timedelta(days=1))[stage_id].frustration == (
        0,
        0,
        0,
        0,
        1,
    )
    assert stage_figures_between([stage_id], since=earlier + timedelta(days=1))[stage_id].checkins == 0
    with pytest.raises(ServiceError) as refused:
        check_in(journey, day=timezone.localdate() + timedelta(days=1))
    assert "day" in refused.value.fields
    assert CheckIn.objects.count() == 1
