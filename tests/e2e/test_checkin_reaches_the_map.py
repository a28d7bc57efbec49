"""The improvement loop end to end, as people live it: a citizen on a phone tells how "Send documents" went
on the check-in page, and another visitor's journey map shows that stage appear and the breaking point
move there, without a reload. The first four check-ins (fewer than five: nothing is shown or sent) are
written before the browser starts; the fifth goes through the page's form, the server and the stream."""

import pytest
from playwright.sync_api import expect

from proposals.services import checkin_save
from tests.support import factories
from tests.support.browser import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def test_a_check_in_on_a_phone_changes_another_visitors_map(new_page):
    consultation = factories.consultation(stages=("Apply online", "Send documents"))
    apply, send = consultation.stages.order_by("sort_order")
    for frustration, motivation in ((2, 4), (1, 4), (2, 5), (2, 3), (3, 4)):
        checkin_save(
            author=factories.citizen(),
            consultation=consultation,
            stage_id=apply.pk,
            frustration=frustration,
            motivation=motivation,
            gave_up=False,
        )
    for frustration, motivation in ((4, 2), (5, 2), (4, 1), (5, 3)):
        checkin_save(
            author=factories.citizen(),
            consultation=consultation,
            stage_id=send.pk,
            frustration=frustration,
            motivation=motivation,
            gave_up=False,
        )
    citizen = factories.citizen()

    viewer = new_page(label="viewer")
    viewer.goto(consultation.url)
    wait_live(viewer)
    viewer.evaluate("window.__sameDocument = true")
    row = viewer.locator(f"tr[data-stage='{send.pk}']")
    expect(row.locator("[data-role=withheld]")).to_be_visible()
    expect(viewer.locator("[data-role=journey-break]")).to_contain_text("does not overtake")

    phone = new_page(user=citizen, label="phone")
    phone.set_viewport_size(PHONE)
    phone.goto(f"/consultations/{consultation.pk}/check-in/")
    prefix = f"id_stage{send.pk}_"
    phone.locator(f"label[for={prefix}frustration_4]").click()  # 4: very frustrating
    phone.locator(f"label[for={prefix}motivation_1]").click()  # 1: not motivated at all
    phone.locator(f"label[for={prefix}gave_up]").click()
    phone.get_by_role("button", name="Save my answers about “Send documents”").click()
    expect(phone.get_by_text("Thank you: your answers about “Send documents” are saved.")).to_be_visible()
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    expect(row.locator("[data-role=checkins]")).to_have_text("5")
    expect(row.locator("[data-role=frustration]")).to_have_text("4 – Very frustrating")
    expect(row.locator("[data-role=motivation]")).to_have_text("2 – Hardly motivated")
    expect(row.locator("[data-role=gave-up]")).to_have_text("20%")
    expect(viewer.locator("[data-role=journey-break]")).to_have_text(
        "The journey breaks at “Send documents”: frustration overtakes motivation there."
    )
    assert viewer.evaluate("window.__sameDocument") is True, "the viewer's page was not reloaded"
