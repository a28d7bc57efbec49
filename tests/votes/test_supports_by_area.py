"""A proposal's supports by the area its supporters declared: valid supports only, those who declared no
area (or deleted their account) counted apart, and no figure under five that could single someone out."""

import pytest

from tests.support import factories
from tests.support.area_maps import area_set, supporters
from votes.invalidations import supports_invalidate
from votes.selectors import supports_by_area, supports_by_declared_area

pytestmark = pytest.mark.django_db


def test_valid_supports_are_counted_by_declared_area_and_the_undeclared_apart():
    consultation = factories.consultation()
    north, south, _east = area_set("North", "South", "East", consultation=consultation)
    proposal = factories.ProposalFactory(consultation=consultation)
    supporters(proposal, 6, north)
    cheats = supporters(proposal, 3, north)
    supporters(proposal, 5, south)
    supporters(proposal, 2)  # declared nothing
    # Declared in another set only: not declared in this one.
    elsewhere = area_set("Elsewhere")[0]
    supporters(proposal, 1, elsewhere)
    # A former member: the support stays, anonymous.
    gone = supporters(proposal, 1, south)[0]
    gone.delete()
    supports_invalidate(
        actor=factories.official(), proposal=proposal, reason="Fake accounts", user_ids=[u.pk for u in cheats]
    )
    supporters(factories.ProposalFactory(consultation=consultation), 4, north)  # another proposal

    counts = supports_by_declared_area(proposal_id=proposal.pk, area_set_id=consultation.area_set_id)

    assert counts == {north.pk: 6, south.pk: 5, None: 4}


def test_an_area_with_fewer_than_five_supporters_shows_none_and_they_count_with_the_undeclared():
    consultation = factories.consultation()
    north, south, east, _west = area_set("North", "South", "East", "West", consultation=consultation)
    proposal = factories.ProposalFactory(consultation=consultation)
    supporters(proposal, 7, north)
    supporters(proposal, 4, south)
    supporters(proposal, 1, east)
    supporters(proposal, 2)

    figures = supports_by_area(proposal=proposal)

    assert [(item.area.name, item.supports) for item in figures.areas] == [
        ("North", 7), ("South", None), ("East", None), ("West", 0),
    ]  # fmt: skip
    assert (figures.others, figures.withheld, figures.total, figures.shown) == (7, 2, 14, 1)
    assert figures.total == proposal.supports_count


def test_exactly_five_is_shown():
    consultation = factories.consultation()
    (north,) = area_set("North", consultation=consultation)
    proposal = factories.ProposalFactory(consultation=consultation)
    supporters(proposal, 5, north)

    figures = supports_by_area(proposal=proposal)

    assert [(item.area.name, item.supports) for item in figures.areas] == [("North", 5)]
    assert (figures.others, figures.withheld) == (0, 0)


def test_no_area_set_no_figures():
    proposal = factories.ProposalFactory()
    supporters(proposal, 5)

    assert supports_by_area(proposal=proposal) is None


def test_the_count_is_one_grouped_statement(django_assert_num_queries):
    consultation = factories.consultation()
    (north,) = area_set("North", consultation=consultation)
    proposal = factories.ProposalFactory(consultation=consultation)
    supporters(proposal, 3, north)

    with django_assert_num_queries(1):
        supports_by_declared_area(proposal_id=proposal.pk, area_set_id=consultation.area_set_id)
