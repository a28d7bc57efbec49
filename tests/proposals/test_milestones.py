"""“You said, we did”: officials plan an accepted proposal's implementation steps and move them forward; each
change is one public audit entry that tells the followers once, in the site and by e-mail, and one live
event after commit. Every refusal writes nothing."""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError
from proposals import notifications, permissions
from proposals.models import (
    AuditAction,
    AuditEntry,
    Follow,
    Milestone,
    MilestoneState,
    Notification,
    Status,
    Visibility,
)
from proposals.services import milestone_add, milestone_update
from tests.support import factories
from tests.support.broadcasts import broadcast_events as live_events

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def accepted(consultation):
    return factories.ProposalFactory(consultation=consultation, title="Pay sooner", status=Status.ACCEPTED)


@pytest.fixture
def step(accepted, official):
    return milestone_add(
        actor=official, proposal=accepted, title="New form tested", planned_for=TODAY() + timedelta(days=30)
    )


def follower(proposal, **kwargs):
    user = factories.citizen(**kwargs)
    Follow.objects.create(user=user, proposal=proposal)
    return user


def written() -> tuple[int, int, int]:
    """What a refusal must leave as it was: steps, audit entries, notifications."""
    return Milestone.objects.count(), AuditEntry.objects.count(), Notification.objects.count()


def plain(text: str) -> str:
    """French puts a no-break space inside « » and before a colon; these tests read it as a space."""
    return text.replace("\u00a0", " ")


# Planning and moving forward


def test_an_official_plans_a_step_as_a_public_entry(accepted, official):
    milestone = milestone_add(
        actor=official,
        proposal=accepted,
        title="  New form tested  ",
        planned_for=date(2027, 3, 1),
        note="With ten claimants.",
    )
    assert (milestone.title, milestone.state, milestone.planned_for) == (
        "New form tested",
        "planned",
        date(2027, 3, 1),
    )
    assert milestone.note == "With ten claimants."
    [entry] = AuditEntry.objects.filter(milestone=milestone)
    assert (entry.action, entry.to_value, entry.reason, entry.public) == (
        AuditAction.MILESTONE_PLANNED,
        MilestoneState.PLANNED,
        "With ten claimants.",
        True,
    )
    assert (entry.actor, entry.actor_role) == (official, "official")


def test_a_step_goes_planned_started_done(step, official):
    started = milestone_update(
        actor=official, milestone_id=step.pk, state="in_progress", on=TODAY() - timedelta(days=2)
    )
    assert (started.state, started.started_on, started.done_on) == (
        "in_progress",
        TODAY() - timedelta(days=2),
        None,
    )
    done = milestone_update(actor=official, milestone_id=step.pk, state="done", note="Live for everyone.")
    assert (done.state, done.done_on, done.note) == ("done", TODAY(), "Live for everyone.")
    entries = list(AuditEntry.objects.filter(milestone=step).values_list("action", "from_value", "to_value"))
    assert entries == [
        ("milestone_planned", "", "planned"),
        ("milestone_started", "planned", "in_progress"),
        ("milestone_done", "in_progress", "done"),
    ]


def test_a_planned_step_may_be_done_at_once(step, official):
    done = milestone_update(
        actor=official, milestone_id=step.pk, state="done", on=TODAY() - timedelta(days=1)
    )
    assert (done.state, done.started_on, done.done_on) == ("done", None, TODAY() - timedelta(days=1))


def test_a_step_is_rescheduled_keeping_its_state(step, official):
    milestone_update(actor=official, milestone_id=step.pk, state="in_progress")
    later = TODAY() + timedelta(days=60)
    moved = milestone_update(actor=official, milestone_id=step.pk, planned_for=later, note="Supplier late.")
    assert (moved.state, moved.planned_for, moved.note) == ("in_progress", later, "Supplier late.")
    entry = AuditEntry.objects.filter(milestone=step).last()
    assert (entry.action, entry.to_value, entry.reason) == (
        "milestone_replanned",
        "in_progress",
        "Supplier late.",
    )


