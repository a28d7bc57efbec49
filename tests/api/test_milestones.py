"""GET and POST /api/v1/proposals/{id}/milestones/, PATCH /api/v1/milestones/{id}/: anyone who may read a
proposal reads its implementation steps; only officials plan and move them, and a refused or bad request
writes nothing (every answer is also checked against the schema, see conftest.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from proposals.models import AuditEntry, Follow, Milestone, Notification, Status, Visibility
from proposals.services import milestone_add, milestone_update
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for

pytestmark = pytest.mark.django_db

NOT_OFFICIALS = [role for role in ROLES if role not in ("official", "superuser")]


def today():
    return timezone.localdate()


def steps_url(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/milestones/"


def step_url(milestone) -> str:
    return f"/api/v1/milestones/{milestone.pk}/"


@pytest.fixture
def accepted(consultation):
    return factories.ProposalFactory(consultation=consultation, status=Status.ACCEPTED, title="Pay sooner")


@pytest.fixture
def step(accepted, official):
    return milestone_add(
        actor=official, proposal=accepted, title="Form tested", planned_for=today() + timedelta(days=10)
    )


def written() -> tuple:
    return (
        list(Milestone.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
        Notification.objects.count(),
    )


# Reading


@pytest.mark.parametrize("role", ROLES)
def test_anyone_who_may_read_the_proposal_reads_its_steps(role, as_role, step, official):
    later = milestone_add(actor=official, proposal=step.proposal, title="Rolled out", planned_for=today())
    milestone_update(actor=official, milestone_id=later.pk, state="done", note="Everywhere.")
    _user, client = as_role(role)

    response = client.get(steps_url(step.proposal))

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": later.pk,
            "proposal": step.proposal_id,
            "title": "Rolled out",
            "state": "done",
            "state_label": "Done",
            "planned_for": today().isoformat(),
            "started_on": None,
            "done_on": today().isoformat(),
            "note": "Everywhere.",
            "late": False,
        },
        {
            "id": step.pk,
            "proposal": step.proposal_id,
            "title": "Form tested",
            "state": "planned",
            "state_label": "Planned",
            "planned_for": (today() + timedelta(days=10)).isoformat(),
            "started_on": None,
            "done_on": None,
            "note": "",
            "late": False,
        },
    ]


def test_the_labels_are_in_the_readers_language(api, step):
    [item] = api.get(steps_url(step.proposal), HTTP_ACCEPT_LANGUAGE="fr").json()
    assert item["state_label"] == "Planifiée"


def test_a_late_step_says_so(api, step):
    Milestone.objects.filter(pk=step.pk).update(planned_for=today() - timedelta(days=1))
    [item] = api.get(steps_url(step.proposal)).json()
    assert item["late"] is True


def test_steps_of_a_proposal_one_may_not_see_are_not_found(api, step):
    step.proposal.visibility = Visibility.HIDDEN
    step.proposal.save(update_fields=["visibility"])
    assert_error(api.get(steps_url(step.proposal)), 404, "not_found")
    moderator_view = client_for(factories.moderator()).get(steps_url(step.proposal))
    assert moderator_view.status_code == 200 and len(moderator_view.json()) == 1


def test_a_proposal_without_steps_has_an_empty_list(api, consultation):
    assert api.get(steps_url(factories.ProposalFactory(consultation=consultation))).json() == []


# Planning


def test_an_official_plans_a_step(accepted, official):
    follower = factories.citizen()
    Follow.objects.create(user=follower, proposal=accepted)
    body = {"title": "Form tested", "planned_for": "2027-03-01", "note": "Ten claimants."}

    response = client_for(official).post(steps_url(accepted), body, format="json")

    assert response.status_code == 201
    milestone = Milestone.objects.get()
    assert response.json()["id"] == milestone.pk
    assert (milestone.title, milestone.planned_for.isoformat(), milestone.note) == (
        "Form tested",
        "2027-03-01",
        "Ten claimants.",
    )
    assert list(Notification.objects.values_list("recipient_id", "entry__action")) == [
        (follower.pk, "milestone_planned")
    ]


@pytest.mark.parametrize("role", NOT_OFFICIALS)
def test_only_officials_plan(role, as_role, accepted):
    _user, client = as_role(role)
    before = written()

    response = client.post(
        steps_url(accepted), {"title": "Sneaky", "planned_for": "2027-03-01"}, format="json"
    )

    if role == "anonymous":
        assert_error(response, 401, "not_authenticated")
    else:
        assert_error(response, 403, "forbidden")
    assert written() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Step", "planned_for": "01/03/2027"}, "planned_for"),
        ({"title": "Step", "planned_for": "2027-02-30"}, "planned_for"),
        ({"title": "Step", "planned_for": "2027-03-01T10:00:00"}, "planned_for"),
        ({"title": "Step", "planned_for": 20270301}, "planned_for"),
        ({"title": "Step"}, "planned_for"),
        ({"title": 123, "planned_for": "2027-03-01"}, "title"),
        ({"title": "x" * 141, "planned_for": "2027-03-01"}, "title"),
        ({"title": "   ", "planned_for": "2027-03-01"}, "title"),
        ({"title": "Step", "planned_for": "2027-03-01", "note": "x" * 1001}, "note"),
        ({"title": "Step", "planned_for": "2027-03-01", "note": ["a list"]}, "note"),
    ],
)
def test_bad_steps_are_refused_and_nothing_is_written(body, field, accepted, official):
    before = written()
    assert_error(client_for(official).post(steps_url(accepted), body, format="json"), 400, "invalid", [field])
    assert written() == before


@pytest.mark.parametrize(
    ("status", "visibility", "code"),
    [
        (Status.REJECTED, Visibility.PUBLISHED, "proposal_not_accepted"),
        (Status.OPEN, Visibility.PUBLISHED, "proposal_not_accepted"),
        (Status.UNDER_REVIEW, Visibility.PUBLISHED, "proposal_not_accepted"),
        (Status.ACCEPTED, Visibility.HIDDEN, "proposal_not_published"),
        (Status.ACCEPTED, Visibility.PENDING, "proposal_not_published"),
    ],
)
def test_only_a_published_accepted_proposal_takes_steps(status, visibility, code, consultation, official):
    proposal = factories.ProposalFactory(consultation=consultation, status=status, visibility=visibility)
    before = written()
    response = client_for(official).post(
        steps_url(proposal), {"title": "Step", "planned_for": "2027-03-01"}, format="json"
    )
    assert_error(response, 409, code)
    assert written() == before


def test_a_json_list_is_refused(accepted, official):
    before = written()
    assert_error(client_for(official).post(steps_url(accepted), [1], format="json"), 400, "malformed_request")
    assert written() == before


def test_an_unknown_proposal_is_not_found(official):
    response = client_for(official).post(
        "/api/v1/proposals/999999/milestones/", {"title": "Step", "planned_for": "2027-03-01"}, format="json"
    )
    assert_error(response, 404, "not_found")


# Moving forward


def test_an_official_starts_then_completes_a_step(step, official):
    client = client_for(official)
    started = client.patch(
        step_url(step),
        {"state": "in_progress", "on": (today() - timedelta(days=1)).isoformat()},
        format="json",
    )
    assert started.status_code == 200
    assert (started.json()["state"], started.json()["started_on"]) == (
        "in_progress",
        (today() - timedelta(days=1)).isoformat(),
    )
    done = client.patch(step_url(step), {"state": "done", "note": "Live."}, format="json")
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["done_on"], done.json()["note"]) == (
        "done",
        today().isoformat(),
        "Live.",
    )
    assert list(AuditEntry.objects.filter(milestone=step).values_list("action", flat=True)) == [
        "milestone_planned",
        "milestone_started",
        "milestone_done",
    ]


def test_an_official_reschedules_a_step(step, official):
    response = client_for(official).patch(step_url(step), {"planned_for": "2027-06-01"}, format="json")
    assert response.status_code == 200
    assert response.json()["planned_for"] == "2027-06-01"
    assert AuditEntry.objects.filter(milestone=step).last().action == "milestone_replanned"


@pytest.mark.parametrize("role", NOT_OFFICIALS)
def test_only_officials_move_steps(role, as_role, step):
    _user, client = as_role(role)
    before = written()
    response = client.patch(step_url(step), {"state": "done"}, format="json")
    if role == "anonymous":
        assert_error(response, 401, "not_authenticated")
    else:
        assert_error(response, 403, "forbidden")
    assert written() == before


def test_a_step_of_a_proposal_a_citizen_may_not_see_is_not_found(step):
    step.proposal.visibility = Visibility.HIDDEN
    step.proposal.save(update_fields=["visibility"])
    before = written()
    assert_error(
        client_for(factories.citizen()).patch(step_url(step), {"state": "done"}, format="json"),
        404,
        "not_found",
    )
    assert written() == before


@pytest.mark.parametrize(
    ("first", "then", "code"),
    [
        ("in_progress", "planned", "milestone_backwards"),
        ("in_progress", "in_progress", "milestone_backwards"),
        ("done", "in_progress", "milestone_done"),
        ("done", "done", "milestone_done"),
    ],
)
def test_states_only_move_forward(first, then, code, step, official):
    client = client_for(official)
    assert client.patch(step_url(step), {"state": first}, format="json").status_code == 200
    before = written()
    assert_error(client.patch(step_url(step), {"state": then}, format="json"), 409, code)
    assert written() == before


def test_a_step_of_a_proposal_rejected_since_is_refused(step, official):
    step.proposal.status = Status.REJECTED
    step.proposal.save(update_fields=["status"])
    before = written()
    response = client_for(official).patch(step_url(step), {"state": "done"}, format="json")
    assert_error(response, 409, "proposal_not_accepted")
    assert written() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"state": "done", "on": "yesterday"}, ["on"]),
        ({"state": "done", "on": "2026-02-30"}, ["on"]),
        ({"state": "done", "on": (timezone.localdate() + timedelta(days=2)).isoformat()}, ["on"]),
        ({"state": "finished"}, ["state"]),
        ({"state": 2}, ["state"]),
        ({"planned_for": "soon"}, ["planned_for"]),
        ({"state": "done", "note": "x" * 1001}, ["note"]),
        ({"state": "done", "note": 5}, ["note"]),
        ({"on": "2026-01-01"}, ["on"]),
        ({}, []),
        ({"state": "done", "planned_for": "2027-06-01"}, []),
    ],
)
def test_bad_changes_are_refused_and_nothing_is_written(body, fields, step, official):
    before = written()
    assert_error(client_for(official).patch(step_url(step), body, format="json"), 400, "invalid", fields)
    assert written() == before


def test_an_unknown_step_is_not_found(official):
    assert_error(
        client_for(official).patch("/api/v1/milestones/999999/", {"state": "done"}, format="json"),
        404,
        "not_found",
    )


def test_steps_show_in_the_history(step, official, api):
    milestone_update(actor=official, milestone_id=step.pk, state="done", note="Live.")
    entries = api.get(f"/api/v1/proposals/{step.proposal_id}/history/").json()
    assert [(e["action"], e["milestone"], e["to_value"], e["to_label"], e["reason"]) for e in entries] == [
        ("milestone_planned", step.pk, "planned", "Planned", ""),
        ("milestone_done", step.pk, "done", "Done", "Live."),
    ]
    assert entries[1]["action_label"] == "Implementation step done"


@pytest.fixture
def tight_rates(monkeypatch):
    """DRF reads the rates when the throttle class is defined, so the class attribute is what to change."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"official": "2/minute"})


def test_writes_are_rate_limited_and_reads_are_not(tight_rates, accepted, official, api):
    client = client_for(official)
    for n in range(2):
        body = {"title": f"Step {n}", "planned_for": "2027-03-01"}
        assert client.post(steps_url(accepted), body, format="json").status_code == 201
    before = written()
    response = client.post(
        steps_url(accepted), {"title": "Third", "planned_for": "2027-03-01"}, format="json"
    )
    assert_error(response, 429, "rate_limited")
    assert written() == before
    for _ in range(3):
        assert api.get(steps_url(accepted)).status_code == 200
