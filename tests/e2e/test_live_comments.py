"""Comments in the browser: two people on the same proposal page; one comments through the form, the other's
page shows it without a reload, as text (never as markup), and says so politely in the live region.

"Without a reload" is checked, not assumed: the watching page gets a marker on `window` before the action,
and a reload would lose it.
"""

import re

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from proposals.models import Comment
from tests.support import factories
from tests.support.browser import reconnect_after, wait_live, with_fetches_listed_and_a_test_clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "<b>Save</b> the form halfway, please."


def test_a_comment_posted_on_one_page_appears_on_the_other(new_page, server_api):
    proposal = factories.ProposalFactory(title="Pay the first benefit faster")
    writer = factories.citizen(display_name="Ana")
    acting = new_page(user=writer, label="acting")
    watching = new_page(user=factories.citizen(), label="watching")
    for page in (acting, watching):
        page.goto(f"/proposals/{proposal.pk}/")
        wait_live(page)
    watching.evaluate("window.__sameDocument = true")
    expect(watching.locator("[data-role=comments-count]")).to_have_text("0 comments")

    acting.locator("#comment-form").get_by_label("Your comment").fill(BODY)
    acting.get_by_role("button", name="Post comment").click()

    # The writer's own page: the comment in place, with its edit control, the form emptied, no reload.
    mine = acting.locator("li.comment").filter(has_text="Save the form halfway")
    expect(mine).to_have_count(0)  # the markup is not interpreted: the text shows the tags
    own = acting.locator("li.comment", has_text=BODY)
    expect(own).to_be_visible()
    expect(own.locator("summary", has_text="Edit")).to_be_visible()
    expect(acting.locator("#comment-form").get_by_label("Your comment")).to_have_value("")

    theirs = watching.locator("li.comment", has_text=BODY)
    expect(theirs).to_be_visible()
    expect(theirs.locator("b")).to_have_count(0)
    expect(theirs.locator("[data-role=author]")).to_have_text("Ana")
    # Its time written as the server writes it (DATETIME_FORMAT, the site's time zone), as on a reload.
    created = Comment.objects.get(proposal=proposal).created_at
    with translation.override("en"):
        shown = date_format(timezone.localtime(created), "DATETIME_FORMAT")
    expect(theirs.locator("[data-role=time]")).to_have_text(shown)
    expect(watching.locator("[data-role=comments-count]")).to_have_text("1 comment")
    expect(watching.locator("#live-announcer")).to_have_text(re.compile(r"1 new comment"))
    assert watching.evaluate("window.__sameDocument === true"), "the page was reloaded"

    # A moderator hides it: it leaves the other page too.
    comment_id = int(theirs.get_attribute("data-comment-id"))
    hidden = server_api(factories.moderator())(
        "POST", f"/api/v1/comments/{comment_id}/moderation/", {"action": "hide", "reason": "Test."}
    )
    assert hidden.status == 200, hidden.body
    expect(watching.locator(f"li[data-comment-id='{comment_id}']")).to_have_count(0)
    expect(watching.locator("[data-role=comments-count]")).to_have_text("0 comments")


def test_a_reply_to_a_comment_that_arrived_live(new_page):
    proposal = factories.ProposalFactory()
    first = new_page(user=factories.citizen(display_name="Ana"), label="first")
    second = new_page(user=factories.citizen(display_name="Ben"), label="second")
    for page in (first, second):
        page.goto(f"/proposals/{proposal.pk}/")
        wait_live(page)
    first.locator("#comment-form").get_by_label("Your comment").fill("Could the form be saved halfway?")
    first.get_by_role("button", name="Post comment").click()
    arrived = second.locator("li.comment", has_text="Could the form be saved halfway?")
    expect(arrived).to_be_visible()

    # The reply form of the comment that arrived live works like the server's own.
    arrived.get_by_role("link", name="Reply to Ana’s comment").click()
    arrived.get_by_label("Your reply").fill("Yes, and on a phone too.")
    arrived.get_by_role("button", name="Post reply").click()

    reply = first.locator("li.comment--reply", has_text="Yes, and on a phone too.")
    expect(reply).to_be_visible()
    expect(reply.locator("[data-role=author]")).to_have_text("Ben")
    expect(first.locator("[data-role=comments-count]")).to_have_text("2 comments")
    expect(second.locator("li.comment--reply", has_text="Yes, and on a phone too.")).to_have_count(1)


def test_a_comment_posted_while_the_page_was_offline_appears_once_it_reconnects(new_page, server_api):
    """Its event is lost, but it moved the consultation's generation: the snapshot says so and the page reads
    the thread again, at a random moment within REFETCH_JITTER_MS (frontend/static/frontend/shared.js), which
    the page's clock is moved past."""
    proposal = factories.ProposalFactory()
    watching = new_page(user=factories.citizen(), label="watching")
    watching.clock.install()
    watching.goto(f"/proposals/{proposal.pk}/")
    wait_live(watching)
    watching.evaluate("window.__sameDocument = true")

    watching.context.set_offline(True)
    expect(watching.locator("html[data-live=reconnecting]")).to_be_attached()
    writer = server_api(factories.citizen())
    posted = writer("POST", f"/api/v1/proposals/{proposal.pk}/comments/", {"body": BODY})
    assert posted.status == 201, posted.body
    watching.context.set_offline(False)
    watching.clock.run_for(1000)  # the first reconnection waits up to 1 s, unless the browser says "online"
    wait_live(watching)
    watching.clock.run_for(3000)

    expect(watching.locator("li.comment", has_text=BODY)).to_be_visible()
    assert watching.evaluate("window.__sameDocument === true"), "the page was reloaded"


def test_a_comment_heard_live_is_not_read_again_at_the_next_reconnect(new_page, server_api):
    """Its event carries the generation it moved the consultation's pages to, the one after the page's: after
    a dropped connection the proposal page reads neither the proposal nor its thread again over REST."""
    proposal = factories.ProposalFactory()
    watching = new_page(user=factories.citizen(), label="watching")
    with_fetches_listed_and_a_test_clock(watching)
    watching.goto(f"/proposals/{proposal.pk}/")
    wait_live(watching)

    writer = server_api(factories.citizen())
    posted = writer("POST", f"/api/v1/proposals/{proposal.pk}/comments/", {"body": BODY})
    assert posted.status == 201, posted.body
    expect(watching.locator("li.comment", has_text=BODY)).to_be_visible()
    reconnect_after(watching, lambda: None)

    assert [url for url in watching.evaluate("window.__fetched") if "/api/" in url] == []
    expect(watching.locator("li.comment", has_text=BODY)).to_have_count(1)
