"""The strict content-security policy in a real browser: the main public pages run without a single CSP
violation (Chromium reports each one in the console), and live updates still arrive under it."""

import pytest
from playwright.sync_api import expect

from proposals.models import Comment, Visibility
from tests.support import factories
from tests.support.browser import csp_violations, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_main_pages_run_without_a_violation_and_stay_live(new_page, server_api):
    consultation = factories.consultation()
    proposal = factories.ProposalFactory(consultation=consultation, title="Pay the first benefit faster")
    Comment.objects.create(
        proposal=proposal, author=factories.citizen(), body="Yes, please.", visibility=Visibility.PUBLISHED
    )
    page = new_page(user=factories.citizen(), label="citizen")
    blocked = csp_violations(page)

    page.goto(consultation.url)
    wait_live(page)
    server_api(factories.citizen())("POST", f"/api/v1/proposals/{proposal.pk}/support/")
    supports = page.locator(
        f"article.proposal-card[data-proposal-id='{proposal.pk}'] [data-role=supports-count]"
    )
    expect(supports).to_have_text("1")

    page.goto(f"/proposals/{proposal.pk}/")
    wait_live(page)
    expect(page.get_by_text("Yes, please.")).to_be_visible()

    page.goto(f"/consultations/{consultation.pk}/propose/")
    page.get_by_label("Title").fill("Pay the first benefit sooner")
    expect(page.get_by_text("Pay the first benefit faster").first).to_be_visible()

    page.goto("/search/?q=benefit")
    expect(page.get_by_text("Pay the first benefit faster").first).to_be_visible()

    assert blocked == []


def test_the_api_docs_run_under_their_own_policy(new_page):
    page = new_page(label="docs")
    blocked = csp_violations(page)

    page.goto("/api/docs/")

    expect(page.get_by_text("cocreate API").first).to_be_visible()
    assert blocked == []
