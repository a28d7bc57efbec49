"""The two ways the browser tests sign people in, checked on allauth's own e-mail page."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in_through_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAILS = "/accounts/email/"


def test_sign_in_through_the_form(citizen, page):
    sign_in_through_form(page, citizen, next_path=EMAILS)

    expect(page.get_by_text(citizen.email).first).to_be_visible()


def test_sign_in_by_cookie(citizen, new_page):
    signed_in = new_page(user=citizen, label="citizen")
    anonymous = new_page(label="anonymous")

    signed_in.goto(EMAILS)
    anonymous.goto(EMAILS)

    expect(signed_in.get_by_text(citizen.email).first).to_be_visible()
    expect(anonymous).to_have_url("/accounts/login/?next=/accounts/email/")
