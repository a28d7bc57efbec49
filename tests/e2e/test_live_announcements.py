"""The polite live region (shared.js's Announcer): a burst of other people's supports is said at most once per
throttle interval, the newest count last, while the answer to what the person just did is said at once.

Every message the region shows is logged in the page with its time (a MutationObserver set before the
burst), so the test checks the spacing of what a screen reader would have heard, not one snapshot."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support import factories
from tests.support.browser import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANNOUNCE_EVERY_MS = 4000  # shared.js
SUPPORT = re.compile(r"^Support\b")

LISTEN = """() => {
  window.__said = [];
  const region = document.getElementById("live-announcer");
  new MutationObserver(() => {
    const text = region.textContent.trim();
    if (text) window.__said.push({ text, at: performance.now() });
  }).observe(region, { childList: true, characterData: true, subtree: true });
}"""


def said(page: Page) -> list[dict]:
    return page.evaluate("window.__said")


def test_a_burst_of_supports_is_said_once_per_interval_and_ones_own_at_once(new_page, server_api):
    proposal = factories.ProposalFactory(
        consultation=factories.consultation(), title="One form instead of four"
    )
    page = new_page(user=factories.citizen(), label="watching")
    page.goto(proposal.get_absolute_url())
    wait_live(page)
    page.evaluate(LISTEN)
    count = page.locator(f"article[data-proposal-id='{proposal.pk}'] [data-role=supports-count]")

    burst = 5
    for _ in range(burst):
        assert (
            server_api(factories.citizen())("POST", f"/api/v1/proposals/{proposal.pk}/support/").status == 201
        )
    expect(count).to_have_text(str(burst))  # every count is shown at once...
    # ...but the region ends on the newest count, said after the throttle let it through.
    expect(page.locator("#live-announcer")).to_have_text(
        f"“One form instead of four” now has {burst} supports.", timeout=3 * ANNOUNCE_EVERY_MS
    )
    messages = said(page)
    assert len(messages) < burst, messages
    gaps = [later["at"] - earlier["at"] for earlier, later in zip(messages, messages[1:], strict=False)]
    # A little slack for the frame between emptying the region and filling it again.
    assert all(gap >= ANNOUNCE_EVERY_MS - 50 for gap in gaps), messages

    # Right after a background message, the person's own support is answered without waiting its turn.
    page.locator(f"article[data-proposal-id='{proposal.pk}']").get_by_role("button", name=SUPPORT).click()
    expect(page.locator("#live-announcer")).to_have_text("Your support was added.")
    messages = said(page)
    own = next(m for m in messages if m["text"] == "Your support was added.")
    before = [m for m in messages if m["at"] < own["at"]][-1]
    assert own["at"] - before["at"] < ANNOUNCE_EVERY_MS, messages


def test_ones_own_support_heard_first_from_the_stream_is_said_as_ones_own(new_page):
    proposal = factories.ProposalFactory(
        consultation=factories.consultation(), title="One form instead of four"
    )
    page = new_page(user=factories.citizen(), label="acting")
    page.goto(proposal.get_absolute_url())
    wait_live(page)
    article = page.locator(f"article[data-proposal-id='{proposal.pk}']")
    count = article.locator("[data-role=supports-count]")
    article.get_by_role("button", name=SUPPORT).click()
    expect(page.locator("#live-announcer")).to_have_text("Your support was added.")  # said just now

    # The withdrawal's answer is held until the stream has brought the new count: that count's message
    # waits its turn behind the answer just said, then must not be said over the next answer.
    def answer_after_the_stream(route):
        response = route.fetch()
        expect(count).to_have_text("0")
        route.fulfill(response=response)

    page.route(f"**/api/v1/proposals/{proposal.pk}/support/", answer_after_the_stream)
    page.evaluate(LISTEN)
    article.get_by_role("button", name=re.compile(r"^Withdraw support\b")).click()

    expect(page.locator("#live-announcer")).to_have_text("Your support was withdrawn.")
    page.wait_for_timeout(ANNOUNCE_EVERY_MS + 1000)  # past the turn the count's message was waiting for
    assert [m["text"] for m in said(page)] == ["Your support was withdrawn."]
