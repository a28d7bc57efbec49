"""A citizen's journey with the keyboard alone, in English and in French, on a desktop screen and on a phone
320 px wide: sign in through the form, open a consultation and a proposal, support it, submit a proposal (a
required field left empty first), comment.

Only keys move focus and act (Tab, Shift+Tab, Enter, Space, typing): no clicks, no element.focus(). Every
element the journey tabs through must show that it has focus: its outline or box-shadow while focused
differs from the same element's once focus has left it (read after the next Tab, or after a Tab away and
a Shift+Tab back for the element about to be used). On every page the first Tab reaches a visible "skip to
main content" link, and on the first one that link is followed.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support import factories
from tests.support.browser import wait_live
from tests.support.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAB_LIMIT = 120  # more than any page here has stops before its target

TEXTS = {
    "en": {
        "skip": "Skip to main content",
        "added": "Your support was added.",
        "errors": "Please correct the following",
        "required": "Summary: This field is required.",
        "thanks": "Thank you: your proposal is published.",
    },
    "fr": {
        "skip": "Aller au contenu principal",
        "added": "Votre soutien a été enregistré.",
        "errors": "Veuillez corriger les points suivants",
        "required": "Résumé\u00a0: Ce champ est obligatoire.",
        "thanks": "Merci\u00a0: votre proposition est publiée.",
    },
}

# After each key: what has focus now, and for the element that had it before (if focus moved on and it is
# still in the page), its focus style while focused and now. Kept on `window` between keys of one page.
STEP = """() => {
  const style = (el) => {
    const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(" | ");
  };
  const describe = (el) => {
    if (!el) return "";
    const text = (el.getAttribute("aria-label") || el.textContent || el.name || "").replace(/\\s+/g, " ");
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} “${text.trim().slice(0, 60)}”`;
  };
  const el = document.activeElement;
  const last = window.__focusLast;
  let left = null;
  if (last && last.el !== el && last.el.isConnected) {
    left = { name: describe(last.el), focused: last.style, unfocused: style(last.el) };
  }
  const rect = el && el !== document.body ? el.getBoundingClientRect() : null;
  window.__focusLast = rect ? { el, style: style(el) } : null;
  return {
    left,
    name: describe(el),
    style: rect ? style(el) : "",
    visible: Boolean(rect && rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < innerHeight),
  };
}"""


def step(page: Page, key: str) -> dict:
    page.keyboard.press(key)
    state = page.evaluate(STEP)
    left = state["left"]
    if left:
        assert left["focused"] != left["unfocused"], f"no visible focus indicator on {left['name']}: {left}"
    if state["name"]:
        assert state["visible"], f"the focused element is off screen or empty: {state['name']}"
    return state


def focused_is(page: Page, selector: str) -> bool:
    return page.evaluate(
        "(s) => Boolean(document.activeElement && document.activeElement.matches(s))", selector
    )


def tab_to(page: Page, selector: str, *, backwards: bool = False) -> None:
    """Tab (or Shift+Tab) until the element matching `selector` has focus, checking every stop on the way;
    then check that element's own indicator with a Tab away and a Shift+Tab back."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(TAB_LIMIT):
        step(page, key)
        if focused_is(page, selector):
            break
    else:
        raise AssertionError(f"{selector} never got focus with {key}")
    step(page, "Tab")
    step(page, "Shift+Tab")  # checks the target's style as focus left it
    assert focused_is(page, selector), f"Shift+Tab did not come back to {selector}"


def arrive(page: Page, texts: dict) -> None:
    """A page just loaded: no wider than the screen; the first Tab reaches the skip link, visible while it
    has focus."""
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), page.url
    state = step(page, "Tab")
    assert focused_is(page, "a.skip-link[href='#main']"), f"the first Tab reached {state['name']}"
    expect(page.locator("a.skip-link")).to_have_text(texts["skip"])


def follow_skip_link(page: Page) -> None:
    page.keyboard.press("Enter")
    assert focused_is(page, "main#main"), "the skip link did not move focus to the main content"
    state = step(page, "Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)"), state


def press(page: Page, key: str) -> None:
    page.keyboard.press(key)


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("fr", 1280), ("en", 320), ("fr", 320)])
def test_the_whole_journey_with_the_keyboard_alone(new_page, language, width):
    texts = TEXTS[language]
    consultation = factories.consultation()
    other = factories.ProposalFactory(consultation=consultation, title="Answer the phone on Saturdays")
    citizen = factories.citizen()
    page = new_page(label="keyboard", language=language)
    page.set_viewport_size({"width": width, "height": 900 if width > 320 else 640})

    # Home page: the skip link works; then back up into the header to sign in.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    arrive(page, texts)
    follow_skip_link(page)
    tab_to(page, "header a[href^='/accounts/login/']", backwards=True)
    press(page, "Enter")

    # The sign-in form.
    page.wait_for_url(re.compile(r"/accounts/login/"))
    arrive(page, texts)
    tab_to(page, "input[name=login]")
    page.keyboard.type(citizen.email)
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    press(page, "Enter")
    expect(page.locator("form[action='/accounts/logout/'] button")).to_be_visible()
    expect(page).to_have_url("/")

    # A consultation, then a proposal: supported with Space, the answer said in the live region.
    arrive(page, texts)
    tab_to(page, f"main a[href='{consultation.url}']")
    press(page, "Enter")
    expect(page).to_have_url(consultation.url)
    wait_live(page)
    arrive(page, texts)
    tab_to(page, f"main a[href='{other.get_absolute_url()}']")
    press(page, "Enter")
    expect(page).to_have_url(other.get_absolute_url())
    wait_live(page)
    arrive(page, texts)
    support = f"article[data-proposal-id='{other.pk}'] form[data-support-form] button[type=submit]"
    tab_to(page, support)
    press(page, "Space")
    expect(page.locator(f"article[data-proposal-id='{other.pk}'] [data-role=supports-count]")).to_have_text(
        "1"
    )
    expect(page.locator("#live-announcer")).to_have_text(texts["added"])
    assert focused_is(page, support), "focus left the support button"

    # Back to the consultation through the breadcrumb, to the submission form.
    tab_to(page, f"nav.breadcrumbs a[href='{consultation.url}']", backwards=True)
    press(page, "Enter")
    expect(page).to_have_url(consultation.url)
    arrive(page, texts)
    tab_to(page, f"main a[href='/consultations/{consultation.pk}/propose/']")
    press(page, "Enter")
    expect(page).to_have_url(f"/consultations/{consultation.pk}/propose/")
    arrive(page, texts)
    tab_to(page, "#id_title")
    page.keyboard.type("Let people upload documents by phone")
    tab_to(page, "#id_body")
    page.keyboard.type("Most people who apply have a phone, not a scanner.")
    tab_to(page, "form.form button[type=submit]")
    press(page, "Enter")

    # The summary left empty: the error is announced, focus goes to it, and its link leads to the field.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(texts["errors"])
    expect(page.locator("#id_summary")).to_have_attribute("aria-invalid", "true")
    assert focused_is(page, ".error-summary, #id_summary"), "focus is neither on the errors nor on the field"
    page.evaluate(STEP)  # notes how it shows focus, checked as the next Tab leaves it
    tab_to(page, ".error-summary a[href='#id_summary']")
    expect(page.locator(".error-summary a[href='#id_summary']")).to_have_text(texts["required"])
    press(page, "Enter")
    assert focused_is(page, "#id_summary"), "the error's link did not move focus to its field"
    page.keyboard.type("A photo of a payslip should be enough.")
    tab_to(page, "form.form button[type=submit]")
    press(page, "Enter")
    # The redirect keeps the fragment the error's link added to the form's address.
    expect(page).to_have_url(re.compile(r"/proposals/\d+/(#id_summary)?$"))
    expect(page.get_by_text(texts["thanks"])).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Let people upload documents by phone")

    # A comment on it.
    wait_live(page)
    arrive(page, texts)
    tab_to(page, "#comment-form textarea")
    page.keyboard.type("Scanning at the library costs money too.")
    tab_to(page, "#comment-form button[type=submit]")
    press(page, "Enter")
    expect(
        page.locator(".comment__body").filter(has_text="Scanning at the library costs money too.")
    ).to_be_visible()
