"""The journey map follows check-ins live: two visitors on the same consultation (one on a phone), people
check in, and both pages' tables and drawings show a stage appear at its fifth check-in and its medians
move, without a reload.

The check-ins go through `checkin_save`, in a thread of their own: the package's browser keeps an event
loop marked as running in the test's thread, where the service's broadcast after commit (async_to_sync)
would be dropped (tests/e2e/conftest.py). Sent from the thread, it reaches the server's sockets through the
channel layer as a request's would.
"""

import threading

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from proposals.services import checkin_delete, checkin_save
from tests.support import factories
from tests.support.browser import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def in_another_thread(work) -> None:
    """Run `work` in a thread of its own, where the services' broadcasts after commit are sent."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            failed.append(error)
        finally:
            connections.close_all()  # this thread's connection, before the test database is dropped

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert not failed, failed


def check_in(consultation, stage, *answers: tuple[int, int, bool]) -> list:
    """One check-in by a new citizen per (frustration, motivation, gave up), through the service, committed
    and broadcast from another thread. The check-ins."""
    authors = [factories.citizen() for _ in answers]
    made = []

    def work() -> None:
        for author, (frustration, motivation, gave_up) in zip(authors, answers, strict=True):
            checkin, _created = checkin_save(
                author=author,
                consultation=consultation,
                stage_id=stage.pk,
                frustration=frustration,
                motivation=motivation,
                gave_up=gave_up,
            )
            made.append(checkin)

    in_another_thread(work)
    return made


def delete(*checkins) -> None:
    """Each check-in deleted by its author, as check_in saves them."""

    def work() -> None:
        for checkin in checkins:
            checkin_delete(actor=checkin.author, checkin_id=checkin.pk)

    in_another_thread(work)


def row(page: Page, stage):
    return page.locator(f"tr[data-stage='{stage.pk}']")


def drawn(page: Page, stage):
    return page.locator(f"[data-role=journey-chart] g[data-stage='{stage.pk}']")


def test_a_stage_appears_at_its_fifth_check_in_and_follows_its_median_on_both_pages(new_page):
    consultation = factories.consultation(stages=("Find out", "Send documents", "Wait"))
    find_out, send, _wait = consultation.stages.order_by("sort_order")
    check_in(consultation, find_out, *[(2, 4, False)] * 5)
    check_in(consultation, send, (4, 2, False), (4, 2, False), (5, 3, False), (5, 3, False))  # four: hidden
    wide = new_page(label="wide")
    phone = new_page(label="phone")
    phone.set_viewport_size(PHONE)
    for page in (wide, phone):
        page.goto(consultation.url)
        wait_live(page)
        page.evaluate("window.__sameDocument = true")
        expect(row(page, send).locator("[data-role=withheld]")).to_be_visible()
        expect(row(page, send).locator("[data-role=checkins]")).to_be_hidden()
        expect(drawn(page, send).locator("[data-role=figures]")).to_have_attribute("display", "none")
        expect(page.locator("[data-role=journey-break]")).to_contain_text("does not overtake")

    check_in(consultation, send, (4, 2, True))  # the fifth: frustration 4, motivation 2, one gave up

    for page in (wide, phone):
        cells = row(page, send)
        expect(cells.locator("[data-role=checkins]")).to_have_text("5")
        expect(cells.locator("[data-role=frustration]")).to_have_text("4 – Very frustrating")
        expect(cells.locator("[data-role=motivation]")).to_have_text("2 – Hardly motivated")
        expect(cells.locator("[data-role=gave-up]")).to_have_text("20%")
        expect(cells.locator("[data-role=withheld]")).to_be_hidden()
        expect(cells.locator("[data-role=break-badge]")).to_be_visible()
        figures = drawn(page, send).locator("[data-role=figures]")
        expect(figures).not_to_have_attribute("display", "none")
        expect(figures.locator("[data-role=frustration-bar]")).to_have_attribute("width", "176")
        expect(figures.locator("[data-role=motivation-bar]")).to_have_attribute("width", "88")
        expect(figures.locator("[data-role=frustration-label]")).to_have_text("Frustration 4")
        expect(figures.locator("[data-role=frustration-label]")).to_have_attribute("x", "194")
        expect(drawn(page, send).locator("[data-role=break-frame]")).not_to_have_attribute("display", "none")
        expect(page.locator("[data-role=journey-break]")).to_have_text(
            "The journey breaks at “Send documents”: frustration overtakes motivation there."
        )

    check_in(consultation, send, (5, 3, False))  # the sixth: both medians move by a half

    for page in (wide, phone):
        cells = row(page, send)
        expect(cells.locator("[data-role=checkins]")).to_have_text("6")
        expect(cells.locator("[data-role=frustration]")).to_have_text(
            "4.5 – between “Very frustrating” and “Extremely frustrating”"
        )
        expect(cells.locator("[data-role=motivation]")).to_have_text(
            "2.5 – between “Hardly motivated” and “Somewhat motivated”"
        )
        expect(cells.locator("[data-role=gave-up]")).to_have_text("17%")
        figures = drawn(page, send).locator("[data-role=figures]")
        expect(figures.locator("[data-role=frustration-bar]")).to_have_attribute("width", "198")
        expect(figures.locator("[data-role=motivation-bar]")).to_have_attribute("width", "110")
        expect(figures.locator("[data-role=motivation-label]")).to_have_text("Motivation 2.5")
        expect(figures.locator("[data-role=motivation-label]")).to_have_attribute("x", "128")
        assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    # Said in the page's polite live region, once for the rush.
    expect(wide.locator("#live-announcer")).not_to_be_empty()
    # Usable on the phone: the table scrolls in its own region, the page does not get wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_in_french_the_figures_come_in_french_numbers(new_page):
    consultation = factories.consultation(stages=("Send documents",))
    (send,) = consultation.stages.all()
    check_in(consultation, send, (4, 2, True), (4, 2, False), (5, 3, False), (5, 3, False))
    page = new_page(label="french", language="fr")
    page.goto(consultation.url)
    wait_live(page)

    check_in(consultation, send, (4, 2, False), (5, 3, False))  # five, then six: medians of 4.5 and 2.5

    cells = row(page, send)
    expect(cells.locator("[data-role=frustration]")).to_have_text(
        "4,5 – entre «\u00a0Très frustrant\u00a0» et «\u00a0Extrêmement frustrant\u00a0»"
    )
    expect(cells.locator("[data-role=gave-up]")).to_have_text("17\u202f%")
    expect(drawn(page, send).locator("[data-role=motivation-label]")).to_have_text("Motivation 2,5")


def test_after_a_dropped_connection_the_map_shows_what_changed_meanwhile(new_page):
    consultation = factories.consultation(stages=("Find out", "Send documents"))
    _find_out, send = consultation.stages.order_by("sort_order")
    check_in(consultation, send, *[(4, 2, False)] * 4)
    page = new_page(label="watching")
    page.goto(consultation.url)
    wait_live(page)
    page.evaluate("window.__sameDocument = true")

    page.context.set_offline(True)
    expect(page.locator("html[data-live=reconnecting]")).to_be_attached()
    check_in(consultation, send, (4, 2, False), (4, 2, False))  # its events are lost to this page
    page.context.set_offline(False)

    wait_live(page)
    expect(row(page, send).locator("[data-role=checkins]")).to_have_text("6")
    expect(drawn(page, send).locator("[data-role=frustration-bar]")).to_have_attribute("width", "176")
    expect(page.locator("[data-role=journey-break]")).to_contain_text("“Send documents”")
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def test_a_stage_name_made_of_markup_stays_text_in_the_sentence_built_live(new_page):
    name = '<img src=x data-hostile="1"> & “Send”'
    consultation = factories.consultation(stages=(name,))
    (stage,) = consultation.stages.all()
    check_in(consultation, stage, *[(5, 1, False)] * 4)
    page = new_page(label="watching")
    page.goto(consultation.url)
    wait_live(page)

    check_in(consultation, stage, (5, 1, False))

    expect(page.locator("[data-role=journey-break]")).to_have_text(
        f"The journey breaks at “{name}”: frustration overtakes motivation there."
    )
    expect(page.locator("[data-hostile]")).to_have_count(0)


def test_a_stage_going_back_below_five_hides_its_figures_again(new_page):
    consultation = factories.consultation(stages=("Send documents",))
    (send,) = consultation.stages.all()
    first, *_others = check_in(consultation, send, *[(4, 2, False)] * 5)
    page = new_page(label="watching")
    page.goto(consultation.url)
    wait_live(page)
    expect(row(page, send).locator("[data-role=checkins]")).to_have_text("5")

    delete(first)

    expect(row(page, send).locator("[data-role=withheld]")).to_be_visible()
    expect(row(page, send).locator("[data-role=checkins]")).to_be_hidden()
    expect(row(page, send).locator("[data-role=checkins]")).to_have_text("")  # not merely hidden
    expect(drawn(page, send).locator("[data-role=figures]")).to_have_attribute("display", "none")
    expect(drawn(page, send).locator("[data-role=frustration-label]")).to_have_text("")
    expect(page.locator("[data-role=journey-break]")).to_contain_text("does not overtake")


def test_after_a_dropped_connection_a_stage_gone_below_five_meanwhile_is_hidden(new_page):
    consultation = factories.consultation(stages=("Send documents",))
    (send,) = consultation.stages.all()
    made = check_in(consultation, send, *[(4, 2, False)] * 5)
    page = new_page(label="watching")
    page.goto(consultation.url)
    wait_live(page)
    made += check_in(consultation, send, (4, 2, False))  # heard live: six
    expect(row(page, send).locator("[data-role=checkins]")).to_have_text("6")
    page.evaluate("window.__sameDocument = true")

    page.context.set_offline(True)
    expect(page.locator("html[data-live=reconnecting]")).to_be_attached()
    delete(*made[:2])  # four: its hiding is lost to this page
    page.context.set_offline(False)

    wait_live(page)
    expect(row(page, send).locator("[data-role=withheld]")).to_be_visible()
    expect(row(page, send).locator("[data-role=checkins]")).to_be_hidden()
    expect(drawn(page, send).locator("[data-role=figures]")).to_have_attribute("display", "none")
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
