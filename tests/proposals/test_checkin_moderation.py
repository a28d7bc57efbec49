"""Moderating a check-in's story (checkin_moderate): moderators and officials only, a reason to hide, and
the scores counted whatever becomes of the story; nothing changes on a refusal."""

import pytest

from cms.models import ModerationMode
from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError
from proposals.journey_selectors import stage_figures
from proposals.models import CheckIn, Visibility
from proposals.services import checkin_moderate, checkin_save
from tests.support import factories

pytestmark = pytest.mark.django_db


def told(
    story: str = "The letter never came.", *, moderation: str = ModerationMode.POST, **scores
) -> CheckIn:
    consultation = factories.consultation(stages=("Apply",), moderation=moderation)
    scores = {"frustration": 4, "motivation": 2, "gave_up": True, **scores}
    return checkin_save(
        author=factories.citizen(),
        consultation=consultation,
        stage_id=consultation.stages.get().pk,
        story=story,
        **scores,
    )[0]


def state(checkin: CheckIn) -> tuple:
    checkin.refresh_from_db()
    return checkin.visibility, checkin.moderation_reason


@pytest.mark.parametrize("make", [factories.citizen, factories.unverified_citizen])
def test_only_moderators_and_officials_decide(make):
    checkin = told()
    with pytest.raises(NotAllowed):
        checkin_moderate(actor=make(), checkin_id=checkin.pk, decision="hide", reason="Rude.")
    assert state(checkin) == (Visibility.PUBLISHED, "")


def test_the_author_cannot_approve_their_own_story():
    checkin = told(moderation=ModerationMode.PRE)
    with pytest.raises(NotAllowed):
        checkin_moderate(actor=checkin.author, checkin_id=checkin.pk, decision="approve", reason="")
    assert state(checkin) == (Visibility.PENDING, "")


@pytest.mark.parametrize("make", [factories.moderator, factories.official])
def test_hide_then_restore(make):
    checkin = told()
    figures = stage_figures([checkin.stage_id])
    updated_at = checkin.updated_at

    checkin_moderate(actor=make(), checkin_id=checkin.pk, decision="hide", reason="  Names a clerk.  ")
    assert state(checkin) == (Visibility.HIDDEN, "Names a clerk.")
    assert stage_figures([checkin.stage_id]) == figures  # hiding a story never changes the tallies
    assert checkin.updated_at == updated_at  # nor is it the author's change

    checkin_moderate(actor=make(), checkin_id=checkin.pk, decision="hide", reason="Names a person.")
    assert state(checkin) == (Visibility.HIDDEN, "Names a person.")  # the new reason

    checkin_moderate(actor=make(), checkin_id=checkin.pk, decision="restore", reason="")
    assert state(checkin) == (Visibility.PUBLISHED, "")
    assert stage_figures([checkin.stage_id]) == figures


def test_approve_publishes_a_pending_story():
    checkin = told(moderation=ModerationMode.PRE)
    assert state(checkin) == (Visibility.PENDING, "")
    checkin_moderate(actor=factories.moderator(), checkin_id=checkin.pk, decision="approve", reason="")
    assert state(checkin) == (Visibility.PUBLISHED, "")


@pytest.mark.parametrize(
    ("decision", "reason", "field"),
    [
        ("hide", "", "reason"),
        ("hide", "   ", "reason"),
        ("hide", "x" * 501, "reason"),
        ("erase", "", "action"),
    ],
)
def test_a_bad_decision_changes_nothing(decision, reason, field):
    checkin = told()
    with pytest.raises(ServiceError) as refused:
        checkin_moderate(actor=factories.moderator(), checkin_id=checkin.pk, decision=decision, reason=reason)
    assert field in refused.value.fields
    assert state(checkin) == (Visibility.PUBLISHED, "")


def test_a_check_in_without_a_story_has_nothing_to_moderate():
    checkin = told("")
    with pytest.raises(Conflict) as refused:
        checkin_moderate(actor=factories.moderator(), checkin_id=checkin.pk, decision="hide", reason="Why?")
    assert refused.value.code == "no_story"
    assert state(checkin) == (Visibility.PUBLISHED, "")


def test_an_unknown_check_in():
    with pytest.raises(NotFound):
        checkin_moderate(actor=factories.moderator(), checkin_id=987654, decision="approve", reason="")


def test_a_story_rewritten_after_hiding_waits_for_a_moderator_again():
    checkin = told()
    checkin_moderate(actor=factories.moderator(), checkin_id=checkin.pk, decision="hide", reason="Rude.")
    checkin_save(
        author=checkin.author,
        consultation=checkin.consultation,
        stage_id=checkin.stage_id,
        frustration=4,
        motivation=2,
        gave_up=True,
        story="Put more politely.",
    )
    assert state(checkin) == (Visibility.PENDING, "")
