"""GET /api/v1/proposals/{id}/versions/: the texts a proposal was published with, oldest first, for anyone
who may read it; nothing of a version before publication, and nothing of a proposal they may not read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cms.models import ModerationMode
from proposals.models import ProposalVersion
from proposals.services import proposal_edit, proposal_moderate, proposal_submit
from tests.support import factories
from tests.support.api import assert_error, client_for

pytestmark = pytest.mark.django_db


def versions(user, proposal):
    return client_for(user).get(f"/api/v1/proposals/{proposal.pk}/versions/")


def test_anyone_reads_the_published_versions_oldest_first(citizen, consultation):
    proposal = proposal_submit(
        author=citizen, consultation=consultation, title="Call back", summary="No queue.", body="Why."
    )
    proposal_edit(actor=citizen, proposal=proposal, title="Book a call back")
    proposal_edit(actor=citizen, proposal=proposal, body="Why, at length.")

    for reader in (None, factories.citizen(), citizen):
        response = versions(reader, proposal)
        assert response.status_code == 200, response.content
        body = response.json()
        assert [(v["title"], v["body"]) for v in body] == [
            ("Call back", "Why."),
            ("Book a call back", "Why."),
            ("Book a call back", "Why, at length."),
        ]
        assert list(body[0]) == ["title", "summary", "body", "created_at"]  # not who: the author's
        assert citizen.username not in str(body)


def test_versions_before_publication_are_not_shown(citizen):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    proposal = proposal_submit(
        author=citizen, consultation=consultation, title="Draft title", summary="S", body="B"
    )
    proposal_edit(actor=citizen, proposal=proposal, title="Published title")
    assert versions(citizen, proposal).json() == []  # not published yet: nothing public to compare
    ProposalVersion.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    proposal_moderate(actor=factories.moderator(), proposal=proposal, action="approve", reason="")

    assert [v["title"] for v in versions(None, proposal).json()] == ["Published title"]


def test_a_proposal_without_versions_kept_shows_its_text(consultation):
    proposal = factories.ProposalFactory(consultation=consultation, title="Old one")
    ProposalVersion.objects.filter(proposal=proposal).delete()
    assert [v["title"] for v in versions(None, proposal).json()] == ["Old one"]


def test_a_hidden_proposal_s_versions_are_its_author_s_and_moderators_only(citizen, consultation, moderator):
    proposal = proposal_submit(author=citizen, consultation=consultation, title="T", summary="S", body="B")
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Spam.")
    assert_error(versions(None, proposal), 404, "not_found")
    assert_error(versions(factories.citizen(), proposal), 404, "not_found")
    assert versions(citizen, proposal).status_code == 200
    assert [v["title"] for v in versions(moderator, proposal).json()] == ["T"]


def test_no_such_proposal_404():
    assert_error(versions(None, type("P", (), {"pk": 999999})), 404, "not_found")
