"""GET /api/v1/consultations/{id}/areas/ and /api/v1/proposals/{id}/supports-by-area/: the figures of the
area maps, for anyone, the same as the pages show, with nothing under five supporters given."""

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals.models import Visibility
from tests.support import factories
from tests.support.api import assert_error
from tests.support.area_maps import area_set, supporters
from votes.invalidations import supports_invalidate

pytestmark = pytest.mark.django_db


def test_anyone_reads_a_consultations_proposals_by_area(api):
    consultation = factories.consultation()
    north, south = area_set("North", "South", consultation=consultation, name="Districts")
    factories.ProposalFactory(consultation=consultation, area=north, supports_count=4)
    factories.ProposalFactory(consultation=consultation, area=None, supports_count=2)
    factories.ProposalFactory(consultation=consultation, area=south, visibility=Visibility.PENDING)

    response = api.get(f"/api/v1/consultations/{consultation.pk}/areas/")

    assert response.status_code == 200
    assert response.json() == {
        "consultation": consultation.pk,
        "area_set": {"id": consultation.area_set_id, "name": "Districts"},
        "areas": [
            {"id": north.pk, "slug": "north", "name": "North", "proposals": 1, "supports": 4},
            {"id": south.pk, "slug": "south", "name": "South", "proposals": 0, "supports": 0},
        ],
        "no_area": {"proposals": 1, "supports": 2},
    }


def test_a_consultation_without_areas_says_so(api):
    consultation = factories.consultation()

    body = api.get(f"/api/v1/consultations/{consultation.pk}/areas/").json()

    assert body == {"consultation": consultation.pk, "area_set": None, "areas": [], "no_area": None}


def test_a_consultation_not_published_or_unknown_is_not_found(api):
    draft = factories.consultation()
    draft.unpublish()

    for pk in (draft.pk, 999_999):
        assert_error(api.get(f"/api/v1/consultations/{pk}/areas/"), 404, "not_found")


def test_anyone_reads_a_proposals_supporters_by_area_without_figures_under_five(api):
    consultation = factories.consultation()
    north, south, east = area_set("North", "South", "East", consultation=consultation)
    proposal = factories.ProposalFactory(consultation=consultation)
    supporters(proposal, 5, north)
    cheats = supporters(proposal, 2, north)
    supporters(proposal, 3, south)
    supporters(proposal, 1)
    supports_invalidate(
        actor=factories.official(), proposal=proposal, reason="Fakes", user_ids=[u.pk for u in cheats]
    )

    response = api.get(f"/api/v1/proposals/{proposal.pk}/supports-by-area/")

    assert response.status_code == 200
    assert response.json() == {
        "proposal": proposal.pk,
        "supports": 9,
        "minimum": 5,
        "area_set": consultation.area_set_id,
        "areas": [
            {"id": north.pk, "slug": "north", "name": "North", "supporters": 5, "withheld": None},
            {
                "id": south.pk,
                "slug": "south",
                "name": "South",
                "supporters": None,
                "withheld": "too_few_supporters",
            },
            {"id": east.pk, "slug": "east", "name": "East", "supporters": 0, "withheld": None},
        ],
        "others": 4,
    }


def test_a_proposal_of_a_consultation_without_areas_has_none(api):
    proposal = factories.ProposalFactory()
    supporters(proposal, 2)

    body = api.get(f"/api/v1/proposals/{proposal.pk}/supports-by-area/").json()

    assert (body["area_set"], body["areas"], body["supports"], body["others"]) == (None, [], 2, 2)


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_a_proposal_out_of_view_is_not_found_for_others(api, visibility):
    consultation = factories.consultation()
    area_set("North", consultation=consultation)
    proposal = factories.ProposalFactory(
        consultation=consultation, visibility=visibility, published_at=timezone.now() - timedelta(days=1)
    )

    assert_error(api.get(f"/api/v1/proposals/{proposal.pk}/supports-by-area/"), 404, "not_found")
    assert_error(api.get("/api/v1/proposals/999999/supports-by-area/"), 404, "not_found")
