"""GET /api/v1/proposals/{id}/supports-by-day/: the figures of the proposal page's chart."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from proposals.models import Visibility
from tests.support import factories
from tests.support.api import assert_error, client_for
from tests.support.factories import at

pytestmark = pytest.mark.django_db


def url(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/supports-by-day/"


def test_anyone_reads_the_supports_of_each_day(api):
    consultation = factories.consultation(
        opens_at=datetime(2026, 11, 1, tzinfo=UTC), closes_at=datetime(2026, 11, 6, 18, tzinfo=UTC)
    )
    proposal = factories.ProposalFactory(
        consultation=consultation, published_at=datetime(2026, 11, 3, 9, tzinfo=UTC)
    )
    at(datetime(2026, 11, 4, 12, tzinfo=UTC), proposal, 2)
    at(datetime(2026, 11, 4, 23, 30, tzinfo=UTC), proposal)  # 00:30 on 5 November in Paris

    response = api.get(url(proposal))

    assert response.status_code == 200
    assert response.json() == {
        "proposal": proposal.pk,
        "supports": 3,
        "days": [
            {"date": "2026-11-03", "supports": 0},
            {"date": "2026-11-04", "supports": 2},
            {"date": "2026-11-05", "supports": 3},
            {"date": "2026-11-06", "supports": 3},
        ],
    }


def test_a_pending_proposal_its_author_reads_has_no_days():
    author = factories.citizen()
    proposal = factories.ProposalFactory(author=author, visibility=Visibility.PENDING, published_at=None)

    response = client_for(author).get(url(proposal))

    assert response.status_code == 200
    assert response.json()["days"] == []


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_a_proposal_out_of_view_is_not_found_for_others(api, visibility):
    proposal = factories.ProposalFactory(
        visibility=visibility, published_at=timezone.now() - timedelta(days=1)
    )

    assert_error(api.get(url(proposal)), 404, "not_found")


def test_an_unknown_proposal_is_not_found(api):
    assert_error(api.get("/api/v1/proposals/999999999/supports-by-day/"), 404, "not_found")
