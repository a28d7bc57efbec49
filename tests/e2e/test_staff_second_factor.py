"""An official without two-factor authentication signs in, is sent from the admin to set it up, scans (reads)
the key, types the app's code and reaches the admin; signing in again asks for the code."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support import factories
from tests.support.axe import axe_violations, describe_violations, horizontal_overflow
from tests.support.browser import submit_sign_in_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SET_UP = "/accounts/2fa/totp/activate/"


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_an_official_sets_up_the_app_then_reaches_the_admin_and_is_asked_for_the_code(new_page):
    official = factories.official(second_factor=False)
    page = new_page(label="official")

    page.goto("/accounts/login/?next=/cms/")
    submit_sign_in_form(page, official)
    # The admin sends them to set it up; allauth first asks for the password again.
    page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/reauthenticate/")
    expect(page.get_by_text("Staff accounts (moderators, officials, administrators) need")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(lambda url: urlsplit(url).path == SET_UP)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    assert_accessible(page)
    secret = page.get_by_label("Cannot scan? Type this key into the app instead:").input_value()
    page.get_by_label("Code from the app").fill(factories.totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/2fa/recovery-codes/")
    expect(page.get_by_role("list", name="Unused recovery codes").get_by_role("listitem")).to_have_count(10)
    page.get_by_role("link", name="Continue to the admin").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/cms/")
    expect(page.locator("body")).to_contain_text("cocreate")
    assert page.title() and "Sign in" not in page.title()

    # Signing in again, from a browser with no session: the password, then the app's code.
    page.context.clear_cookies()
    page.goto("/accounts/login/?next=/cms/")
    submit_sign_in_form(page, official)
    page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/2fa/authenticate/")
    assert_accessible(page)
    page.get_by_label("Code").fill(factories.totp_code(secret))
    page.get_by_role("button", name="Sign in").last.click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/cms/")


def test_the_set_up_page_fits_a_phone(new_page):
    official = factories.official(second_factor=False)
    page = new_page(label="phone")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/accounts/login/?next={SET_UP}")
    submit_sign_in_form(page, official)
    page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/reauthenticate/")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: urlsplit(url).path == SET_UP)

    assert horizontal_overflow(page) is None, horizontal_overflow(page)
    qr = page.get_by_role("img", name="QR code for your authenticator app: the key below, in a picture.")
    box = qr.bounding_box()
    assert box and box["width"] >= 150 and box["x"] + box["width"] <= 320
