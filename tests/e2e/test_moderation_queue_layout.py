"""The officials' moderation queue in the Wagtail admin, in a browser as a moderator sees it: a comment's text
gets a column wide enough to read, wraps between words (a long address wraps only where it must, inside
its column), and every picture on the page, the moderator's avatar included, is shown. Left as screenshots
under test-artifacts/screenshots/ at 1280 and 360 px, for reviewers to look at."""

import pytest
from playwright.sync_api import Page, expect

from cms.models import ModerationMode
from proposals.models import Comment, Flag, FlagReason, Visibility
from tests.support import factories
from tests.support.browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = ARTIFACTS / "screenshots"
LONG_ADDRESS = "https://www.example.org/benefits/claims/documents/upload-from-a-phone-camera-without-an-app"
TEXT = (
    "Would this also show which documents are still missing? That is what I kept calling about, "
    "three times in one month, and each adviser told me something different. The page I was sent to "
    f"was {LONG_ADDRESS} and it asked for a scanner."
)
# Words split over two lines are what a squeezed column does (it was about 50 px wide).
# The words of the text (the address apart, which may wrap where it must) that run over two lines: what a
# squeezed column does (it was about 50 px wide, and broke words anywhere).
WORDS_ON_SEVERAL_LINES = """([box, address]) => {
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    const split = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const skipFrom = node.data.indexOf(address);
        for (const match of node.data.matchAll(/[A-Za-z]+/g)) {
            if (skipFrom >= 0 && match.index >= skipFrom && match.index < skipFrom + address.length) continue;
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
            if (tops.size > 1) split.push(match[0]);
        }
    }
    return split;
}"""
# Every picture of the page, the lazy ones too (the avatar in a folded menu): loaded, or failed.
LOAD_EVERY_IMAGE = """() => {
    for (const img of document.images) img.loading = "eager";
    return [...document.images].every((img) => img.complete);
}"""
BROKEN_IMAGES = """() => [...document.images]
    .filter((img) => img.naturalWidth === 0)
    .map((img) => img.currentSrc || img.src)"""


def a_pending_comment() -> Comment:
    """A comment waiting for moderation in a pre-moderated consultation, written straight to the database
    (no broadcast from the test's thread, see conftest)."""
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    proposal = factories.ProposalFactory(consultation=consultation, title="Show which documents are missing")
    author = factories.citizen(first_name="Mina", last_name="Ahmed")
    comment = Comment.objects.create(
        proposal=proposal, author=author, body=TEXT, visibility=Visibility.PENDING
    )
    # A reported proposal beside it, as the queue usually holds both.
    reported = factories.ProposalFactory(consultation=consultation, title="Open the offices on Saturdays")
    Flag.objects.create(
        reporter=factories.citizen(),
        proposal=reported,
        reason=FlagReason.OFF_TOPIC,
        details="Not about benefits",
    )
    return comment


def full_screenshot(page: Page, name: str) -> None:
    """The whole page: Wagtail's admin scrolls inside an element, not the document, so the screen is made
    as tall as what scrolls for the picture."""
    size = page.viewport_size
    height = page.evaluate(
        """() => Math.max(document.documentElement.scrollHeight, ...[...document.querySelectorAll('*')]
            .filter((el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowY))
            .map((el) => el.scrollHeight + el.getBoundingClientRect().top))"""
    )
    page.set_viewport_size({"width": size["width"], "height": int(height)})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)
    page.set_viewport_size(size)


def open_queue(new_page, language: str, size: dict) -> Page:
    page = new_page(user=factories.moderator(), language=language, label=f"queue-{language}")
    page.set_viewport_size(size)
    page.goto("/cms/proposals/")
    expect(page.locator(".queue__text").first).to_be_visible()
    page.wait_for_load_state("load")
    page.wait_for_function(LOAD_EVERY_IMAGE)
    full_screenshot(page, f"admin-moderation-queue-{language}-{size['width']}.png")
    return page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_comment_in_the_queue_is_readable_and_every_picture_shows(new_page, language):
    comment = a_pending_comment()
    page = open_queue(new_page, language, {"width": 1280, "height": 800})
    text = page.locator(f"#queue-comment-{comment.pk} .queue__text")
    expect(text).to_contain_text("still missing")
    width = text.bounding_box()["width"]
    assert width >= 300, f"the comment's text is {width:.0f} px wide"
    assert page.evaluate(WORDS_ON_SEVERAL_LINES, [text.element_handle(), LONG_ADDRESS]) == []
    assert text.evaluate("(box) => box.scrollWidth <= box.clientWidth"), (
        "the address sticks out of its column"
    )
    assert page.evaluate(BROKEN_IMAGES) == []
    # The avatar is Wagtail's own picture, served by the site: no e-mail hash goes to a third party.
    avatars = page.locator("img.avatar, .avatar img")
    assert avatars.count() >= 1
    for src in avatars.evaluate_all("(imgs) => imgs.map((img) => img.src)"):
        assert src.startswith(page.url.split("/cms/")[0]), src


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_queue_at_360_px(new_page, language):
    comment = a_pending_comment()
    page = open_queue(new_page, language, {"width": 360, "height": 800})
    text = page.locator(f"#queue-comment-{comment.pk} .queue__text")
    assert page.evaluate(WORDS_ON_SEVERAL_LINES, [text.element_handle(), LONG_ADDRESS]) == []
    assert text.evaluate("(box) => box.scrollWidth <= box.clientWidth")
    assert page.evaluate(BROKEN_IMAGES) == []
    # The moderation form under the text, on the screen: no sideways scrolling to reach its buttons.
    for button in page.locator(f"#queue-comment-{comment.pk} button[type=submit]").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, button.text_content()