def test_an_implemented_proposal_takes_steps_too(consultation, official):
    proposal = factories.ProposalFactory(consultation=consultation, status=Status.IMPLEMENTED)
    assert milestone_add(actor=official, proposal=proposal, title="Evaluation", planned_for=TODAY()).pk


def test_late_is_said_against_the_planned_date(step, official):
    assert not step.is_late()
    assert step.is_late(today=step.planned_for + timedelta(days=1))
    Milestone.objects.filter(pk=step.pk).update(planned_for=TODAY() - timedelta(days=10))
    done = milestone_update(actor=official, milestone_id=step.pk, state="done")
    assert done.is_late()  # done after its date stays late in the record


# Refusals: nothing written


@pytest.mark.parametrize("role", ["anonymous", "citizen", "unverified", "moderator", "inactive official"])
def test_only_officials_plan_or_move_steps(role, accepted, step):
    from django.contrib.auth.models import AnonymousUser

    user = {
        "anonymous": AnonymousUser,
        "citizen": factories.citizen,
        "unverified": factories.unverified_citizen,
        "moderator": factories.moderator,
        "inactive official": lambda: factories.official(is_active=False),
    }[role]()
    assert not permissions.can_manage_milestones(user)
    before = written()
    with pytest.raises(NotAllowed):
        milestone_add(actor=user, proposal=accepted, title="Sneaky", planned_for=TODAY())
    with pytest.raises(NotAllowed):
        milestone_update(actor=user, milestone_id=step.pk, state="done")
    assert written() == before
    step.refresh_from_db()
    assert step.state == "planned"


def test_officials_and_admins_may(official):
    admin = factories.citizen(is_superuser=True)
    assert permissions.can_manage_milestones(official) and permissions.can_manage_milestones(admin)


@pytest.mark.parametrize(
    "status", [Status.OPEN, Status.AWAITING_RESPONSE, Status.UNDER_REVIEW, Status.REJECTED]
)
def test_only_an_accepted_proposal_has_steps(status, consultation, official):
    proposal = factories.ProposalFactory(consultation=consultation, status=status)
    before = written()
    with pytest.raises(Conflict) as refused:
        milestone_add(actor=official, proposal=proposal, title="Step", planned_for=TODAY())
    assert refused.value.code == "proposal_not_accepted"
    assert written() == before


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_an_unpublished_proposal_takes_no_steps(visibility, consultation, official):
    proposal = factories.ProposalFactory(
        consultation=consultation, status=Status.ACCEPTED, visibility=visibility
    )
    before = written()
    with pytest.raises(Conflict) as refused:
        milestone_add(actor=official, proposal=proposal, title="Step", planned_for=TODAY())
    assert refused.value.code == "proposal_not_published"
    assert written() == before


def test_a_step_of_a_proposal_rejected_since_cannot_move(step, accepted, official):
    accepted.status = Status.REJECTED
    accepted.save(update_fields=["status"])
    before = written()
    with pytest.raises(Conflict) as refused:
        milestone_update(actor=official, milestone_id=step.pk, state="done")
    assert refused.value.code == "proposal_not_accepted"
    assert written() == before


@pytest.mark.parametrize(
    ("path", "then", "code"),
    [
        ((), "planned", "milestone_backwards"),
        (("in_progress",), "planned", "milestone_backwards"),
        (("in_progress",), "in_progress", "milestone_backwards"),
        (("done",), "in_progress", "milestone_done"),
        (("done",), "done", "milestone_done"),
        (("in_progress", "done"), "planned", "milestone_done"),
    ],
)
def test_states_move_forward_only_and_done_is_final(path, then, code, step, official):
    for state in path:
        milestone_update(actor=official, milestone_id=step.pk, state=state)
    before = written()
    with pytest.raises(Conflict) as refused:
        milestone_update(actor=official, milestone_id=step.pk, state=then)
    assert refused.value.code == code
    assert written() == before


