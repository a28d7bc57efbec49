"""The proposal page: what each viewer sees, and what they must not."""

import pytest
from django.urls import reverse

from proposals import services
from proposals.models import Status, Visibility
from tests.support import factories
from tests.support.pages import visible_text
from votes import services as vote_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(consultation, citizen):
    return factories.ProposalFactory(
        consultation=consultation,
        author=citizen,
        title="Let me upload documents from my phone",
        summary="Photograph a payslip instead of scanning it.",
        body="First paragraph.\n\nSecond paragraph.",
        category=consultation.categories.first(),
    )


def detail(client, proposal):
    return client.get(reverse("proposal_detail", args=[proposal.pk]))


def test_anonymous_visitor_reads_the_proposal(client, proposal):
    response = detail(client, proposal)

    assert response.status_code == 200
    html = response.content.decode()
    text = visible_text(response)
    assert html.count("<h1") == 1
    assert "Let me upload documents from my phone" in text
    assert "Photograph a payslip instead of scanning it." in text
    assert "<p>First paragraph.</p>" in html and "<p>Second paragraph.</p>" in html
    assert "Online" in text  # the category
    assert f"Proposed by {proposal.author.public_name}" in text
    assert '<span class="badge badge--open" data-role="status">Open for support</span>' in html
    assert 'data-role="supports-count">0</span>' in html
    assert f'<article class="proposal" data-proposal-id="{proposal.pk}"' in html
    assert "No official response yet." in text
    # Anonymous visitors get the plain form: the view sends them to sign in.
    assert "Support “Let me upload documents from my phone”" in text
    assert "data-support-form" not in html


def test_verified_citizen_gets_the_enhanced_support_form(client_for, proposal):
    supporter = factories.citizen()
    client = client_for(supporter)

    html = detail(client, proposal).content.decode()
    assert "data-support-form" in html and 'data-supported="false"' in html
    assert reverse("proposal_support", args=[proposal.pk]) in html

    vote_services.support_add(user=supporter, proposal=proposal)
    response = detail(client, proposal)
    assert "Withdraw support “Let me upload documents from my phone”" in visible_text(response)
    assert reverse("proposal_support_withdraw", args=[proposal.pk]) in response.content.decode()
    assert 'data-role="supports-count">1</span>' in response.content.decode()


def test_unverified_citizen_is_asked_to_confirm(client_for, unverified, proposal):
    text = visible_text(detail(client_for(unverified), proposal))

    assert "Confirm your e-mail address to support proposals." in text
    assert "Support “" not in text


def test_closed_consultation_shows_no_support_form(client_for, citizen):
    page = factories.consultation(open_now=False)
    proposal = factories.ProposalFactory(consultation=page)

    response = detail(client_for(citizen), proposal)

    assert '<form method="post" class="support-form"' not in response.content.decode()
    assert "Supports can no longer change" in visible_text(response)


def test_responses_and_status_history(client, proposal, official):
    services.proposal_set_status(
        actor=official, proposal=proposal, status=Status.UNDER_REVIEW, note="Checking."
    )
    services.response_publish(
        actor=official, proposal=proposal, body="We will do it.\nSoon.", decision="accepted"
    )

    response = detail(client, proposal)

    html = response.content.decode()
    text = visible_text(response)
    assert '<section class="responses" data-role="responses"' in html
    assert f"{official.public_name}, Employment Services" in text
    assert "Decision: Accepted" in text
    assert "We will do it.<br>Soon." in html
    assert 'data-role="responses-empty" hidden' in html
    assert "from “Open for support” to “Under review”" in text
    assert "Checking." in text


def test_markup_in_user_content_is_escaped(client, consultation):
    proposal = factories.ProposalFactory(
        consultation=consultation,
        title="<script>alert(1)</script>",
        summary="<img src=x onerror=alert(2)>",
        body="<b>bold</b>",
    )

    html = detail(client, proposal).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "<b>bold</b>" not in html


@pytest.mark.parametrize(
    ("visibility", "notice"),
    [(Visibility.PENDING, "Waiting for moderation"), (Visibility.HIDDEN, "Hidden by moderation")],
)
def test_unpublished_proposal_is_not_found_for_others(client_for, consultation, visibility, notice):
    author = factories.citizen()
    proposal = factories.ProposalFactory(
        consultation=consultation, author=author, visibility=visibility, moderation_reason="Personal data."
    )

    for viewer in (None, factories.citizen(), factories.unverified_citizen()):
        response = detail(client_for(viewer), proposal)
        assert response.status_code == 404
        assert "Page not found" in visible_text(response)
        assert proposal.title not in visible_text(response)

    for viewer in (author, factories.moderator()):
        response = detail(client_for(viewer), proposal)
        assert response.status_code == 200
        text = visible_text(response)
        assert notice in text
        assert "Reason given: Personal data." in text
        # Not live and not supportable while unpublished.
        assert "data-live-consultation" not in response.content.decode()
        assert "Support “" not in text


def test_published_proposal_shows_no_moderation_notice(client_for, proposal):
    text = visible_text(detail(client_for(proposal.author), proposal))

    assert "Waiting for moderation" not in text and "Reason given" not in text


def test_unknown_proposal_is_the_site_404(client):
    response = client.get("/proposals/999999/")

    assert response.status_code == 404
    text = visible_text(response)
    assert "Page not found" in text
    assert "Skip to main content" in text  # inside the site's layout
