"""The site's forms share the API's per-account write limits: past the rate, a 429 page that says when to
try again, and nothing written."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from proposals.models import Proposal
from tests.support import factories
from tests.support.pages import visible_text
from votes.models import Support

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_rates(monkeypatch):
    """DRF reads the rates when the throttle class is defined, so the class attribute is what to change."""
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"proposal_submit": "1/hour", "support": "2/minute"}
    )


def test_support_forms_are_limited_and_say_when_to_retry(tight_rates, client_for):
    proposal = factories.ProposalFactory()
    citizen = factories.citizen()
    client = client_for(citizen)
    support = f"/proposals/{proposal.pk}/support/"
    assert client.post(support).status_code == 302
    assert client.post(f"{support}withdraw/").status_code == 302

    refused = client.post(support)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many requests" in visible_text(refused)
    assert "Please wait" in visible_text(refused)
    assert not Support.objects.filter(user=citizen).exists()
    # Another citizen has a budget of their own.
    assert client_for(factories.citizen()).post(support).status_code == 302
    assert Support.objects.filter(proposal=proposal).count() == 1


def test_the_form_and_the_api_draw_on_one_budget(tight_rates, client_for):
    proposal = factories.ProposalFactory()
    citizen = factories.citizen()
    api = APIClient()
    api.force_authenticate(citizen)
    assert api.post(f"/api/v1/proposals/{proposal.pk}/support/").status_code == 201
    assert client_for(citizen).post(f"/proposals/{proposal.pk}/support/withdraw/").status_code == 302

    assert api.post(f"/api/v1/proposals/{proposal.pk}/support/").status_code == 429
    assert client_for(citizen).post(f"/proposals/{proposal.pk}/support/").status_code == 429


def test_the_submission_form_is_limited_but_still_shows(tight_rates, client_for, consultation):
    client = client_for(factories.citizen())
    url = f"/consultations/{consultation.pk}/propose/"
    fields = {"title": "Fewer forms", "summary": "One form.", "body": "Details."}
    assert client.post(url, fields).status_code == 302

    refused = client.post(url, {**fields, "title": "Another idea"})

    assert refused.status_code == 429
    assert Proposal.objects.filter(consultation=consultation).count() == 1
    assert client.get(url).status_code == 200  # reading the form is not limited
