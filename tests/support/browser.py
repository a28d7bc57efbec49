"""Helpers for the browser tests (tests/e2e, whose conftest runs Chromium): signing in through the form,
waiting for the live connection (and for it to come back), and where a failed test leaves its artifacts."""

from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.support.factories import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def sign_in_through_form(page: Page, user, *, next_path: str = "/account/") -> None:
    """Sign in as a person does: allauth's form, e-mail and password, then wait to land on `next_path`."""
    page.goto(f"/accounts/login/?next={next_path}")
    submit_sign_in_form(page, user)
    page.wait_for_url(lambda url: urlsplit(url).path == next_path)


def submit_sign_in_form(page: Page, user) -> None:
    """Fill in and send allauth's sign-in form, on the page that shows it."""
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] [type=submit]").click()


def wait_live(page: Page) -> None:
    """Wait until the page's socket is connected and its snapshot applied (live.js sets the attribute)."""
    expect(page.locator("html[data-live=connected]")).to_be_attached()


def csp_violations(page: Page) -> list[str]:
    """Collects, from now on, what the browser says the content-security policy blocked."""
    found: list[str] = []
    page.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return found


REFETCH_JITTER_MS = 3000  # frontend/static/frontend/shared.js


def with_fetches_listed_and_a_test_clock(page: Page) -> None:
    """From the next load on, the page lists its fetch calls in `window.__fetched` as it makes them, and its
    timers run only as the test moves its clock on (the refetch after a reconnect waits a random time)."""
    page.add_init_script(
        """{
          const fetch = window.fetch;
          window.__fetched = [];
          window.fetch = (resource, ...rest) => {
            window.__fetched.push(String(resource));
            return fetch(resource, ...rest);
          };
        }"""
    )
    page.clock.install()


def reconnect_after(page: Page, meanwhile) -> None:
    """The page's connection drops, `meanwhile()` happens, and the page is back with a fresh snapshot and
    past the time a refetch may wait."""
    page.context.set_offline(True)
    expect(page.locator("html[data-live=reconnecting]")).to_be_attached()
    meanwhile()
    page.context.set_offline(False)
    page.clock.run_for(1000)  # the first reconnection waits up to 1 s, unless the browser says "online"
    wait_live(page)
    page.clock.run_for(REFETCH_JITTER_MS)
