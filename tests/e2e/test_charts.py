"""The proposal page's chart of supports over time and the consultation's funnel, in a browser at phone
width: drawn within the screen, and the chart's figures reached with the keyboard."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.votes.test_supports_by_day import at

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