def test_a_done_step_is_not_rescheduled(step, official):
    milestone_update(actor=official, milestone_id=step.pk, state="done")
    before = written()
    with pytest.raises(Conflict) as refused:
        milestone_update(actor=official, milestone_id=step.pk, planned_for=TODAY() + timedelta(days=90))
    assert refused.value.code == "milestone_done"
    assert written() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"state": "done", "on": date.today() + timedelta(days=2)}, "on"),
        ({"state": "in_progress", "on": "2026-01-01"}, "on"),
        ({"state": "done", "on": datetime(2026, 1, 1, 10, 0)}, "on"),
        ({"state": "finished"}, "state"),
        ({"planned_for": "tomorrow"}, "planned_for"),
        ({"planned_for": TODAY() + timedelta(days=30)}, "planned_for"),  # its date already
        ({"on": TODAY()}, "on"),  # a date of nothing
        ({"state": "done", "note": "x" * 1001}, "note"),
    ],
)
def test_bad_changes_are_refused_on_their_field(changes, field, step, official):
    before = written()
    with pytest.raises(ServiceError) as refused:
        milestone_update(actor=official, milestone_id=step.pk, **changes)
    assert field in refused.value.fields
    assert written() == before


@pytest.mark.parametrize("changes", [{}, {"state": "done", "planned_for": TODAY() + timedelta(days=3)}])
def test_one_change_a_call(changes, step, official):
    before = written()
    with pytest.raises(ServiceError) as refused:
        milestone_update(actor=official, milestone_id=step.pk, **changes)
    assert refused.value.code == "invalid"
    assert written() == before


def test_done_cannot_come_before_started(step, official):
    milestone_update(
        actor=official, milestone_id=step.pk, state="in_progress", on=TODAY() - timedelta(days=1)
    )
    before = written()
    with pytest.raises(ServiceError) as refused:
        milestone_update(actor=official, milestone_id=step.pk, state="done", on=TODAY() - timedelta(days=5))
    assert "on" in refused.value.fields
    assert written() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 141}, "title"),
        ({"planned_for": "2027-01-01"}, "planned_for"),
        ({"planned_for": None}, "planned_for"),
        ({"note": "x" * 1001}, "note"),
    ],
)
def test_bad_steps_are_refused_on_their_field(fields, field, accepted, official):
    values = {"title": "Step", "planned_for": TODAY(), **fields}
    before = written()
    with pytest.raises(ServiceError) as refused:
        milestone_add(actor=official, proposal=accepted, **values)
    assert field in refused.value.fields
    assert written() == before


def test_an_unknown_step_is_not_found(official):
    with pytest.raises(NotFound):
        milestone_update(actor=official, milestone_id=999_999, state="done")


# Followers and the live stream


def test_each_change_notifies_each_follower_once(accepted, official, django_capture_on_commit_callbacks):
    fan = follower(accepted)
    quiet = follower(accepted, email_notifications=False)
    Follow.objects.create(user=official, proposal=accepted)
    bystander = factories.citizen()
    with django_capture_on_commit_callbacks(execute=True):
        step = milestone_add(
            actor=official, proposal=accepted, title="New form tested", planned_for=date(2027, 3, 1)
        )
    with django_capture_on_commit_callbacks(execute=True):
        milestone_update(actor=official, milestone_id=step.pk, state="in_progress")
    with django_capture_on_commit_callbacks(execute=True):
        milestone_update(actor=official, milestone_id=step.pk, state="done", note="Live for everyone.")
    for action in ("milestone_planned", "milestone_started", "milestone_done"):
        notified = Notification.objects.filter(entry__action=action)
        assert sorted(notified.values_list("recipient_id", flat=True)) == sorted([fan.pk, quiet.pk])
    assert not Notification.objects.filter(recipient__in=[official, bystander]).exists()
    assert [m.to for m in mail.outbox] == [[fan.email]] * 3
    assert mail.outbox[0].subject == "“Pay sooner”: Implementation step planned"
    assert "Step: New form tested (Planned)" in mail.outbox[0].body
    assert "Planned for March 1, 2027." in mail.outbox[0].body
    assert "Note: Live for everyone." in mail.outbox[2].body


