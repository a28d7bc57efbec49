"""The proposal page's chart of supports over time: what a reader sees and hears of it, in English and
French, and when there is none."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from proposals.models import Visibility
from tests.support import factories
from tests.support.factories import at
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db

FRENCH = {"accept-language": "fr-FR,fr;q=0.9"}
ENGLISH = {"accept-language": "en"}


@pytest.fixture
def proposal():
    """Published on 3 November 2026 in a consultation that closed on 24 November: 12 supports by then."""
    consultation = factories.consultation(
        opens_at=datetime(2026, 11, 1, tzinfo=UTC), closes_at=datetime(2026, 11, 24, 18, tzinfo=UTC)
    )
    proposal = factories.ProposalFactory(
        consultation=consultation, published_at=datetime(2026, 11, 3, 9, tzinfo=UTC)
    )
    at(datetime(2026, 11, 10, 12, tzinfo=UTC), proposal, 5)
    at(datetime(2026, 11, 20, 12, tzinfo=UTC), proposal, 7)
    return proposal


def page(client, proposal, headers=ENGLISH):
    response = client.get(reverse("proposal_detail", args=[proposal.pk]), headers=headers)
    assert response.status_code == 200
    return response


def figures(html: str) -> list[tuple[str, int, int]]:
    table = re.search(r'<table class="chart__table">(.*?)</table>', html, re.S).group(1)
    return [
        (day, int(given), int(total))
        for day, given, total in re.findall(
            r'<time datetime="([\d-]+)">[^<]*</time></th><td>(\d+)</td><td>(\d+)</td>', table
        )
    ]


def test_the_chart_states_its_gist_in_english(client, proposal):
    response = page(client, proposal)
    html, text = response.content.decode(), visible_text(response)

    gist = "12 supports, from 0 on Nov. 3, 2026 to 12 on Nov. 24, 2026."
    assert re.search(r'<figure class="chart">.*<figcaption[^>]*>\s*' + re.escape(gist), html, re.S)
    assert f'role="img" aria-label="{gist}"' in html
    assert "Supports over time" in text and "Show the figures" in text
    # One bar a day from publication to the close, the last the highest.
    assert html.count('class="chart__bar"') == 22
    assert figures(html) == [
        ("2026-11-03", 0, 0),
        ("2026-11-10", 5, 5),
        ("2026-11-20", 7, 12),
        ("2026-11-24", 0, 12),
    ]


def test_the_chart_speaks_french_to_a_french_reader(client, proposal):
    response = page(client, proposal, FRENCH)
    text = visible_text(response)

    assert "12 soutiens, de 0 le 3 novembre 2026 à 12 le 24 novembre 2026." in text
    assert "Les soutiens au fil des jours" in text
    assert "Afficher les chiffres" in text
    assert "Nouveaux soutiens" in text


def test_the_chart_scales_to_a_phone(client, proposal):
    html = page(client, proposal).content.decode()
    svg = re.search(r"<svg class=\"chart__drawing\"[^>]*>", html).group(0)

    assert 'viewBox="0 0 640 200"' in svg
    # Nothing drawn past the viewBox, so nothing overflows once scaled down to the column's width.
    for x, width in re.findall(r'<rect class="chart__bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', html):
        assert float(x) + float(width) <= 640
    assert "<script" not in re.search(r'<section class="supports-chart".*?</section>', html, re.S).group(0)
    assert " style=" not in re.search(r'<section class="supports-chart".*?</section>', html, re.S).group(0)


def test_a_proposal_published_today_has_one_day(client):
    proposal = factories.ProposalFactory(published_at=timezone.now())
    at(timezone.now(), proposal, 3)
    today = timezone.localdate()

    english, french = visible_text(page(client, proposal)), visible_text(page(client, proposal, FRENCH))

    with translation.override("en"):
        assert f"3 supports, given on {date_format(today, 'DATE_FORMAT')}." in english
    with translation.override("fr"):
        assert f"3 soutiens, donnés le {date_format(today, 'DATE_FORMAT')}." in french


def test_a_proposal_without_supports_gets_a_sentence_not_a_chart(client):
    proposal = factories.ProposalFactory(published_at=timezone.now() - timedelta(days=3))

    response = page(client, proposal)

    assert "No one has supported this proposal yet." in visible_text(response)
    assert 'class="chart' not in response.content.decode()
    assert "Personne n’a encore soutenu cette proposition." in visible_text(page(client, proposal, FRENCH))


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_no_chart_for_a_proposal_out_of_public_view(client, visibility):
    author = factories.citizen()
    proposal = factories.ProposalFactory(author=author, visibility=visibility)
    client.force_login(author)

    response = page(client, proposal)

    assert 'data-role="supports-chart"' not in response.content.decode()


def test_the_page_reads_the_supports_in_one_query_however_many(client):
    proposal = factories.ProposalFactory(published_at=timezone.now() - timedelta(days=6))
    at(timezone.now() - timedelta(days=1), proposal, 2)
    page(client, proposal)  # the site's and the locale's lookups, cached after the first request
    with CaptureQueriesContext(connection) as few:
        page(client, proposal)
    for i in range(30):
        at(timezone.now() - timedelta(days=i % 6), proposal)
    with CaptureQueriesContext(connection) as many:
        page(client, proposal)

    assert len(many) == len(few)
    # The chart's grouped query; a visitor supports nothing, so nothing else reads supports.
    assert sum('FROM "votes_support"' in q["sql"] for q in many.captured_queries) == 1


def chart_fragment(client, proposal, version=None, headers=ENGLISH):
    params = {} if version is None else {"version": version}
    return client.get(reverse("proposal_supports_chart", args=[proposal.pk]), params, headers=headers)


def test_the_chart_alone_for_the_live_page_in_the_readers_language(client, proposal):
    english = chart_fragment(client, proposal)
    french = chart_fragment(client, proposal, headers=FRENCH)

    assert english.status_code == 200 and english["Content-Type"].startswith("text/html")
    html = english.content.decode()
    assert html.lstrip().startswith('<section class="supports-chart"') and "<body" not in html
    assert "12 supports, from 0 on" in html
    assert "12 soutiens" in french.content.decode()


def test_a_chart_rendered_for_a_version_serves_the_pages_that_knew_of_it_and_not_those_after(
    client, proposal
):
    first = chart_fragment(client, proposal, version=proposal.supports_version).content.decode()
    at(datetime(2026, 11, 21, 12, tzinfo=UTC), proposal, 2)  # counted afresh: 14, the version moved
    type(proposal).objects.filter(pk=proposal.pk).update(supports_version=99)

    # A page that knew only the old version gets the rendering already made (one per change for all).
    assert chart_fragment(client, proposal, version=proposal.supports_version).content.decode() == first
    # A page that heard of the new one gets it drawn again.
    with CaptureQueriesContext(connection) as drawn:
        assert "14 supports" in chart_fragment(client, proposal, version=99).content.decode()
    # A version not given yet is no reason to draw it again and again.
    with CaptureQueriesContext(connection) as served:
        assert "14 supports" in chart_fragment(client, proposal, version=10**9).content.decode()
    assert len(served) < len(drawn)


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_no_chart_of_an_unpublished_proposal_even_for_its_author(client, proposal, visibility):
    type(proposal).objects.filter(pk=proposal.pk).update(visibility=visibility)

    for user in (proposal.author, factories.moderator()):  # both may open its page
        client.force_login(user)
        assert client.get(reverse("proposal_detail", args=[proposal.pk])).status_code == 200
        assert chart_fragment(client, proposal).status_code == 404


def test_a_version_that_is_not_a_number_is_a_clear_400(client, proposal):
    response = chart_fragment(client, proposal, version="latest")

    assert response.status_code == 400
    assert response.content.decode() == "The version must be a whole number."


def bars(html: str) -> list[tuple[float, float, float, float]]:
    return [
        tuple(map(float, bar))
        for bar in re.findall(
            r'<rect class="chart__bar" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', html
        )
    ]


@pytest.mark.parametrize("headers", [ENGLISH, FRENCH])
def test_supports_all_given_on_one_day_make_one_labelled_bar_not_a_block(client, headers):
    """Published and supported today: one bar of a bar's width in the middle, its count written above it
    and its date once under it, instead of a block across the whole chart with the same date at both ends."""
    proposal = factories.ProposalFactory(published_at=timezone.now())
    at(timezone.now(), proposal, 7)
    html = page(client, proposal, headers).content.decode()

    [(x, y, width, height)] = bars(html)
    assert width <= 640 / 10  # not 80% of the width
    assert abs(x + width / 2 - 320) < 1  # centred
    label = re.search(r'<text class="chart__label" x="([\d.]+)" y="([\d.]+)"[^>]*>7</text>', html)
    assert label, "the bar's count is not written on the chart"
    assert abs(float(label.group(1)) - 320) < 1 and float(label.group(2)) < y  # above the bar
    axis = re.search(r'<p class="chart__axis[^"]*"[^>]*>(.*?)</p>', html, re.S).group(1)
    with translation.override(headers["accept-language"][:2]):
        today = date_format(timezone.localdate(), "DATE_FORMAT")
    assert re.sub(r"<[^>]+>", "", axis).strip() == today


def test_a_few_days_make_bars_of_a_bar_s_width(client):
    proposal = factories.ProposalFactory(published_at=timezone.now() - timedelta(days=1))
    at(timezone.now() - timedelta(days=1), proposal, 2)
    at(timezone.now(), proposal, 3)
    html = page(client, proposal).content.decode()

    drawn = bars(html)
    assert len(drawn) == 2
    assert all(width <= 640 / 10 for _x, _y, width, _h in drawn)
    assert drawn[0][3] < drawn[1][3]  # 2, then 5: the second taller
    assert 'class="chart__label"' not in html  # labels only for a lone day; the dates are under the axis
