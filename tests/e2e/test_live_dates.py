"""Dates that live.js inserts (an official response's publication, the response deadline once the threshold
is reached) read as the server writes them in the page's language: Django's DATE_FORMAT in the site's time
zone, in a <time datetime> element. Expected texts come from Django itself, so the two cannot drift apart."""

from datetime import datetime

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from proposals.models import OfficialResponse, Proposal
from tests.support import factories
from tests.support.browser import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown_date(value, language: str) -> str:
    with translation.override(language):
        return date_format(timezone.localtime(value), "DATE_FORMAT")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_dates_inserted_live_read_as_the_server_writes_them(new_page, server_api, language):
    consultation = factories.consultation(support_threshold=1, response_deadline_days=30)
    proposal = factories.ProposalFactory(consultation=consultation, title="Pay the first benefit faster")
    watching = new_page(label="watching", language=language)
    watching.goto(proposal.get_absolute_url())
    expect(watching.locator("html")).to_have_attribute("lang", language)
    wait_live(watching)
    article = watching.locator(f"article[data-proposal-id='{proposal.pk}']")

    assert server_api(factories.citizen())("POST", f"/api/v1/proposals/{proposal.pk}/support/").status == 201
    due = Proposal.objects.get(pk=proposal.pk).response_due_at
    deadline = article.locator("[data-role=threshold] time")
    expect(deadline).to_have_text(shown_date(due, language))
    assert deadline.get_attribute("datetime"), "the deadline has no machine-readable date"

    published = server_api(factories.official())(
        "POST", f"/api/v1/proposals/{proposal.pk}/responses/", {"body": "Agreed: it is on the roadmap."}
    )
    assert published.status == 201, published.body
    answer = OfficialResponse.objects.get(pk=published.body["id"])
    time = article.locator(f"article[data-response-id='{answer.pk}'] .response__meta time")
    expect(time).to_have_text(shown_date(answer.published_at, language))
    assert time.get_attribute("datetime"), "the publication date has no machine-readable date"
    answered = article.locator("[data-role=threshold] time")
    expect(answered).to_have_text(shown_date(answer.published_at, language))

    # A reload renders the same dates on the server.
    watching.reload()
    expect(time).to_have_text(shown_date(answer.published_at, language))
    expect(answered).to_have_text(shown_date(answer.published_at, language))


# Times around the edges of the formats: midnight and noon (words in English), minutes or none (5 p.m. or
# 5:05 p.m.), a single-digit day, both sides of the summer-time changes in the site's time zone.
INSTANTS = [
    "2026-01-05T23:00:00+00:00",
    "2026-03-29T00:59:00+00:00",
    "2026-03-29T01:00:00+00:00",
    "2026-06-30T10:00:00+00:00",
    "2026-09-04T16:00:00+00:00",
    "2026-10-25T00:30:00+00:00",
    "2026-10-25T01:30:00+00:00",
    "2026-11-24T08:05:00+00:00",
    "2026-12-31T22:59:00+00:00",
]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_browser_writes_dates_and_times_as_the_server_does(new_page, language):
    proposal = factories.ProposalFactory(consultation=factories.consultation())
    page = new_page(language=language)
    page.goto(proposal.get_absolute_url())
    wait_live(page)

    written = page.evaluate(
        """async (instants) => {
            // The module the page loaded, at the address it has under the site's static storage.
            const url = performance.getEntriesByType("resource").map((entry) => entry.name)
                .find((name) => /\\/frontend\\/shared[.\\w]*\\.js$/.test(name));
            const { formatDate } = await import(url);
            const config = JSON.parse(document.getElementById("live-config").textContent).date;
            const both = (iso) => [formatDate(config, iso), formatDate(config, iso, config.datetime_format)];
            return instants.map(both);
        }""",
        INSTANTS,
    )

    with translation.override(language):
        expected = [
            [date_format(localtime(iso), "DATE_FORMAT"), date_format(localtime(iso), "DATETIME_FORMAT")]
            for iso in INSTANTS
        ]
    assert written == expected


def localtime(iso: str):
    return timezone.localtime(datetime.fromisoformat(iso))
