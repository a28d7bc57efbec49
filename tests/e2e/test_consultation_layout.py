"""The consultation page puts its proposals first: a short band says the state, the dates and how to take
part (with the "Submit a proposal" action), then come the proposals; the long context, the phases, the
funnel and the open data follow them. Measured in a browser, in English and in French, on a consultation
as full as the demo's (a body with headings, a scope, four phases), and left as screenshots under
test-artifacts/screenshots/ for reviewers to look at."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from wagtail.rich_text import RichText

from cms.models import ConsultationPhase
from tests.support import factories
from tests.support.browser import ARTIFACTS, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 800}
# At 360 px, measured from the top of the main content (the site's header, above it, is the same on every
# page): the title, the introduction and the band come first, then the proposals' heading within the
# first screen and the first proposal within a screen and a half. (Before, the heading was 3,150 px down
# in English and 3,510 px in French.)
PHONE_HEADING = 800
PHONE_FIRST_CARD = 1_200
SCREENSHOTS = ARTIFACTS / "screenshots"
SUBMIT = {"en": "Submit a proposal", "fr": "Déposer une proposition"}


def full_consultation():
    """A consultation with as much context as the demo's benefit consultation, and three proposals."""
    today = timezone.localdate()
    phases = [
        ("Listening sessions", "Interviews and workshops with claimants and advisers.", -28, -8),
        ("Proposals and support", "Propose changes and support the ones you agree with.", -7, 42),
        ("Review", "Employment Services assesses the supported proposals.", 43, 72),
        ("Decisions", "Official responses and the redesign plan are published.", 73, 100),
    ]
    consultation = factories.consultation(
        intro="Claiming unemployment benefit takes too long and asks too much. Tell us where the journey "
        "breaks, propose how to fix it, and support the ideas of others.",
        support_threshold=8,
        body=[
            ("heading", "Why we are asking"),
            (
                "paragraph",
                RichText(
                    "<p>Last year 41,000 people claimed unemployment benefit in the region. Half of them "
                    "called the hotline at least three times before their first payment.</p>"
                ),
            ),
            ("heading", "What happens to your proposals"),
            (
                "paragraph",
                RichText(
                    "<p>Every proposal with <b>8 supports</b> gets a written answer from Employment "
                    "Services within 30 days. We publish what we decide, and why.</p>"
                ),
            ),
            (
                "scope",
                {
                    "on_the_table": [
                        "The online application and its forms",
                        "Documents we ask for and how you send them",
                        "Appointments with advisers",
                        "Letters and notifications",
                    ],
                    "not_on_the_table": [
                        "The amount of the benefit, which is set by law",
                        "Eligibility rules",
                    ],
                },
            ),
        ],
        phases=[
            ConsultationPhase(
                title=title,
                description=description,
                starts_on=today + timedelta(days=start),
                ends_on=today + timedelta(days=end),
            )
            for title, description, start, end in phases
        ],
    )
    for title in ("Send documents from a phone", "Show which documents are missing", "One adviser per claim"):
        factories.ProposalFactory(consultation=consultation, title=title)
    return consultation


def top(page: Page, selector: str) -> float:
    """Where the element starts, from the top of the page (not of the screen)."""
    return page.evaluate(
        "(selector) => document.querySelector(selector).getBoundingClientRect().top + window.scrollY",
        selector,
    )


def open_consultation(new_page, language: str, size: dict) -> Page:
    """The full consultation as a citizen sees it at that size, left as a screenshot, pass or fail."""
    consultation = full_consultation()
    page = new_page(user=factories.citizen(), language=language, label=f"consultation-{language}")
    page.set_viewport_size(size)
    page.goto(consultation.url)
    wait_live(page)
    expect(page.locator(".proposal-card").first).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"consultation-layout-{language}-{size['width']}.png", full_page=True)
    return page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_proposals_start_on_the_first_screen_at_1280_px(new_page, language):
    page = open_consultation(new_page, language, DESKTOP)

    first_card = top(page, ".proposal-card")
    assert first_card < DESKTOP["height"], f"the first proposal starts {first_card:.0f} px down"
    submit = page.get_by_role("link", name=SUBMIT[language])
    assert top(page, "a[href$='/propose/']") < DESKTOP["height"]
    expect(submit).to_be_visible()

    # Nothing was dropped on the way: the context, the phases, the funnel and the open data are below.
    assert_everything_is_still_there(page, first_card)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_proposals_start_high_at_360_px(new_page, language):
    page = open_consultation(new_page, language, PHONE)

    main = top(page, "main")
    heading = top(page, "#proposals-heading") - main
    assert heading < PHONE_HEADING, f"the proposals' heading is {heading:.0f} px below the header"
    first_card = top(page, ".proposal-card")
    assert first_card - main < PHONE_FIRST_CARD, (
        f"the first proposal is {first_card - main:.0f} px below the header"
    )
    assert top(page, "a[href$='/propose/']") - main < PHONE["height"]
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_everything_is_still_there(page, first_card)


def assert_everything_is_still_there(page: Page, first_card: float) -> None:
    main = page.locator("main")
    for text in ("Why we are asking", "The amount of the benefit, which is set by law", "Listening sessions"):
        expect(main.get_by_text(text, exact=True)).to_be_attached()
    for selector in ("#funnel-heading", "#open-data-heading", ".phases", ".scope"):
        assert top(page, selector) > first_card, f"{selector} comes before the proposals"
    # One h1, then h2s (no level skipped), in the order they are read.
    levels = page.evaluate(
        "() => [...document.querySelectorAll('main h1, main h2, main h3')].map(h => h.tagName)"
    )
    assert levels[0] == "H1" and levels.count("H1") == 1
    assert all(int(b[1]) <= int(a[1]) + 1 for a, b in zip(levels, levels[1:], strict=False))
