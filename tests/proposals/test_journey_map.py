"""The journey map's reading of the tallies: stages in journey order, figures withheld below the minimum,
each stage's most supported published proposals, and the breaking point."""

import pytest

from proposals.journey_map import journey_map
from proposals.models import Visibility
from proposals.services import checkin_save
from tests.support import factories

pytestmark = pytest.mark.django_db


def checked_in(consultation, n_stage: int, times: int, frustration: int, motivation: int) -> None:
    stage = consultation.stages.order_by("sort_order")[n_stage]
    for _ in range(times):
        checkin_save(
            author=factories.citizen(),
            consultation=consultation,
            stage_id=stage.pk,
            frustration=frustration,
            motivation=motivation,
            gave_up=False,
        )


def test_the_breaking_point_is_the_first_shown_stage_where_frustration_wins():
    consultation = factories.consultation(stages=("Find out", "Apply", "Wait", "Paid"))
    checked_in(consultation, 0, 5, frustration=2, motivation=4)
    checked_in(consultation, 1, 4, frustration=5, motivation=1)  # too few to be shown
    checked_in(consultation, 2, 5, frustration=4, motivation=2)
    checked_in(consultation, 3, 6, frustration=5, motivation=1)
    found = journey_map(consultation=consultation)
    assert [s.stage.name for s in found.stages] == ["Find out", "Apply", "Wait", "Paid"]
    assert [s.shown for s in found.stages] == [True, False, True, True]
    assert found.breaking_point.stage.name == "Wait"


def test_each_stage_lists_its_most_supported_published_proposals():
    consultation = factories.consultation(stages=("Apply", "Wait"))
    apply, wait = consultation.stages.order_by("sort_order")
    for supports in (5, 50, 20, 40):
        factories.ProposalFactory(consultation=consultation, stage=apply, supports_count=supports)
    factories.ProposalFactory(
        consultation=consultation, stage=apply, supports_count=99, visibility=Visibility.HIDDEN
    )
    factories.ProposalFactory(consultation=consultation, stage=None, supports_count=999)
    found = journey_map(consultation=consultation)
    assert [p.supports_count for p in found.stages[0].proposals] == [50, 40, 20]
    assert found.stages[1].proposals == []
    assert found.breaking_point is None
