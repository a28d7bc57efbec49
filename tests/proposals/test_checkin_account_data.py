"""A person's check-ins in their own data: the export gives them all, theirs only, with their stories'
moderation; deleting the account keeps them without an author, and no figure moves."""

import pytest

from cms.models import ModerationMode
from cocreate.accounts.services import account_delete, account_export
from proposals.journey_selectors import stage_figures, stage_figures_between
from proposals.models import CheckIn
from proposals.services import checkin_moderate, checkin_save
from tests.support import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.PASSWORD


def check_in(consultation, author, slug: str, **fields) -> CheckIn:
    fields = {"frustration": 3, "motivation": 3, "gave_up": False, **fields}
    stage = consultation.stages.get(slug=slug)
    return checkin_save(author=author, consultation=consultation, stage_id=stage.pk, **fields)[0]


def test_the_export_holds_the_persons_check_ins_and_no_one_elses(citizen):
    journey = factories.consultation(stages=("Apply", "Wait"), title="Benefits")
    hidden = check_in(
        journey, citizen, "apply", frustration=5, motivation=1, gave_up=True, story="Rude words."
    )
    checkin_moderate(actor=factories.moderator(), checkin_id=hidden.pk, decision="hide", reason="Rude.")
    check_in(journey, citizen, "wait", story="Six weeks.")
    check_in(journey, factories.citizen(), "wait", story="Someone else's weeks.")

    rows = account_export(user=citizen)["checkins"]

    assert [(r["stage"]["slug"], r["stage"]["name"], r["story"]) for r in rows] == [
        ("apply", "Apply", "Rude words."),
        ("wait", "Wait", "Six weeks."),
    ]
    first = rows[0]
    assert first["consultation"] == {"id": journey.pk, "title": "Benefits"}
    assert (first["frustration"], first["motivation"], first["gave_up"]) == (5, 1, True)
    assert (first["visibility"], first["moderation_reason"]) == ("hidden", "Rude.")
    assert first["day"] and first["created_at"] and first["updated_at"]
    assert "Someone else" not in str(rows)


def test_a_pending_story_is_exported_as_pending(citizen):
    journey = factories.consultation(stages=("Apply",), moderation=ModerationMode.PRE)
    check_in(journey, citizen, "apply", story="Waiting for a moderator.")
    (row,) = account_export(user=citizen)["checkins"]
    assert (row["story"], row["visibility"]) == ("Waiting for a moderator.", "pending")


def test_deleting_the_account_keeps_its_check_ins_anonymous_and_the_figures_still(citizen):
    journey = factories.consultation(stages=("Apply",))
    stage = journey.stages.get()
    mine = check_in(journey, citizen, "apply", frustration=5, motivation=1, gave_up=True, story="Lost forms.")
    check_in(journey, factories.citizen(), "apply", frustration=2)
    totals, days = stage_figures([stage.pk]), stage_figures_between([stage.pk])

    account_delete(user=citizen, password=PASSWORD)

    kept = CheckIn.objects.get(pk=mine.pk)
    assert kept.author is None
    assert (kept.frustration, kept.gave_up, kept.story) == (5, True, "Lost forms.")
    assert stage_figures([stage.pk]) == totals
    assert stage_figures_between([stage.pk]) == days
    # The anonymous check-in is nobody's to change any more; a new account checks in beside it.
    newcomer = factories.citizen()
    check_in(journey, newcomer, "apply", frustration=1)
    assert stage_figures([stage.pk])[stage.pk].checkins == 3
    assert CheckIn.objects.filter(stage=stage, author__isnull=True).count() == 1
