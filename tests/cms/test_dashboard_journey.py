"""The journey on the officials' dashboard: stages ranked by frustration, the months, the minimum of
check-ins kept as on the public pages, and the implementation steps late against their planned dates."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proposals.models import CheckIn, Milestone, StageTally, Status
from proposals.services import checkin_save
from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db

STAGES = ("Find out", "Apply online", "Send documents")


def dashboard(consultation) -> str:
    return reverse("cms_promises:dashboard", args=[consultation.pk])


def checked_in(consultation, stage_name: str, times: int, frustration: int, motivation: int = 3) -> None:
    stage = consultation.stages.get(name=stage_name)
    for _ in range(times):
        checkin_save(
            author=factories.citizen(),
            consultation=consultation,
            stage_id=stage.pk,
            frustration=frustration,
            motivation=motivation,
            gave_up=False,
        )


def move_to(consultation, day: date) -> None:
    """Every check-in given so far counts for `day` instead (as if given then)."""
    CheckIn.objects.filter(consultation=consultation).update(day=day)
    StageTally.objects.filter(stage__page=consultation, day__isnull=False).update(day=day)


@pytest.fixture
def journey():
    return factories.consultation(stages=STAGES)


def test_stages_are_ranked_by_frustration_and_a_thin_stage_shows_nothing(client_as, official, journey):
    checked_in(journey, "Find out", 5, frustration=2)
    checked_in(journey, "Apply online", 6, frustration=4, motivation=2)
    checked_in(journey, "Send documents", 4, frustration=5)
    text = visible_text(client_as(official).get(dashboard(journey)))
    ranked = text[text.index("Stages by frustration") : text.index("Month by month")]
    assert ranked.index("Apply online") < ranked.index("Find out") < ranked.index("Send documents")
    assert "Apply online (frustration overtakes motivation) 6 4 2 0" in ranked
    assert "Send documents Fewer than 5 check-ins" in ranked


def test_equal_medians_are_ranked_by_the_mean(client_as, official, journey):
    checked_in(journey, "Find out", 3, frustration=3)
    checked_in(journey, "Find out", 2, frustration=1)  # median 3, mean 2.2
    checked_in(journey, "Apply online", 3, frustration=3)
    checked_in(journey, "Apply online", 2, frustration=5)  # median 3, mean 3.8
    text = visible_text(client_as(official).get(dashboard(journey)))
    ranked = text[text.index("Stages by frustration") : text.index("Month by month")]
    assert ranked.index("Apply online") < ranked.index("Find out")


def test_months_from_the_first_to_the_last_with_the_minimum_kept(client_as, official, journey):
    this_month = timezone.localdate().replace(day=1)
    three_months_ago = (this_month - timedelta(days=80)).replace(day=1)
    checked_in(journey, "Apply online", 5, frustration=5, motivation=1)
    move_to(journey, three_months_ago + timedelta(days=3))
    checked_in(journey, "Apply online", 5, frustration=2, motivation=4)
    checked_in(journey, "Find out", 2, frustration=2)

    response = client_as(official).get(dashboard(journey))
    html = response.content.decode()
    months = [three_months_ago]
    while months[-1] < this_month:
        months.append((months[-1] + timedelta(days=32)).replace(day=1))
    for month in months:
        assert f'datetime="{month:%Y-%m}"' in html
    text = visible_text(response)
    table = text[text.index("Month by month") :]
    assert "frustration 5, motivation 1 (5 check-ins)" in table
    assert "frustration 2, motivation 4 (5 check-ins)" in table
    assert "(2 check-ins)" not in table, "a month with fewer than 5 check-ins shows nothing"


def test_the_dashboard_reads_tallies_not_check_ins(client_as, official, journey):
    checked_in(journey, "Find out", 5, frustration=3)
    client = client_as(official)
    client.get(dashboard(journey))  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        client.get(dashboard(journey))
    checked_in(journey, "Apply online", 40, frustration=4)
    with CaptureQueriesContext(connection) as many:
        assert client.get(dashboard(journey)).status_code == 200
    assert len(many) == len(few)
    assert not any("proposals_checkin" in query["sql"] for query in many.captured_queries)


def test_late_implementation_steps(client_as, official, journey):
    today = timezone.localdate()
    accepted = factories.ProposalFactory(consultation=journey, status=Status.ACCEPTED, title="Clearer form")
    Milestone.objects.create(proposal=accepted, title="Test the form", planned_for=today - timedelta(days=9))
    Milestone.objects.create(
        proposal=accepted,
        title="Publish the form",
        planned_for=today - timedelta(days=20),
        state=Milestone.State.DONE,
        done_on=today - timedelta(days=15),
    )
    Milestone.objects.create(proposal=accepted, title="On time", planned_for=today + timedelta(days=3))
    Milestone.objects.create(
        proposal=accepted,
        title="Done early",
        planned_for=today,
        state=Milestone.State.DONE,
        done_on=today - timedelta(days=1),
    )
    elsewhere = factories.ProposalFactory(status=Status.ACCEPTED)
    Milestone.objects.create(
        proposal=elsewhere, title="Another consultation's", planned_for=today - timedelta(days=30)
    )

    text = visible_text(client_as(official).get(dashboard(journey)))
    late = text[text.index("Implementation steps late") :]
    assert "Publish the form Clearer form" in late and "5 days" in late
    assert "Test the form Clearer form" in late and "9 days" in late
    assert late.index("Publish the form") < late.index("Test the form"), "the earliest planned first"
    for absent in ("On time", "Done early", "Another consultation's"):
        assert absent not in late


def test_nothing_late_and_no_journey(client_as, official):
    plain = factories.consultation(title="No journey")
    text = visible_text(client_as(official).get(dashboard(plain)))
    assert "No implementation step is late." in text
    assert "The service journey" not in text


def test_moderators_do_not_see_the_journey_figures(client_as, moderator, journey):
    checked_in(journey, "Find out", 5, frustration=3)
    response = client_as(moderator).get(dashboard(journey))
    assert response.status_code == 403 and "Stages by frustration" not in response.content.decode()
