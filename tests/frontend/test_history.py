"""The proposal page's history: the public entries only, oldest first, each with its date, what changed and
who did it; notes escaped; a response's entries link to the response on the page."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals import services
from proposals.models import Status
from tests.support import factories
from tests.support.factories import a_comment
from tests.support.pages import visible_text
from votes.services import support_add

pytestmark = pytest.mark.django_db


def page(client, proposal):
    return client.get(reverse("proposal_detail", args=[proposal.pk]))


def history_html(response) -> str:
    html = response.content.decode()
    match = re.search(r'<section class="history".*?</section>', html, flags=re.S)
    return match.group(0) if match else ""


@pytest.fixture
def story():
    official = factories.official(first_name="Claire", last_name="Martin")
    moderator = factories.moderator()
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=1))
    support_add(user=factories.citizen(), proposal=proposal)
    services.proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Secret reason.")
    services.proposal_moderate(actor=moderator, proposal=proposal, action="restore")
    services.comment_moderate(
        actor=moderator, comment=a_comment(proposal), action="hide", reason="Rude words."
    )
    services.proposal_set_status(
        actor=official,
        proposal=proposal,
        status=Status.UNDER_REVIEW,
        note="<script>alert(1)</script> Costing.",
    )
    response = services.response_publish(actor=official, proposal=proposal, body="Yes.", decision="accepted")
    return proposal, response


@pytest.mark.parametrize("viewer", ["anonymous", "citizen", "moderator", "official"])
def test_the_public_history_in_order_for_every_viewer(client_for, story, viewer):
    proposal, response = story
    user = None if viewer == "anonymous" else getattr(factories, viewer)()

    result = page(client_for(user), proposal)

    section = history_html(result)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", section))
    steps = [
        "the support threshold was reached (1 support) · by the platform",
        "from “Open for support” to “Awaiting an official response” · by the platform",
        "from “Awaiting an official response” to “Under review” · by Claire Martin (Official)",
        "official response published · by Claire Martin (Official)",
        "from “Under review” to “Accepted” · by Claire Martin (Official)",
    ]
    positions = [text.find(step) for step in steps]
    assert -1 not in positions, text
    assert positions == sorted(positions)
    # Moderation stays out of the public history, whoever reads it.
    assert "Secret reason." not in text and "Rude words." not in text and "Hidden" not in text
    assert section.count("<li") == 5
    assert section.count("<time datetime=") == 6  # each entry, and the response's due date
    assert section.count(f'href="#response-{response.pk}"') == 2


def test_the_response_link_leads_to_the_response(client, story):
    proposal, response = story
    html = page(client, proposal).content.decode()
    assert f'id="response-{response.pk}"' in html


def test_notes_are_escaped(client, story):
    proposal, _response = story
    section = history_html(page(client, proposal))
    assert "<script>alert(1)</script>" not in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Costing." in section


def test_the_threshold_entry_says_when_a_response_is_due(client, story):
    proposal, _response = story
    proposal.refresh_from_db()
    section = history_html(page(client, proposal))
    due = timezone.localtime(proposal.response_due_at).isoformat()
    assert f'An official response is due by <time datetime="{due}">' in section


def test_no_history_no_section(client, consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    services.proposal_moderate(actor=factories.moderator(), proposal=proposal, action="hide", reason="Spam.")
    services.proposal_moderate(actor=factories.moderator(), proposal=proposal, action="restore")
    assert history_html(page(client, proposal)) == ""


def test_the_author_of_a_hidden_proposal_reads_the_reason(client_for, consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    services.proposal_moderate(
        actor=factories.moderator(),
        proposal=proposal,
        action="hide",
        reason="Names a member <b>of</b> staff.",
    )
    result = page(client_for(proposal.author), proposal)
    assert "Reason given: Names a member <b>of</b> staff." in visible_text(result)
    assert "Names a member &lt;b&gt;of&lt;/b&gt; staff." in result.content.decode()
    assert page(client_for(factories.citizen()), proposal).status_code == 404


def test_a_nameless_official_is_named_by_the_role(client, consultation):
    official = factories.official(first_name="", last_name="", display_name="", username="o")
    proposal = factories.ProposalFactory(consultation=consultation)
    services.proposal_set_status(actor=official, proposal=proposal, status=Status.REJECTED)
    text = visible_text(page(client, proposal))
    assert "from “Open for support” to “Rejected” · by an official" in text
    assert "by o " not in text  # the sign-in name is never shown
