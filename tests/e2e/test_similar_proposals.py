"""While a citizen writes a proposal, the submission page suggests the similar ones already published, and
lets them support one instead of submitting a duplicate."""

import re

import pytest
from playwright.sync_api import expect

from tests.support import factories
from votes.models import Support

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUPPORT = re.compile(r"^Support\b")
SUPPORTED = re.compile(r"^You support this\b")
EXISTING = "Show where my application is"


@pytest.fixture
def consultation_with_a_proposal():
    consultation = factories.consultation()
    existing = factories.ProposalFactory(
        consultation=consultation, title=EXISTING, summary="A page with each step of the claim."
    )
    return consultation, existing


def suggestions(page):
    return page.get_by_role("region", name=re.compile(r"^Similar proposals already exist"))


def open_submission_page(new_page, consultation, citizen=None):
    page = new_page(user=citizen or factories.citizen(), label="writing")
    page.goto(f"/consultations/{consultation.pk}/propose/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit a proposal")
    return page


def test_a_similar_proposal_is_suggested_and_supported_in_one_click(
    consultation_with_a_proposal, new_page, server_api
):
    consultation, existing = consultation_with_a_proposal
    citizen = factories.citizen()
    page = open_submission_page(new_page, consultation, citizen)
    expect(suggestions(page)).to_be_hidden()

    page.get_by_label("Title").fill("where is my application")

    region = suggestions(page)
    expect(region).to_be_visible()
    item = region.get_by_role("listitem")
    expect(item).to_have_count(1)
    link = item.get_by_role("link", name=re.compile(f"^{EXISTING}"))
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"/proposals/{existing.pk}/")
    expect(item.get_by_text("Open for support")).to_be_visible()
    expect(item.locator("[data-role=supports-count]")).to_have_text("0")
    expect(page.locator("#live-announcer")).to_have_text("1 similar proposal already exists.")

    item.get_by_role("button", name=SUPPORT).click()

    expect(item.get_by_role("button", name=SUPPORTED)).to_be_visible()
    expect(item.locator("[data-role=supports-count]")).to_have_text("1")
    expect(page.locator("#live-announcer")).to_have_text("Your support was added.")
    # The server kept it: in the database, and as the API tells anyone else.
    existing.refresh_from_db()
    assert existing.supports_count == 1
    assert Support.objects.filter(proposal=existing, user=citizen).exists()
    detail = server_api(factories.citizen())("GET", f"/api/v1/proposals/{existing.pk}/")
    assert detail.status == 200 and detail.body["supports"] == 1
    # The draft is still there, not submitted.
    expect(page).to_have_url(f"/consultations/{consultation.pk}/propose/")
    expect(page.get_by_label("Title")).to_have_value("where is my application")


def test_a_text_that_matches_nothing_shows_no_suggestion(consultation_with_a_proposal, new_page):
    consultation, _existing = consultation_with_a_proposal
    page = open_submission_page(new_page, consultation)

    with page.expect_response(re.compile(r"/api/v1/proposals/similar/\?")) as answer:
        page.get_by_label("Title").fill("Zebra crossings near schools")
    assert answer.value.json() == []
    expect(suggestions(page)).to_be_hidden()

    # Suggestions that stop matching go away as the title changes.
    page.get_by_label("Title").fill("where is my application")
    expect(suggestions(page)).to_be_visible()
    page.get_by_label("Title").fill("Zebra crossings near schools")
    expect(suggestions(page)).to_be_hidden()
    expect(suggestions(page).get_by_role("listitem", include_hidden=True)).to_have_count(0)


def test_without_javascript_the_page_shows_no_suggestion_and_still_submits(
    consultation_with_a_proposal, new_page
):
    consultation, _existing = consultation_with_a_proposal
    page = new_page(user=factories.citizen(), label="no-js", java_script_enabled=False)
    page.goto(f"/consultations/{consultation.pk}/propose/")

    page.get_by_label("Title").fill("where is my application")
    page.get_by_label("Summary").fill("Tell me which step my claim is at.")
    page.get_by_label("Details").fill("I call every week to ask.")
    expect(suggestions(page)).to_be_hidden()
    page.get_by_role("button", name="Submit the proposal").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("where is my application")
    expect(page.get_by_text("Thank you: your proposal is published.")).to_be_visible()
