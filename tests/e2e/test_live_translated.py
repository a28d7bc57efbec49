"""A consultation read in two languages is one live consultation: a support given on the English page
reaches a French reader of its French translation, at the same address, without a reload."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRENCH_TITLE = "Repenser le parcours de l’allocation chômage"


def test_a_support_on_the_english_page_reaches_the_french_page(new_page):
    consultation = factories.consultation()
    factories.translation(consultation, factories.french(), title=FRENCH_TITLE)
    proposal = factories.ProposalFactory(consultation=consultation, title="Pay the first benefit faster")
    acting = new_page(user=factories.citizen(), label="english")
    watching = new_page(user=factories.citizen(), label="french", language="fr")
    for page in (acting, watching):
        page.goto(consultation.url)
        wait_live(page)
    expect(watching.get_by_role("heading", level=1)).to_have_text(FRENCH_TITLE)
    expect(acting.get_by_role("heading", level=1)).to_have_text(consultation.title)
    watching.evaluate("window.__sameDocument = true")

    card = f"article.proposal-card[data-proposal-id='{proposal.pk}']"
    acting.locator(card).get_by_role("button", name=re.compile(r"^Support\b")).click()

    expect(watching.locator(card).locator("[data-role=supports-count]")).to_have_text("1")
    assert watching.evaluate("window.__sameDocument === true"), "the page was reloaded"
