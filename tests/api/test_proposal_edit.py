"""PATCH /api/v1/proposals/{id}/: its author edits the text; everyone else is refused (403 `not_author`),
and so is the author once the rule says no more (409), with nothing written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals.models import ProposalVersion
from proposals.services import proposal_moderate
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for
from votes.models import Support
from votes.services import support_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return factories.citizen()


@pytest.fixture
def proposal(author):
    return factories.ProposalFactory(author=author, title="Book a call back", summary="No queue.")


def patch(user, proposal, **data):
    return client_for(user).patch(f"/api/v1/proposals/{proposal.pk}/", data, format="json")


def test_the_author_edits_and_reads_the_new_text(author, proposal):
    response = patch(author, proposal, title="Book a call back online")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["summary"]) == ("Book a call back online", "No queue.")
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 2


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "unverified_citizen")])
def test_nobody_else_edits(role, as_role, proposal):
    user, client = as_role(role)
    response = client.patch(f"/api/v1/proposals/{proposal.pk}/", {"title": "Mine now"}, format="json")
    assert_error(response, 403, "not_author")
    assert not ProposalVersion.objects.exists()


def test_a_visitor_must_sign_in(api, proposal):
    response = api.patch(f"/api/v1/proposals/{proposal.pk}/", {"title": "Mine now"}, format="json")
    assert_error(response, 401, "not_authenticated")


def test_after_the_window_409(author, proposal, settings):
    settings.PROPOSAL_EDIT_WINDOW_MINUTES = 30
    supporter = factories.citizen()
    support_add(user=supporter, proposal=proposal)
    Support.objects.update(created_at=timezone.now() - timedelta(minutes=31))
    error = assert_error(patch(author, proposal, title="Too late"), 409, "edit_window_closed")
    assert "30 minutes" in error["message"]
    assert not ProposalVersion.objects.exists()


def test_within_the_window_200(author, proposal, settings):
    settings.PROPOSAL_EDIT_WINDOW_MINUTES = 30
    support_add(user=factories.citizen(), proposal=proposal)
    assert patch(author, proposal, body="Corrected details.").status_code == 200


def test_hidden_409(author, proposal, moderator):
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Spam.")
    assert_error(patch(author, proposal, title="Nicer"), 409, "proposal_hidden")


def test_a_hidden_proposal_of_someone_else_does_not_exist(proposal, moderator):
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Spam.")
    assert_error(patch(factories.citizen(), proposal, title="Mine"), 404, "not_found")


def test_closed_consultation_409(author):
    proposal = factories.ProposalFactory(author=author, consultation=factories.consultation(open_now=False))
    assert_error(patch(author, proposal, title="Late"), 409, "consultation_closed")


def test_empty_or_too_long_fields_400(author, proposal):
    assert_error(patch(author, proposal, title=""), 400, "invalid", fields=["title"])
    assert_error(patch(author, proposal, summary="x" * 501), 400, "invalid", fields=["summary"])
    assert not ProposalVersion.objects.exists()
