"""The stories the public reads on the journey map (stage_stories): the latest published ones of each stage,
only once the stage has enough check-ins to be shown, and never who told them."""

from dataclasses import fields
from datetime import timedelta

import pytest
from django.utils import timezone

from cms.models import ModerationMode
from proposals.journey_selectors import MIN_CHECKINS, Story, stage_stories
from proposals.models import CheckIn
from proposals.services import checkin_moderate, checkin_save
from tests.support import factories

pytestmark = pytest.mark.django_db


def check_in(consultation, n: int = 0, story: str = "", **fields) -> CheckIn:
    stage = consultation.stages.order_by("sort_order")[n]
    return checkin_save(
        author=factories.citizen(),
        consultation=consultation,
        stage_id=stage.pk,
        frustration=3,
        motivation=3,
        gave_up=False,
        story=story,
        **fields,
    )[0]


def age(checkin: CheckIn, minutes: int) -> None:
    CheckIn.objects.filter(pk=checkin.pk).update(updated_at=timezone.now() - timedelta(minutes=minutes))


def texts(found, stage) -> list[str]:
    return [story.text for story in found[stage.pk]]


def test_nothing_is_told_of_a_stage_below_the_minimum():
    journey = factories.consultation(stages=("Apply", "Wait"))
    for n in range(MIN_CHECKINS - 1):
        check_in(journey, story=f"Story {n}")
    apply, wait = journey.stages.order_by("sort_order")
    assert stage_stories(stage_ids=[apply.pk, wait.pk]) == {apply.pk: [], wait.pk: []}

    check_in(journey)  # the fifth, without a story: now the stage is shown
    assert len(stage_stories(stage_ids=[apply.pk])[apply.pk]) == 3


def test_the_latest_published_stories_first_and_at_most_the_limit():
    journey = factories.consultation(stages=("Apply",))
    (apply,) = journey.stages.all()
    told = [check_in(journey, story=f"Story {n}") for n in range(4)]
    for minutes, checkin in zip((40, 10, 30, 20), told, strict=True):
        age(checkin, minutes)
    hidden = check_in(journey, story="Hidden story")
    checkin_moderate(actor=factories.moderator(), checkin_id=hidden.pk, decision="hide", reason="Rude.")
    check_in(journey)  # no story

    # The hidden story is the latest told, and left out; so is the check-in without one.
    assert texts(stage_stories(stage_ids=[apply.pk]), apply) == ["Story 1", "Story 3", "Story 2"]
    assert texts(stage_stories(stage_ids=[apply.pk], limit=1), apply) == ["Story 1"]


def test_pending_stories_are_not_told():
    journey = factories.consultation(stages=("Apply",), moderation=ModerationMode.PRE)
    (apply,) = journey.stages.all()
    pending = [check_in(journey, story=f"Waiting {n}") for n in range(MIN_CHECKINS)]
    assert stage_stories(stage_ids=[apply.pk]) == {apply.pk: []}
    checkin_moderate(actor=factories.moderator(), checkin_id=pending[0].pk, decision="approve", reason="")
    found = stage_stories(stage_ids=[apply.pk])[apply.pk]
    assert found == [Story(text="Waiting 0", day=timezone.localdate(), language="en")]


def test_a_story_names_nobody():
    assert [f.name for f in fields(Story)] == ["text", "day", "language"]
