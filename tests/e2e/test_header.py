"""The site's header on a phone: compact enough that the page's content starts on the first screen, every
control still there, visible, reachable by keyboard and named, in English and French, signed in or not.
Left as screenshots for reviewers (test-artifacts/screenshots/header-<who>-<lang>-360.png)."""

import pytest
from playwright.sync_api import expect

from tests.support import factories
from tests.support.browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 800}
# At 360 px the header took 290 px (the language form on a row of its own under the search box); two
# 44 px rows and their spacing, a third for a signed-in person's longer menu, fit under this.
MOST = 150
CONTROLS = (".site-name", ".site-nav a, .site-nav button", ".site-search-link")


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "citizen"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_header_is_compact_on_a_phone(new_page, language, signed_in):
    factories.consultation()  # the home page lists it (and is the site's root, not Wagtail's welcome page)
    page = new_page(user=factories.citizen() if signed_in else None, language=language)
    page.set_viewport_size(PHONE)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", language)

    header = page.locator("header.site-header")
    height = header.bounding_box()["height"]
    who = "citizen" if signed_in else "visitor"
    header.screenshot(path=ARTIFACTS / "screenshots" / f"header-{who}-{language}-360.png")

    assert height <= MOST, f"the header is {height} px tall at 360 px"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    for selector in (*CONTROLS, ".language-form button"):
        for control in page.locator(selector).all():
            expect(control).to_be_visible()
            box = control.bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24, (selector, box)
    # The other language is offered in its own words, and one press switches to it.
    other = {"en": ("fr", "Français"), "fr": ("en", "English")}[language]
    switch = page.locator(f".language-form button[value={other[0]}]")
    expect(switch).to_have_attribute("lang", other[0])
    expect(switch).to_contain_text(other[1])
    switch.focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", other[0])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_header_is_one_row_on_a_desktop(new_page, language):
    factories.consultation()
    page = new_page(user=factories.citizen(), language=language)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")

    header = page.locator("header.site-header")
    header.screenshot(path=ARTIFACTS / "screenshots" / f"header-citizen-{language}-1280.png")
    assert header.bounding_box()["height"] <= 70
    expect(page.locator("#site-search-q")).to_be_visible()
    expect(page.locator("#site-search-q")).to_have_accessible_name(
        "Search proposals" if language == "en" else "Rechercher des propositions"
    )
    expect(page.locator(".site-search-link")).to_be_hidden()