def test_a_refused_change_notifies_nobody(step, official, django_capture_on_commit_callbacks):
    follower(step.proposal)
    milestone_update(actor=official, milestone_id=step.pk, state="done")
    count = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Conflict):
        milestone_update(actor=official, milestone_id=step.pk, state="done")
    assert callbacks == [] and Notification.objects.count() == count


def test_the_change_goes_live_after_commit_only(step, official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        milestone_update(actor=official, milestone_id=step.pk, state="in_progress", on=TODAY())
        # Registered for after the commit, not sent inside the transaction.
        assert live_events(callbacks) == []
    [event] = live_events(callbacks)
    assert event == {
        "type": "proposal.milestone_changed",
        "proposal": step.proposal_id,
        "milestone": {
            "id": step.pk,
            "title": "New form tested",
            "state": "in_progress",
            "state_label": "In progress",
            "planned_for": step.planned_for.isoformat(),
            "started_on": TODAY().isoformat(),
            "done_on": None,
            "note": "",
            "late": False,
        },
    }


def test_a_refused_change_goes_nowhere(step, official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Conflict):
        milestone_update(actor=official, milestone_id=step.pk, state="planned")
    assert live_events(callbacks) == []


# What the followers read, in both languages


@pytest.mark.parametrize(
    ("language", "planned", "started", "done"),
    [
        (
            "en",
            "Implementation of “Pay sooner”: the step “New form tested” is planned for March 1, 2027.",
            "Implementation of “Pay sooner”: the step “New form tested” has started.",
            "Implementation of “Pay sooner”: the step “New form tested” is done.",
        ),
        (
            "fr",
            "Mise en œuvre de « Pay sooner » : l’étape « New form tested » est prévue pour le 1 mars 2027.",
            "Mise en œuvre de « Pay sooner » : l’étape « New form tested » a commencé.",
            "Mise en œuvre de « Pay sooner » : l’étape « New form tested » est faite.",
        ),
    ],
)
def test_the_in_site_list_says_what_happened(language, planned, started, done, accepted, official):
    fan = follower(accepted)
    step = milestone_add(
        actor=official, proposal=accepted, title="New form tested", planned_for=date(2027, 3, 1)
    )
    milestone_update(actor=official, milestone_id=step.pk, state="in_progress")
    milestone_update(actor=official, milestone_id=step.pk, state="done")
    with translation.override(language):
        texts = [notifications.notification_text(n) for n in notifications.notification_list(user=fan)]
    assert [plain(t) for t in texts] == [done, started, planned]


def test_the_email_is_in_the_followers_language(accepted, official, django_capture_on_commit_callbacks):
    fan = follower(accepted, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        step = milestone_add(
            actor=official, proposal=accepted, title="New form tested", planned_for=date(2027, 3, 1)
        )
    with django_capture_on_commit_callbacks(execute=True):
        milestone_update(
            actor=official, milestone_id=step.pk, planned_for=date(2027, 4, 1), note="Fournisseur en retard."
        )
    [planned, moved] = mail.outbox
    assert planned.to == [fan.email]
    assert plain(planned.subject) == "« Pay sooner » : Étape de mise en œuvre planifiée"
    assert "Étape : New form tested (Planifiée)" in plain(planned.body)
    assert "Prévue pour le 1 mars 2027." in plain(planned.body)
    assert plain(moved.subject) == "« Pay sooner » : Étape de mise en œuvre reportée"
    assert "Prévue pour le 1 avril 2027." in plain(moved.body)
    assert "Note : Fournisseur en retard." in plain(moved.body)
