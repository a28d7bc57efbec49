"""The petition promise withdrawn, live: an official sets aside the supports it was made on, and the pages
already open show the progress again with the count the valid supports make, the proposal open again,
and say so once in the polite live region, without a reload."""

import re

import pytest
from playwright.sync_api import expect

from tests.support import factories
from tests.support.browser import wait_live
from votes.services import support_add

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("language", "progress", "status", "said"),
    [
        ("en", "1 of 2 supports", "Open for support", "no longer reaches its support threshold"),
        ("fr", "1 sur 2 soutiens", "Ouverte au soutien", "n’atteint plus son seuil de soutiens"),
    ],
)
def test_open_pages_learn_that_the_promise_was_withdrawn(
    new_page, server_api, language, progress, status, said
):
    consultation = factories.consultation(support_threshold=2, response_deadline_days=30)
    proposal = factories.ProposalFactory(consultation=consultation, title="Pay the first benefit faster")
    support_add(user=factories.citizen(email="ana@example.org"), proposal=proposal)
    support_add(user=factories.citizen(email="bot@spam.example"), proposal=proposal)
    detail = new_page(label="detail", language=language)
    detail.goto(proposal.get_absolute_url())
    listing = new_page(label="list", language=language)
    listing.goto(consultation.url)
    for page in (detail, listing):
        wait_live(page)
        page.evaluate("window.__sameDocument = true")
    card = listing.locator(f"article.proposal-card[data-proposal-id='{proposal.pk}']")
    expect(card.locator("[data-role=threshold] [data-state=due]")).to_have_count(1)

    answer = server_api(factories.official())(
        "POST",
        f"/api/v1/moderation/proposals/{proposal.pk}/invalidations/",
        {"reason": "Made by a script.", "domains": ["spam.example"]},
    )
    assert answer.status == 201, answer.body

    for page, holder in ((detail, detail.locator("article.proposal")), (listing, card)):
        block = holder.locator("[data-role=threshold]")
        expect(block).to_have_text(progress)
        expect(block.locator("progress")).to_have_attribute("value", "1")
        expect(holder.locator("[data-role=status]")).to_have_text(status)
        expect(page.locator("#live-announcer")).to_have_text(re.compile(said))
        assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
