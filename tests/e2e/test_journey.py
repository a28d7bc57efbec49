"""A citizen's journey through the real pages: sign in, open the consultation, submit a proposal, support
another one; and the support and submission forms with JavaScript switched off, in English and French."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support import factories
from tests.support.browser import sign_in_through_form, submit_sign_in_form, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUPPORT = re.compile(r"^Support\b")
WITHDRAW = re.compile(r"^Withdraw support\b")


@pytest.fixture
def consultation_with_a_proposal():
    consultation = factories.consultation()
    other = factories.ProposalFactory(consultation=consultation, title="Answer the phone on Saturdays")
    return consultation, other


def card(page, proposal_id):
    return page.locator(f"article.proposal-card[data-proposal-id='{proposal_id}']")


def test_a_citizen_signs_in_submits_a_proposal_and_supports_another(consultation_with_a_proposal, page):
    consultation, other = consultation_with_a_proposal
    citizen = factories.citizen()

    sign_in_through_form(page, citizen, next_path="/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("link", name=consultation.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(consultation.title)
    wait_live(page)

    page.get_by_role("link", name="Submit a proposal").click()
    expect(page).to_have_url(f"/consultations/{consultation.pk}/propose/")
    page.get_by_label("Title").fill("Let people upload documents by phone")
    page.get_by_label("Summary").fill("A photo of a payslip should be enough.")
    page.get_by_label("Details").fill("Most people who apply have a phone, not a scanner.")
    page.get_by_role("button", name="Submit the proposal").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Let people upload documents by phone")
    expect(page).to_have_url(re.compile(r"/proposals/\d+/$"))
    expect(page.get_by_text("Thank you: your proposal is published.")).to_be_visible()
    expect(page.get_by_text("Most people who apply have a phone, not a scanner.")).to_be_visible()
    mine = int(urlsplit(page.url).path.split("/")[2])
    expect(page.locator(f"article[data-proposal-id='{mine}'] [data-role=supports-count]")).to_have_text("0")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=consultation.title).click()
    wait_live(page)
    expect(card(page, mine).get_by_role("link", name="Let people upload documents by phone")).to_be_visible()
    card(page, other.pk).get_by_role("button", name=SUPPORT).click()
    expect(card(page, other.pk).get_by_role("button", name=WITHDRAW)).to_be_visible()
    expect(card(page, other.pk).locator("[data-role=supports-count]")).to_have_text("1")

    # The server kept it: a fresh render says the same.
    page.reload()
    expect(card(page, other.pk).locator("[data-role=supports-count]")).to_have_text("1")
    expect(card(page, other.pk).get_by_role("button", name=WITHDRAW)).to_be_visible()


# What the pages say in each language, for the journeys without JavaScript.
TEXTS = {
    "en": {
        "support": SUPPORT,
        "withdraw": WITHDRAW,
        "supported": "You support “Answer the phone on Saturdays”.",
        "withdrawn": "You withdrew your support for “Answer the phone on Saturdays”.",
        "submit_link": "Submit a proposal",
        "title": "Title",
        "summary": "Summary",
        "details": "Details",
        "submit": "Submit the proposal",
        "errors": "Please correct the following",
        "required": "Summary: This field is required.",
        "thanks": "Thank you: your proposal is published.",
    },
    "fr": {
        "support": re.compile(r"^Soutenir\b"),
        "withdraw": re.compile(r"^Retirer mon soutien\b"),
        "supported": "Vous soutenez « Answer the phone on Saturdays ».",
        "withdrawn": "Vous avez retiré votre soutien à « Answer the phone on Saturdays ».",
        "submit_link": "Déposer une proposition",
        "title": "Titre",
        "summary": "Résumé",
        "details": "Détails",
        "submit": "Envoyer la proposition",
        "errors": "Veuillez corriger les points suivants",
        "required": "Résumé : Ce champ est obligatoire.",
        "thanks": "Merci : votre proposition est publiée.",
    },
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_without_javascript_the_support_form_still_works(consultation_with_a_proposal, new_page, language):
    consultation, other = consultation_with_a_proposal
    texts = TEXTS[language]
    page = new_page(user=factories.citizen(), label="no-js", java_script_enabled=False, language=language)
    page.goto(consultation.url)
    expect(page.locator("html")).to_have_attribute("lang", language)
    proposal = card(page, other.pk)
    expect(proposal.locator("[data-role=supports-count]")).to_have_text("0")

    proposal.get_by_role("button", name=texts["support"]).click()

    # The Django view's message after a redirect, not live.js's announcement: the form really posted.
    expect(page.get_by_text(texts["supported"])).to_be_visible()
    expect(page).to_have_url(consultation.url)
    expect(proposal.locator("[data-role=supports-count]")).to_have_text("1")

    proposal.get_by_role("button", name=texts["withdraw"]).click()

    expect(page.get_by_text(texts["withdrawn"])).to_be_visible()
    expect(proposal.locator("[data-role=supports-count]")).to_have_text("0")
    expect(proposal.get_by_role("button", name=texts["support"])).to_be_visible()
    expect(page.locator("html[data-live]")).to_have_count(0)  # live.js never ran


@pytest.mark.parametrize("language", ["en", "fr"])
def test_without_javascript_a_proposal_is_submitted(consultation_with_a_proposal, new_page, language):
    """A missing field first: the server's error summary links to the field; then the proposal."""
    consultation, _other = consultation_with_a_proposal
    texts = TEXTS[language]
    page = new_page(user=factories.citizen(), label="no-js", java_script_enabled=False, language=language)
    page.goto(consultation.url)
    page.get_by_role("link", name=texts["submit_link"]).click()
    expect(page).to_have_url(f"/consultations/{consultation.pk}/propose/")
    page.get_by_label(texts["title"], exact=True).fill("Let people upload documents by phone")
    page.get_by_label(texts["details"], exact=True).fill("Most people who apply have a phone, not a scanner.")
    page.get_by_role("button", name=texts["submit"]).click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(texts["errors"])
    expect(summary.get_by_role("link", name=texts["required"])).to_have_attribute("href", "#id_summary")
    expect(page.get_by_label(texts["title"], exact=True)).to_have_value(
        "Let people upload documents by phone"
    )
    page.get_by_label(texts["summary"], exact=True).fill("A photo of a payslip should be enough.")
    page.get_by_role("button", name=texts["submit"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Let people upload documents by phone")
    expect(page).to_have_url(re.compile(r"/proposals/\d+/$"))
    expect(page.get_by_text(texts["thanks"])).to_be_visible()
    expect(page.get_by_text("Most people who apply have a phone, not a scanner.")).to_be_visible()
    expect(page.locator("html[data-live]")).to_have_count(0)  # live.js never ran


def test_an_anonymous_visitor_who_clicks_support_signs_in_and_comes_back(consultation_with_a_proposal, page):
    consultation, other = consultation_with_a_proposal
    citizen = factories.citizen()
    page.goto(consultation.url)

    card(page, other.pk).get_by_role("button", name=SUPPORT).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    submit_sign_in_form(page, citizen)

    expect(page).to_have_url(consultation.url)
    wait_live(page)
    card(page, other.pk).get_by_role("button", name=SUPPORT).click()
    expect(card(page, other.pk).locator("[data-role=supports-count]")).to_have_text("1")
