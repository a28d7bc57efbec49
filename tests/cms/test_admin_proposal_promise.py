"""The official who responds sees the petition promise on the proposal's admin page, as citizens see it on
the site: progress towards the threshold, then the response due, overdue, or answered, with the date."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from proposals.services import response_publish
from tests.support import factories
from tests.support.factories import awaiting

pytestmark = pytest.mark.django_db


def promise(client, proposal) -> str:
    """The text of the proposal's promise on its admin page, as a screen reader says it (no marks)."""
    response = client.get(reverse("cms_proposals:detail", args=[proposal.pk]))
    assert response.status_code == 200
    html = re.search(r'<dd data-role="promise">(.*?)</dd>', response.content.decode(), re.S).group(1)
    html = re.sub(r'<span [^>]*aria-hidden="true">.*?</span>', "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def day(value) -> str:
    return date_format(timezone.localtime(value), "DATE_FORMAT")


@pytest.fixture
def official_client(client_as, official):
    return client_as(official)


def test_before_the_threshold_the_progress(official_client, consultation):
    proposal = factories.ProposalFactory(consultation=consultation, supports_count=3)
    html = official_client.get(reverse("cms_proposals:detail", args=[proposal.pk])).content.decode()
    progress = re.search(r'<progress [^>]*data-role="supports-progress"[^>]*>', html).group(0)
    assert f'max="{consultation.support_threshold}" value="3"' in progress
    assert f"3 of {consultation.support_threshold} supports" in promise(official_client, proposal)


def test_the_date_a_response_is_due(official_client, consultation):
    proposal = awaiting(consultation, due_in_days=12)
    assert f"An official response is due by {day(proposal.response_due_at)}" in promise(
        official_client, proposal
    )


def test_overdue_since_the_date_it_was_due(official_client, consultation):
    proposal = awaiting(consultation, due_in_days=-2)
    text = promise(official_client, proposal)
    assert f"Overdue: the response was due on {day(proposal.response_due_at)}" in text


def test_answered_on_the_date_of_the_first_response(official_client, official, consultation):
    proposal = awaiting(consultation, due_in_days=-2)
    response_publish(actor=official, proposal=proposal, body="Yes, from June.")
    proposal.refresh_from_db()
    text = promise(official_client, proposal)
    assert f"Answered on {day(proposal.responded_at)}" in text
    assert "Overdue" not in text


def test_moderators_see_it_too(client_as, moderator, consultation):
    proposal = awaiting(consultation, due_in_days=-2)
    assert "Overdue: the response was due on" in promise(client_as(moderator), proposal)
