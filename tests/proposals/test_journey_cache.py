"""The journey map and the What changed figures kept in the cache a few seconds (JOURNEY_CACHE_SECONDS,
WHAT_CHANGED_CACHE_SECONDS): read once for many readers, per language, and forgotten at once by what must
show at once (a check-in, for the map; a step's change, for What changed)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone, translation

from proposals.journey_map import current_journey_map, forget_journey_map
from proposals.models import Status
from proposals.services import checkin_save, milestone_update
from proposals.what_changed import current_what_changed, forget_what_changed
from tests.support import factories
from tests.support.what_changed import checked_in, step

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cached")]


@pytest.fixture
def cached():
    with override_settings(JOURNEY_CACHE_SECONDS=60, WHAT_CHANGED_CACHE_SECONDS=60):
        yield


@pytest.fixture
def journey():
    consultation = factories.consultation(stages=("Apply", "Wait"))
    forget_journey_map(consultation.pk)  # nothing from an earlier test with the same id
    forget_what_changed(consultation.pk)
    return consultation


def check_in(consultation, frustration: int = 4):
    return checkin_save(
        author=factories.citizen(),
        consultation=consultation,
        stage_id=consultation.stages.order_by("sort_order")[0].pk,
        frustration=frustration,
        motivation=2,
        gave_up=False,
    )


def test_readers_share_one_reading_until_a_check_in_changes_it(journey, django_capture_on_commit_callbacks):
    for _ in range(5):
        check_in(journey)
    first = current_journey_map(consultation=journey)
    assert first.stages[0].figures.checkins == 5
    with CaptureQueriesContext(connection) as again:
        assert current_journey_map(consultation=journey).stages[0].figures.checkins == 5
    assert len(again) == 0, "the second reader reads the cache"

    with django_capture_on_commit_callbacks(execute=True):
        check_in(journey, frustration=1)
    assert current_journey_map(consultation=journey).stages[0].figures.checkins == 6, (
        "forgotten at the commit"
    )


def test_each_language_has_its_own_reading(journey):
    french = factories.translation(journey, factories.french(), title="Parcours")
    for stage in french.stages.all():
        stage.name = {"Apply": "Demander", "Wait": "Attendre"}[stage.name]
        stage.save()
    with translation.override("en"):
        assert [s.stage.name for s in current_journey_map(consultation=journey).stages] == ["Apply", "Wait"]
    with translation.override("fr"):
        assert [s.stage.name for s in current_journey_map(consultation=journey).stages] == [
            "Demander",
            "Attendre",
        ]


def test_a_step_done_is_shown_at_once_on_what_changed(journey, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    apply = journey.stages.order_by("sort_order")[0]
    accepted = factories.ProposalFactory(consultation=journey, stage=apply, status=Status.ACCEPTED)
    planned = step(accepted, "Form shortened", planned_for=today)
    checked_in(journey, apply, today - timedelta(days=20), 6, frustration=4, motivation=2)
    assert current_what_changed(consultation=journey).stages[0].first_done is None
    with CaptureQueriesContext(connection) as again:
        current_what_changed(consultation=journey)
    assert len(again) == 0

    with django_capture_on_commit_callbacks(execute=True):
        milestone_update(actor=factories.official(), milestone_id=planned.pk, state="done")
    assert current_what_changed(consultation=journey).stages[0].first_done.pk == planned.pk


@override_settings(JOURNEY_CACHE_SECONDS=0, WHAT_CHANGED_CACHE_SECONDS=0)
def test_zero_keeps_nothing(journey):
    current_journey_map(consultation=journey)
    with CaptureQueriesContext(connection) as again:
        current_journey_map(consultation=journey)
        current_what_changed(consultation=journey)
    assert len(again) > 0
