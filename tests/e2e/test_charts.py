"""The proposal page's chart of supports over time and the consultation's funnel, in a browser at phone
width: drawn within the screen, and the chart's figures reached with the keyboard; the chart drawn again
after supports given elsewhere, without a reload."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.support import factories
from tests.support.browser import ARTIFACTS, wait_live
from tests.support.factories import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE_ENOUGH = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize("language", [None, "fr"])
def test_chart_and_funnel_fit_a_320_px_screen(new_page, language):
    consultation = factories.consultation(opens_at=timezone.now() - timedelta(days=400))
    proposal = factories.ProposalFactory(
        consultation=consultation, published_at=timezone.now() - timedelta(days=366)
    )
    for i in range(0, 366, 3):
        at(timezone.now() - timedelta(days=i), proposal, 2)
    page = new_page(language=language)
    page.set_viewport_size({"width": 320, "height": 700})

    page.goto(f"/proposals/{proposal.pk}/")

    chart = page.locator("svg.chart__drawing")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= 320
    assert page.evaluate(WIDE_ENOUGH)
    gist = "244 soutiens" if language == "fr" else "244 supports"
    expect(chart).to_have_attribute("aria-label", re.compile(gist))

    # The figures, behind their disclosure, by keyboard alone.
    table = page.locator("table.chart__table")
    expect(table).to_be_hidden()
    page.locator(".chart__figures > summary").focus()
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").last.locator("td").last).to_have_text("244")
    assert page.evaluate(WIDE_ENOUGH)

    page.goto(consultation.url)
    expect(page.locator('[data-role="funnel"] [data-step="published"] .funnel__count')).to_have_text("1")
    for part in page.locator('[data-role="funnel"], [data-role="funnel"] svg').all():
        box = part.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320


def test_the_chart_follows_supports_given_elsewhere_without_a_reload(new_page, server_api):
    proposal = factories.ProposalFactory(title="Pay the first benefit faster")
    page = new_page(language="fr")
    page.goto(f"/proposals/{proposal.pk}/")
    wait_live(page)
    page.evaluate("window.__sameDocument = true")
    expect(page.locator('[data-role="supports-chart-empty"]')).to_be_visible()

    for _ in range(2):
        supported = server_api(factories.citizen())("POST", f"/api/v1/proposals/{proposal.pk}/support/")
        assert supported.status == 201, supported.body

    # The count at once; the chart within a few seconds, both supports drawn in one refresh or two.
    expect(page.locator("[data-role=supports-count]").first).to_have_text("2")
    gist = page.locator('[data-role="supports-chart-gist"]')
    expect(gist).to_have_text(re.compile(r"^2 soutiens, donnés le "), timeout=15_000)
    expect(page.locator("svg.chart__drawing rect.chart__bar")).to_have_count(1)
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"

    # The figures left open stay open, with the focus on their summary, when the chart is drawn again.
    page.locator(".chart__figures > summary").focus()
    page.keyboard.press("Enter")
    assert server_api(factories.citizen())("POST", f"/api/v1/proposals/{proposal.pk}/support/").status == 201
    standing = page.locator("table.chart__table tbody tr").last.locator("td").last
    expect(standing).to_have_text("3", timeout=15_000)
    expect(page.locator(".chart__figures > summary")).to_be_focused()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_supports_of_one_day_read_as_one_bar_with_its_count_at_phone_width(new_page, language):
    """Every support given today: a bar of a bar's width with its count over it, readable on a phone, not
    a block across the chart. Left as a screenshot for reviewers."""
    proposal = factories.ProposalFactory(published_at=timezone.now())
    at(timezone.now(), proposal, 7)
    page = new_page(language=language)
    page.set_viewport_size({"width": 360, "height": 800})

    page.goto(f"/proposals/{proposal.pk}/")

    drawing = page.locator("svg.chart__drawing").bounding_box()
    bar = page.locator("svg.chart__drawing rect.chart__bar").bounding_box()
    label = page.locator("svg.chart__drawing text.chart__label")
    expect(label).to_have_text("7")
    assert bar["width"] < drawing["width"] / 8
    assert label.bounding_box()["height"] >= 12  # a figure one can read at this width
    assert label.bounding_box()["y"] + label.bounding_box()["height"] <= bar["y"] + 1  # over the bar
    expect(page.locator(".chart__axis time")).to_have_count(1)
    page.locator("[data-role=supports-chart]").screenshot(
        path=ARTIFACTS / "screenshots" / f"supports-chart-one-day-{language}-360.png"
    )
