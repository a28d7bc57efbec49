"""The proposal page of an item hidden pending review after reports: the public sees what it sees of any
hidden item; its author reads that it is under review, not that a moderator removed it."""

import pytest
from django.test import Client
from django.urls import reverse

from proposals.services import comment_post, flag_create, proposal_moderate
from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db

REMOVED = "This proposal was removed from public view by a moderator."
UNDER_REVIEW = "Several people reported this proposal, so it is hidden until a moderator looks at it"


def client_for(user=None, **headers) -> Client:
    client = Client(headers=headers)
    if user is not None:
        client.force_login(user)
    return client


def page(client, proposal):
    return client.get(reverse("proposal_detail", args=[proposal.pk]))


@pytest.fixture
def consultation():
    return factories.consultation(auto_hide_reports=2)


def report_twice(**target) -> None:
    for _ in range(2):
        flag_create(reporter=factories.citizen(), reason="abuse", **target)


def test_the_author_reads_that_their_proposal_is_under_review(consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    report_twice(proposal=proposal)

    text = visible_text(page(client_for(proposal.author), proposal))
    assert "Under review" in text and UNDER_REVIEW in text and "this is not a decision" in text
    assert REMOVED not in text

    french = visible_text(page(client_for(proposal.author, accept_language="fr"), proposal))
    assert "En cours d’examen" in french and "ce n’est pas une décision" in french.lower()


def test_the_public_finds_it_no_more(consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    report_twice(proposal=proposal)
    assert page(client_for(), proposal).status_code == 404
    assert page(client_for(factories.citizen()), proposal).status_code == 404


def test_a_moderators_hide_still_reads_as_one(consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    report_twice(proposal=proposal)
    proposal_moderate(actor=factories.moderator(), proposal=proposal, action="hide", reason="Threats.")
    text = visible_text(page(client_for(proposal.author), proposal))
    assert REMOVED in text and "Threats." in text and UNDER_REVIEW not in text


def test_a_comment_under_review_is_the_usual_placeholder_for_others(consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    comment = comment_post(author=factories.citizen(), proposal=proposal, body="Rude words here.")
    comment_post(author=factories.citizen(), proposal=proposal, body="A reply.", parent=comment)
    report_twice(comment=comment)

    for reader in (client_for(), client_for(factories.citizen())):
        text = visible_text(page(reader, proposal))
        assert "This comment was hidden by moderation." in text
        assert "Rude words here." not in text and "Under review" not in text
    mine = visible_text(page(client_for(comment.author), proposal))
    assert "Under review: hidden after several reports until a moderator looks at it." in mine
    assert "Rude words here." in mine
