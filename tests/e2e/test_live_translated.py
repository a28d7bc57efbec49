"""A consultation read in two languages is one live consultation: a support given on the English page
reaches a French reader of its French translation, at the same address, without a reload."""

import re

import pytest
from playwright.sync_api import expect

from tests.support import factories
from tests.support.browser import wait_live

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


def test_a_proposal_arriving_live_in_a_filtered_french_list_carries_the_french_category(new_page, server_api):
    consultation = factories.consultation(categories=("Online", "By phone"))
    translation = factories.translation(consultation, factories.french(), title=FRENCH_TITLE)
    for category in translation.categories.all():
        category.name = {"online": "En ligne", "by-phone": "Par téléphone"}[category.slug]
        category.save(update_fields=["name"])
    translation.save_revision().publish()
    watching = new_page(user=factories.citizen(), label="french", language="fr")
    watching.goto(f"{consultation.url}?category=online")
    wait_live(watching)
    expect(watching.get_by_label("Catégorie")).to_have_value("online")
    post = server_api(factories.citizen())

    def submit(title: str, category: str) -> int:
        body = {"title": title, "summary": "Un résumé.", "body": "Le détail.", "category": category}
        created = post("POST", "/api/v1/proposals/", {"consultation": consultation.pk, **body})
        assert created.status == 201, created.body
        return created.body["id"]

    by_phone = submit("Rappeler plutôt qu’attendre", "by-phone")
    online = submit("Enregistrer le formulaire en cours", "online")

    arrived = watching.locator(f"article.proposal-card[data-proposal-id='{online}']")
    expect(arrived.locator("[data-role=category]")).to_have_text("En ligne")
    # Its support button is named with the title quoted the French way, as the server's cards are.
    title = arrived.locator("[data-role=button-title]")
    expect(title).to_have_text("« Enregistrer le formulaire en cours »")
    assert title.text_content() == " «\u00a0Enregistrer le formulaire en cours\u00a0»"
    # The other category's proposal is not in this list (it was published first, so it had its chance).
    expect(watching.locator(f"article.proposal-card[data-proposal-id='{by_phone}']")).to_have_count(0)
