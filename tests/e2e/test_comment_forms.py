"""The comment forms that open from a link ("Reply", "Report this comment") and the author's edit and
delete, in the browser: with JavaScript they open in place from one <template>, move focus in and back, and
change the page without a reload, said politely; without it the same links load the page with that form.

"Without a reload" is checked: the page gets a marker on `window` first, and a reload would lose it.
"""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from cms.models import ModerationMode
from proposals.models import Comment, Visibility
from tests.support import factories
from tests.support.browser import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def a_thread():
    proposal = factories.ProposalFactory(title="Pay the first benefit faster")
    for name, body in (
        ("Ana", "Could the form be saved halfway?"),
        ("Ben", "A letter with the date, please."),
    ):
        Comment.objects.create(
            proposal=proposal,
            author=factories.citizen(display_name=name),
            body=body,
            visibility=Visibility.PUBLISHED,
        )
    set_count(proposal)
    return proposal


def set_count(proposal):
    """What the service keeps when it posts (the comments are written straight to the database here)."""
    count = proposal.comments.filter(visibility=Visibility.PUBLISHED).count()
    type(proposal).objects.filter(pk=proposal.pk).update(comments_count=count)


def open_page(new_page, proposal, user, **kwargs):
    page = new_page(user=user, **kwargs)
    page.goto(f"/proposals/{proposal.pk}/")
    if kwargs.get("java_script_enabled", True):
        wait_live(page)
        page.evaluate("window.__sameDocument = true")
    return page


def focused_id(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.closest('[id]').id")


def test_reply_opens_in_place_closes_with_focus_back_and_posts(new_page):
    proposal = a_thread()
    ana = Comment.objects.get(body__startswith="Could")
    page = open_page(new_page, proposal, factories.citizen(display_name="Chloé"))
    link = page.get_by_role("link", name="Reply to Ana’s comment")
    expect(page.get_by_role("link", name="Reply to Ben’s comment")).to_be_visible()

    link.click()
    form = page.locator(f"#reply-{ana.pk}")
    expect(form).to_be_visible()
    expect(form.get_by_label("Your reply")).to_be_focused()
    expect(page.get_by_role("form", name="Reply to Ana’s comment")).to_be_visible()
    assert "reply=" not in page.url

    page.keyboard.press("Escape")
    expect(form).to_have_count(0)
    expect(link).to_be_focused()

    link.click()
    form.get_by_role("link", name="Cancel").click()
    expect(form).to_have_count(0)
    expect(link).to_be_focused()

    link.press("Enter")
    form.get_by_label("Your reply").fill("Yes, and on a phone too.")
    form.get_by_role("button", name="Post reply").click()
    reply = page.locator("li.comment--reply", has_text="Yes, and on a phone too.")
    expect(reply).to_be_visible()
    expect(reply).to_be_focused()
    expect(form).to_have_count(0)
    expect(page.locator("#live-announcer")).to_have_text(re.compile("Your comment is published."))
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert Comment.objects.get(parent=ana).body == "Yes, and on a phone too."


def test_report_opens_in_place_with_focus_on_its_summary(new_page):
    proposal = a_thread()
    ben = Comment.objects.get(body__startswith="A letter")
    page = open_page(new_page, proposal, factories.citizen())
    page.get_by_role("link", name="Report this comment by Ben").click()
    details = page.locator(f"#report-comment-{ben.pk}")
    expect(details).to_have_attribute("open", "")
    expect(details.locator("summary")).to_be_focused()
    details.get_by_label("Spam or advertising").check()
    details.get_by_role("button", name="Send the report").click()  # an ordinary post, back at the comment
    expect(page.locator(".message", has_text="Thank you: moderators will look at it.")).to_be_visible()
    assert ben.flags.count() == 1


def test_the_author_edits_and_deletes_in_place(new_page):
    proposal = a_thread()
    author = factories.citizen(display_name="Dana")
    mine = Comment.objects.create(
        proposal=proposal, author=author, body="Typo in here.", visibility=Visibility.PUBLISHED
    )
    set_count(proposal)
    page = open_page(new_page, proposal, author)
    item = page.locator(f"#comment-{mine.pk}")

    item.locator("summary", has_text="Edit").click()
    item.get_by_label("Your comment").fill("No typo any more.")
    item.get_by_role("button", name="Save changes").click()
    expect(item.locator("[data-role=comment-body]")).to_have_text("No typo any more.")
    expect(item.locator("[data-role=edited]")).to_be_visible()
    expect(item.locator("summary", has_text="Edit")).to_be_focused()
    expect(page.locator("#live-announcer")).to_have_text(re.compile("Your comment is updated."))

    item.locator("summary", has_text="Delete").click()
    item.get_by_role("button", name="Delete my comment").click()
    expect(item).to_have_count(0)
    expect(page.locator("#comments-heading")).to_be_focused()
    expect(page.locator("#live-announcer")).to_have_text(re.compile("Your comment is deleted."))
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    mine.refresh_from_db()
    assert mine.body == "" and mine.is_deleted


def test_an_edit_held_for_moderation_is_shown_waiting_in_place(new_page):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    author = factories.citizen(display_name="Dana")
    mine = Comment.objects.create(
        proposal=proposal, author=author, body="Approved words.", visibility=Visibility.PUBLISHED
    )
    set_count(proposal)
    page = open_page(new_page, proposal, author)
    item = page.locator(f"#comment-{mine.pk}")

    item.locator("summary", has_text="Edit").click()
    item.get_by_label("Your comment").fill("Unapproved words.")
    item.get_by_role("button", name="Save changes").click()
    waiting = item.locator("[data-role=pending-edit]")
    expect(waiting).to_contain_text("Your edit is waiting for moderation.")
    expect(waiting).to_contain_text("Unapproved words.")
    expect(item.locator("> .comment__box > [data-role=comment-body]")).to_have_text("Approved words.")
    expect(item.locator("[data-role=edited]")).to_be_hidden()
    expect(item.locator("summary", has_text="Edit")).to_be_focused()
    expect(page.locator("#live-announcer")).to_have_text(re.compile("your edit is waiting for moderation"))
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    mine.refresh_from_db()
    assert (mine.body, mine.pending_body) == ("Approved words.", "Unapproved words.")


def test_without_javascript_the_links_load_the_page_with_that_form(new_page):
    proposal = a_thread()
    ana = Comment.objects.get(body__startswith="Could")
    page = open_page(new_page, proposal, factories.citizen(), java_script_enabled=False)
    page.get_by_role("link", name="Reply to Ana’s comment").click()
    assert f"reply={ana.pk}" in page.url
    form = page.locator(f"#reply-{ana.pk}")
    form.get_by_label("Your reply").fill("Posted without a script.")
    form.get_by_role("button", name="Post reply").click()
    expect(page.locator("li.comment--reply", has_text="Posted without a script.")).to_be_visible()

    page.get_by_role("link", name="Report this comment by Ana").click()
    details = page.locator(f"#report-comment-{ana.pk}")
    expect(details).to_have_attribute("open", "")
    expect(details.get_by_role("button", name="Send the report")).to_be_visible()


def test_in_french_the_links_and_the_opened_form_say_whose_comment(new_page, asgi_server):
    proposal = a_thread()
    page = new_page(user=factories.citizen())
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fr", "url": asgi_server.base_url}]
    )
    page.goto(f"/proposals/{proposal.pk}/")
    wait_live(page)
    page.get_by_role("link", name="Répondre au commentaire écrit par Ana").click()
    expect(page.get_by_role("form", name="Répondre au commentaire écrit par Ana")).to_be_visible()
    expect(page.get_by_label("Votre réponse")).to_be_focused()
    expect(page.get_by_role("link", name="Signaler ce commentaire, écrit par Ben")).to_be_visible()


