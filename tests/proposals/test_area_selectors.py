"""A consultation's proposals by area: published ones only, each area of its set in order, supports as
counted (set-aside ones out), and those about no area last."""

import pytest
from django.utils import timezone

from proposals.area_selectors import consultation_area_figures, proposal_counts_by_area
from proposals.models import Visibility
from tests.support import factories
from tests.support.area_maps import area_set

pytestmark = pytest.mark.django_db


def proposal(consultation, area, supports, **fields):
    return factories.ProposalFactory(consultation=consultation, area=area, supports_count=supports, **fields)


def figures(consultation):
    return [
        (f.area.name if f.area else None, f.proposals, f.supports)
        for f in consultation_area_figures(consultation=consultation)
    ]


def test_each_area_in_order_with_its_published_proposals_and_their_supports_then_no_area():
    consultation = factories.consultation()
    north, south, east = area_set("North", "South", "East", consultation=consultation)
    proposal(consultation, north, 10)
    proposal(consultation, north, 5)
    proposal(consultation, east, 1)
    proposal(consultation, None, 7)
    proposal(consultation, north, 100, visibility=Visibility.PENDING)
    proposal(consultation, north, 100, visibility=Visibility.HIDDEN)
    kept = proposal(consultation, east, 0)
    proposal(consultation, north, 0, merged_into=kept, merged_at=timezone.now())  # its supports moved
    proposal(factories.consultation(), north, 1000)  # another consultation

    assert figures(consultation) == [("North", 2, 15), ("South", 0, 0), ("East", 2, 1), (None, 1, 7)]


def test_a_proposal_naming_an_area_of_another_set_counts_as_about_no_area():
    consultation = factories.consultation()
    (mine,) = area_set("Mine", consultation=consultation)
    (other,) = area_set("Other")
    proposal(consultation, mine, 2)
    proposal(consultation, other, 3)

    assert figures(consultation) == [("Mine", 1, 2), (None, 1, 3)]


def test_no_area_set_no_figures():
    consultation = factories.consultation()
    proposal(consultation, None, 2)

    assert consultation_area_figures(consultation=consultation) is None


def test_the_counts_are_one_grouped_statement(django_assert_num_queries):
    consultation = factories.consultation()
    areas = area_set(*(f"A{i}" for i in range(5)), consultation=consultation)
    for i, area in enumerate(areas):
        proposal(consultation, area, i)

    with django_assert_num_queries(1):
        counts = proposal_counts_by_area(consultation_id=consultation.pk)

    assert counts == {area.pk: (1, i) for i, area in enumerate(areas)}
