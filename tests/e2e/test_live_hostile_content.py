"""Markup arriving live is inserted as text: a proposal, an official response and a comment (with its
author's public name) written with tags show the tags, and no element comes of them, on a page that
received them over the socket."""

import pytest
from playwright.sync_api import Page, expect

from tests.support import factories
from tests.support.browser import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = 'Zanzibar <script>window.__xss = 1</script>"><img src=x onerror="window.__xss = 1">'
NAME = '"><img src=x onerror="window.__xss = 1">'  # a public name is at most 80 characters


def assert_inert(page: Page, holder) -> None:
    """The markup made no element and ran nothing (the policy would block the handler anyway)."""
    expect(holder.locator("script, img")).to_have_count(0)
    assert page.evaluate("window.__xss === undefined")


def test_a_hostile_proposal_arrives_as_text(new_page, server_api):
    consultation = factories.consultation()
    watching = new_page(user=factories.citizen(), label="watching")
    watching.goto(consultation.url)
    wait_live(watching)

    created = server_api(factories.citizen())(
        "POST",
        "/api/v1/proposals/",
        {"consultation": consultation.pk, "title": HOSTILE[:140], "summary": HOSTILE, "body": "Body."},
    )

    assert created.status == 201, created.body
    card = watching.locator(f"article.proposal-card[data-proposal-id='{created.body['id']}']")
    expect(card.get_by_role("link", name=HOSTILE[:140])).to_be_visible()
    expect(card.locator("[data-role=summary]")).to_have_text(HOSTILE)
    expect(watching.locator("#live-announcer")).to_contain_text(HOSTILE[:140])
    assert_inert(watching, card)


def test_a_hostile_response_and_comment_arrive_as_text(new_page, server_api):
    proposal = factories.ProposalFactory(title="Pay the first benefit faster")
    watching = new_page(user=factories.citizen(), label="watching")
    watching.goto(proposal.get_absolute_url())
    wait_live(watching)

    official = factories.official(first_name=NAME, last_name="")
    published = server_api(official)("POST", f"/api/v1/proposals/{proposal.pk}/responses/", {"body": HOSTILE})
    writer = factories.citizen(display_name=NAME)
    posted = server_api(writer)("POST", f"/api/v1/proposals/{proposal.pk}/comments/", {"body": HOSTILE})

    assert published.status == 201 and posted.status == 201, (published.body, posted.body)
    response = watching.locator(f"article[data-response-id='{published.body['id']}']")
    expect(response).to_contain_text(HOSTILE)
    expect(response).to_contain_text(NAME)
    comment = watching.locator(f"li[data-comment-id='{posted.body['id']}']")
    expect(comment.locator("[data-role=author]")).to_have_text(NAME)
    expect(comment).to_contain_text(HOSTILE)
    for holder in (response, comment):
        assert_inert(watching, holder)
