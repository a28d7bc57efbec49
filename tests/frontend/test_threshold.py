"""The petition promise on the proposal page and on the cards of the consultation page: progress towards the
threshold, then the deadline, overdue, answered. Server-rendered, so it reads the same without JS."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from proposals.models import Proposal
from proposals.services import response_publish
from tests.support import factories
from tests.support.pages import visible_text
from votes.services import support_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    return factories.consultation(support_threshold=10, response_deadline_days=30)


def detail(client, proposal):
    return client.get(reverse("proposal_detail", args=[proposal.pk]))


def shown_date(value) -> str:
    return date_format(timezone.localtime(value), "DATE_FORMAT")


def client_for_language(language: str) -> Client:
    return Client(headers={"accept-language": language})


def promise(proposal: Proposal, *, reached_days_ago: int, days: int = 30) -> Proposal:
    reached = timezone.now() - timedelta(days=reached_days_ago)
    Proposal.objects.filter(pk=proposal.pk).update(
        threshold_reached_at=reached, response_due_at=reached + timedelta(days=days)
    )
    proposal.refresh_from_db()
    return proposal


def test_progress_towards_the_threshold_is_said_in_words_and_shown(client, page):
    proposal = factories.ProposalFactory(consultation=page, supports_count=3)
    response = detail(client, proposal)
    html, text = response.content.decode(), visible_text(response)

    assert "3 of 10 supports" in text
    progress = re.search(r"<progress [^>]*>", html).group(0)
    assert 'max="10"' in progress and 'value="3"' in progress
    # Its accessible name is the visible sentence.
    label_id = re.search(r'aria-labelledby="([^"]+)"', progress).group(1)
    assert re.search(rf'id="{label_id}"[^>]*>3 of 10 supports<', html)
    assert "response is due by" not in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Threshold reached: 30 supports (25 needed)"),
        ("fr", "Seuil atteint\u00a0: 30 soutiens (25 requis)"),
    ],
)
def test_a_threshold_lowered_below_the_count_reads_as_reached(language, expected):
    """A consultation's threshold lowered after a proposal passed it: no promise was made at the crossing,
    and "30 of 25" would make no sense."""
    page = factories.consultation(support_threshold=25)
    proposal = factories.ProposalFactory(consultation=page, supports_count=30)
    for response in (
        detail(client_for_language(language), proposal),
        client_for_language(language).get(page.url),
    ):
        html = response.content.decode()
        assert f'data-state="met">{expected}</p>' in html  # the raw text: no-break space and all
        assert "30 of 25" not in html and "30 sur 25" not in html
        progress = re.search(r"<progress [^>]*>", html).group(0)
        assert 'max="25"' in progress and 'value="25"' in progress


def test_the_count_at_the_threshold_reads_as_reached_in_the_singular(client):
    proposal = factories.ProposalFactory(
        consultation=factories.consultation(support_threshold=1), supports_count=1
    )
    assert "Threshold reached: 1 support (1 needed)" in visible_text(detail(client, proposal))


def test_progress_reads_in_french(client):
    proposal = factories.ProposalFactory(
        consultation=factories.consultation(support_threshold=10), supports_count=3
    )
    assert "3 sur 10 soutiens" in visible_text(detail(client_for_language("fr"), proposal))


def test_a_threshold_of_one_reads_in_the_singular(client):
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=1))
    assert "0 of 1 support " in visible_text(detail(client, proposal))


def test_the_support_that_reaches_the_threshold_shows_the_deadline(client, page):
    page.support_threshold = 1
    page.save()
    proposal = factories.ProposalFactory(consultation=page)
    support_add(user=factories.citizen(), proposal=proposal)
    proposal.refresh_from_db()

    response = detail(client, proposal)
    text = visible_text(response)
    assert f"An official response is due by {shown_date(proposal.response_due_at)}" in text
    assert "<progress" not in response.content.decode()
    assert "Awaiting an official response" in text
    assert "Overdue" not in text


def test_a_promise_past_its_deadline_says_overdue_in_words(client, page):
    proposal = promise(factories.ProposalFactory(consultation=page), reached_days_ago=40)
    response = detail(client, proposal)
    text = visible_text(response)
    assert f"Overdue: the response was due on {shown_date(proposal.response_due_at)}" in text
    assert "threshold__state--overdue" in response.content.decode()


def test_an_answered_promise_says_when(client, page, official):
    proposal = promise(factories.ProposalFactory(consultation=page), reached_days_ago=40)
    answer = response_publish(actor=official, proposal=proposal, body="Here is our answer.")
    text = visible_text(detail(client, proposal))
    assert f"Answered on {shown_date(answer.published_at)}" in text
    assert "Overdue" not in text and "is due by" not in text


def test_an_answer_before_the_threshold_is_shown_as_answered(client, page, official):
    proposal = factories.ProposalFactory(consultation=page, supports_count=2)
    response_publish(actor=official, proposal=proposal, body="We are on it.")
    text = visible_text(detail(client, proposal))
    assert "Answered on" in text and "2 of 10 supports" not in text


def test_each_card_shows_its_own_state(client, page, official):
    progressing = factories.ProposalFactory(consultation=page, supports_count=4, title="Progressing")
    due = promise(factories.ProposalFactory(consultation=page, supports_count=12), reached_days_ago=1)
    overdue = promise(factories.ProposalFactory(consultation=page, supports_count=11), reached_days_ago=31)
    response = client.get(page.url)
    html, text = response.content.decode(), visible_text(response)

    assert "4 of 10 supports" in text
    assert f"An official response is due by {shown_date(due.response_due_at)}" in text
    assert f"Overdue: the response was due on {shown_date(overdue.response_due_at)}" in text
    # One progress bar on the page (the card template's is not shown), named by its own sentence.
    assert f'aria-labelledby="threshold-{progressing.pk}-text"' in html
    ids = re.findall(r'id="(threshold-[^"]+)"', re.sub(r"<template\b.*?</template>", "", html, flags=re.S))
    assert ids == [f"threshold-{progressing.pk}-text"]


def test_the_card_template_knows_the_threshold(client, page):
    html = client.get(page.url).content.decode()
    template = re.search(r'<template id="proposal-card-template">(.*?)</template>', html, re.S).group(1)
    assert 'max="10"' in template and "0 of 10 supports" in re.sub(r"<[^>]+>", "", template)


def test_the_consultation_page_reads_the_same_number_of_queries_for_more_proposals(client, page):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page.url).status_code == 200
        return len(captured)

    factories.ProposalFactory(consultation=page)
    promise(factories.ProposalFactory(consultation=page), reached_days_ago=1)
    queries()  # the first request also reads what the site caches (its root paths)
    few = queries()
    for days in (1, 20, 40, 50):
        promise(factories.ProposalFactory(consultation=page), reached_days_ago=days)
    assert queries() == few


def test_the_live_script_gets_the_texts_of_the_promise(client, page):
    proposal = factories.ProposalFactory(consultation=page)
    html = detail(client, proposal).content.decode()
    config = re.search(r'<script id="live-config"[^>]*>(.*?)</script>', html, re.S).group(1)
    keys = ("threshold_progress", "threshold_met", "threshold_due", "threshold_overdue", "threshold_answered")
    for key in (*keys, "threshold_reached"):
        assert f'"{key}"' in config