def test_a_comment_that_arrived_live_has_the_same_links(new_page, server_api):
    proposal = a_thread()
    page = open_page(new_page, proposal, factories.citizen())
    writer = factories.citizen(display_name="Eve")
    posted = server_api(writer)("POST", f"/api/v1/proposals/{proposal.pk}/comments/", {"body": "Live one."})
    assert posted.status == 201, posted.body
    comment_id = posted.body["id"]
    arrived = page.locator(f"li[data-comment-id='{comment_id}']")
    expect(arrived).to_be_visible()

    report = arrived.get_by_role("link", name="Report this comment by Eve")
    expect(report).to_have_attribute(
        "href", f"/proposals/{proposal.pk}/?report={comment_id}#report-comment-{comment_id}"
    )
    report.click()
    details = page.locator(f"#report-comment-{comment_id}")
    expect(details.locator("summary")).to_be_focused()
    expect(details.locator("form")).to_have_attribute("action", f"/comments/{comment_id}/report/")
    expect(details.get_by_label("Spam or advertising")).to_have_attribute(
        "id", f"report-comment-{comment_id}-reason-1"
    )

    arrived.get_by_role("link", name="Reply to Eve’s comment").click()
    expect(page.locator(f"#reply-{comment_id}").get_by_label("Your reply")).to_be_focused()
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def test_an_open_reply_form_goes_with_its_hidden_comment_and_focus_stays_in_the_thread(new_page, server_api):
    proposal = a_thread()
    ana = Comment.objects.get(body__startswith="Could")
    Comment.objects.create(
        proposal=proposal,
        parent=ana,
        author=factories.citizen(),
        body="Me too.",
        visibility=Visibility.PUBLISHED,
    )
    set_count(proposal)
    page = open_page(new_page, proposal, factories.citizen())
    page.get_by_role("link", name="Reply to Ana’s comment").click()
    expect(page.locator(f"#reply-{ana.pk}").get_by_label("Your reply")).to_be_focused()

    hidden = server_api(factories.moderator())(
        "POST", f"/api/v1/comments/{ana.pk}/moderation/", {"action": "hide", "reason": "Off topic."}
    )
    assert hidden.status == 200, hidden.body

    item = page.locator(f"#comment-{ana.pk}")
    expect(item.locator(".comment__placeholder")).to_have_text("This comment was hidden by moderation.")
    expect(page.locator(f"#reply-{ana.pk}")).to_have_count(0)
    expect(item).to_be_focused()
    expect(item.locator("li.comment--reply", has_text="Me too.")).to_be_visible()


@pytest.mark.parametrize(
    ("language", "reply_counter", "title_counter"),
    [
        ("en", "3 of 2,000 characters", "6 of 140 characters"),
        ("fr", "3 sur 2\u202f000 caractères", "6 sur 140 caractères"),
    ],
)
def test_a_reply_form_opened_in_place_counts_characters_as_the_page_writes_numbers(
    new_page, language, reply_counter, title_counter
):
    proposal = a_thread()
    ana = Comment.objects.get(body__startswith="Could")
    page = open_page(new_page, proposal, factories.citizen(display_name="Chloé"), language=language)

    page.locator(f"a[data-action=reply][data-comment-id='{ana.pk}']").click()
    reply = page.locator(f"#reply-{ana.pk}")
    reply.locator("textarea").fill("Oui")
    expect(reply.locator(".field__counter")).to_have_text(reply_counter)

    # The submission form's counters, there from the start, write their numbers the same way.
    page.goto(f"/consultations/{proposal.consultation.pk}/propose/")
    page.get_by_label(re.compile("^(Title|Titre)")).fill("Un mot")
    expect(page.locator("#id_title_counter")).to_have_text(title_counter)
