"""A comment's helpful count in the browser: one citizen presses "Helpful" (the form, no script needed), the
other's open page shows the new count without a reload, quietly (a count is not announced), and again
when someone marks it through the API; the pressing citizen's button says it is pressed.

"Without a reload" is checked, not assumed: the watching page gets a marker on `window` before the action,
and a reload would lose it.
"""

import pytest
from playwright.sync_api import expect

from tests.support import factories
from tests.support.browser import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mark_on_one_page_updates_the_count_on_the_other(new_page, server_api):
    proposal = factories.ProposalFactory()
    comment = factories.a_comment(proposal, author=factories.citizen(display_name="Ana"), body="Halfway.")
    acting = new_page(user=factories.citizen(), label="acting")
    watching = new_page(user=None, label="watching")  # a visitor: the count alone, shown once there is one
    for page in (acting, watching):
        page.goto(f"/proposals/{proposal.pk}/")
        wait_live(page)
    watching.evaluate("window.__sameDocument = true")
    shown = watching.locator(f"#comment-{comment.pk} [data-helpful]")
    expect(shown).to_be_hidden()
    announcer = watching.locator("#live-announcer").inner_text()

    button = acting.locator(f"#comment-{comment.pk}").get_by_role(
        "button", name="Helpful (0), comment by Ana"
    )
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()

    pressed = acting.locator(f"#comment-{comment.pk}").get_by_role(
        "button", name="Helpful (1), comment by Ana"
    )
    expect(pressed).to_have_attribute("aria-pressed", "true")  # the form posted: its page came back
    wait_live(acting)
    expect(shown).to_be_visible()
    expect(shown).to_have_text("Helpful (1)")

    marked = server_api(factories.citizen())("POST", f"/api/v1/comments/{comment.pk}/helpful/")
    assert marked.status == 201, marked.body
    expect(shown).to_have_text("Helpful (2)")
    expect(acting.locator(f"#comment-{comment.pk} [data-role=helpful-count]").first).to_have_text("2")

    assert watching.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert watching.locator("#live-announcer").inner_text() == announcer  # counts are not announced
