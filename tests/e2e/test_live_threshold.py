"""The petition promise, live: the support that reaches the threshold shows the deadline and the new
status on the pages already open, without a reload, and says so once in the polite live region; an
official response then turns it into "Answered on". Supports go through the test server's API."""

import re

import pytest
from playwright.sync_api import expect

from cms.models import ConsultationPage
from tests.support import factories
from tests.support.browser import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def near_the_threshold():
    consultation = factories.consultation(support_threshold=2, response_deadline_days=30)
    proposal = factories.ProposalFactory(consultation=consultation, title="Pay the first benefit faster")
    return consultation, proposal


def support(server_api, proposal) -> None:
    answer = server_api(factories.citizen())("POST", f"/api/v1/proposals/{proposal.pk}/support/")
    assert answer.status == 201, answer.body


def test_open_pages_learn_that_the_threshold_was_reached(near_the_threshold, new_page, server_api):
    consultation, proposal = near_the_threshold
    detail = new_page(label="detail")
    detail.goto(proposal.get_absolute_url())
    listing = new_page(label="list")
    listing.goto(consultation.url)
    for page in (detail, listing):
        wait_live(page)
        page.evaluate("window.__sameDocument = true")
    card = listing.locator(f"article.proposal-card[data-proposal-id='{proposal.pk}']")
    expect(card.locator("[data-role=threshold]")).to_have_text("0 of 2 supports")

    support(server_api, proposal)
    expect(card.locator("[data-role=threshold]")).to_have_text("1 of 2 supports")
    expect(card.locator("progress")).to_have_attribute("value", "1")
    expect(detail.locator("[data-role=threshold]")).to_have_text("1 of 2 supports")

    support(server_api, proposal)
    for page, holder in ((detail, detail.locator("article.proposal")), (listing, card)):
        block = holder.locator("[data-role=threshold]")
        expect(block).to_have_text(re.compile(r"^An official response is due by .*\d"))
        expect(block.locator("progress")).to_have_count(0)
        expect(holder.locator("[data-role=status]")).to_have_text("Awaiting an official response")
        expect(page.locator("#live-announcer")).to_have_text(
            re.compile(r"“Pay the first benefit faster” reached 2 supports: an official response is due by ")
        )
        assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"

    official = factories.official()
    answer = server_api(official)("POST", f"/api/v1/proposals/{proposal.pk}/responses/", {"body": "Yes."})
    assert answer.status == 201, answer.body
    expect(detail.locator("article.proposal [data-role=threshold]")).to_have_text(re.compile(r"Answered on "))
    expect(card.locator("[data-role=threshold]")).to_have_text(re.compile(r"Answered on "))


@pytest.mark.parametrize(
    ("language", "reached", "progress"),
    [
        ("en", "Threshold reached: {n} supports (2 needed)", "1 of 2 supports"),
        ("fr", "Seuil atteint\u00a0: {n} soutiens (2 requis)", "1 sur 2 soutiens"),
    ],
)
def test_a_threshold_lowered_below_the_count_reads_as_reached_live(
    new_page, server_api, language, reached, progress
):
    """The consultation's threshold lowered from 10 to 2 after three supports: no promise was made (the
    count crossed no threshold), and the count is not "3 of 2". Withdrawals then bring it back below."""
    consultation = factories.consultation(support_threshold=10)
    proposal = factories.ProposalFactory(consultation=consultation, title="Pay the first benefit faster")
    supporters = [factories.citizen() for _ in range(3)]
    for supporter in supporters:
        assert server_api(supporter)("POST", f"/api/v1/proposals/{proposal.pk}/support/").status == 201
    ConsultationPage.objects.filter(pk=consultation.pk).update(support_threshold=2)
    listing = new_page(label="list", language=language)
    listing.goto(consultation.url)
    wait_live(listing)
    card = listing.locator(f"article.proposal-card[data-proposal-id='{proposal.pk}']")
    block = card.locator("[data-role=threshold]")
    expect(block).to_have_text(reached.format(n=3))
    expect(block.locator("progress")).to_have_attribute("value", "2")

    assert server_api(supporters[0])("DELETE", f"/api/v1/proposals/{proposal.pk}/support/").status == 204
    expect(block).to_have_text(reached.format(n=2))
    expect(block.locator("progress")).to_have_attribute("value", "2")

    assert server_api(supporters[1])("DELETE", f"/api/v1/proposals/{proposal.pk}/support/").status == 204
    expect(block).to_have_text(progress)
    expect(block.locator("progress")).to_have_attribute("value", "1")
