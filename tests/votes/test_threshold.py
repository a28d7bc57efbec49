"""The petition promise: the support that first reaches the consultation's threshold sets the response
deadline, once, in its own transaction; what happens afterwards never takes the promise back."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from proposals.models import AuditEntry, Proposal, Status
from proposals.services import proposal_moderate, proposal_set_status, response_publish
from tests.support import factories
from tests.support.broadcasts import broadcast_events as sent
from votes.services import support_add, support_withdraw

pytestmark = pytest.mark.django_db


def proposal_with_threshold(threshold: int, *, days: int = 30, **fields) -> Proposal:
    page = factories.consultation(support_threshold=threshold, response_deadline_days=days)
    return factories.ProposalFactory(consultation=page, **fields)


def support_by_new_citizens(proposal: Proposal, n: int) -> list:
    citizens = [factories.citizen() for _ in range(n)]
    for citizen in citizens:
        support_add(user=citizen, proposal=proposal)
    return citizens


def entries(proposal: Proposal, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(proposal=proposal, action=action))


def test_below_the_threshold_nothing_is_promised():
    proposal = proposal_with_threshold(3)
    support_by_new_citizens(proposal, 2)
    proposal.refresh_from_db()
    assert proposal.threshold_reached_at is None and proposal.response_due_at is None
    assert proposal.status == Status.OPEN
    assert not entries(proposal, AuditEntry.Action.THRESHOLD_REACHED)


def test_the_support_that_reaches_the_threshold_exactly_sets_the_deadline(
    django_capture_on_commit_callbacks,
):
    proposal = proposal_with_threshold(3, days=14)
    support_by_new_citizens(proposal, 2)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = support_add(user=factories.citizen(), proposal=proposal)

    assert result.supports == 3
    proposal.refresh_from_db()
    assert before <= proposal.threshold_reached_at <= timezone.now()
    assert proposal.response_due_at == proposal.threshold_reached_at + timedelta(days=14)
    assert proposal.status == Status.AWAITING_RESPONSE
    [reached] = entries(proposal, AuditEntry.Action.THRESHOLD_REACHED)
    assert (reached.actor, reached.actor_role, reached.to_value) == (None, "platform", "3")
    assert reached.public
    [change] = entries(proposal, AuditEntry.Action.STATUS_CHANGED)
    assert (change.actor_role, change.from_value) == ("platform", "open")
    assert change.to_value == "awaiting_response"

    # In this order: a page shows the new count, then the promise with the new status and says it once;
    # the status event then changes nothing there (live.js).
    assert [event["type"] for event in sent(callbacks)] == [
        "proposal.support_changed",
        "proposal.threshold_reached",
        "proposal.status_changed",
    ]
    events = {event["type"]: event for event in sent(callbacks)}
    assert events["proposal.status_changed"]["status"] == "awaiting_response"
    assert events["proposal.threshold_reached"] == {
        "type": "proposal.threshold_reached",
        "proposal": proposal.pk,
        "status": "awaiting_response",
        "status_label": "Awaiting an official response",
        "threshold": 3,
        "response_due_at": proposal.response_due_at.isoformat(),
    }
    assert events["proposal.support_changed"]["supports"] == 3


def test_nothing_is_promised_or_announced_when_the_support_rolls_back(django_capture_on_commit_callbacks):
    proposal = proposal_with_threshold(1)
    citizen = factories.citizen()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        support_add(user=citizen, proposal=proposal)
        raise RuntimeError("the request failed after the support")
    assert callbacks == []
    proposal.refresh_from_db()
    assert proposal.threshold_reached_at is None and proposal.status == Status.OPEN
    assert not entries(proposal, AuditEntry.Action.THRESHOLD_REACHED)


def test_withdrawals_afterwards_do_not_take_the_promise_back():
    proposal = proposal_with_threshold(2)
    first, second = support_by_new_citizens(proposal, 2)
    proposal.refresh_from_db()
    reached_at, due_at = proposal.threshold_reached_at, proposal.response_due_at

    support_withdraw(user=first, proposal=proposal)
    support_withdraw(user=second, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.supports_count == 0
    assert (proposal.threshold_reached_at, proposal.response_due_at) == (reached_at, due_at)
    assert proposal.status == Status.AWAITING_RESPONSE

    # Reaching it again makes no second promise and does not move the deadline.
    support_by_new_citizens(proposal, 2)
    proposal.refresh_from_db()
    assert proposal.supports_count == 2
    assert (proposal.threshold_reached_at, proposal.response_due_at) == (reached_at, due_at)
    assert len(entries(proposal, AuditEntry.Action.THRESHOLD_REACHED)) == 1
    assert len(entries(proposal, AuditEntry.Action.STATUS_CHANGED)) == 1


@pytest.mark.parametrize("status", [Status.UNDER_REVIEW, Status.ACCEPTED, Status.REJECTED])
def test_a_decided_proposal_keeps_its_status_but_gets_the_deadline(official, status):
    proposal = proposal_with_threshold(2)
    proposal_set_status(actor=official, proposal=proposal, status=status)
    support_by_new_citizens(proposal, 2)

    proposal.refresh_from_db()
    assert proposal.status == status
    assert proposal.response_due_at is not None
    assert len(entries(proposal, AuditEntry.Action.THRESHOLD_REACHED)) == 1
    # Only the official's change: the platform moved nothing.
    assert [e.actor_role for e in entries(proposal, AuditEntry.Action.STATUS_CHANGED)] == ["official"]


def test_a_response_before_the_threshold_means_it_is_never_overdue(official):
    proposal = proposal_with_threshold(2, days=1)
    response = response_publish(actor=official, proposal=proposal, body="We are looking into it.")
    proposal.refresh_from_db()
    assert proposal.responded_at == response.published_at

    support_by_new_citizens(proposal, 2)
    proposal.refresh_from_db()
    assert proposal.response_due_at is not None
    assert proposal.responded_at == response.published_at
    assert not proposal.is_overdue(at=proposal.response_due_at + timedelta(days=365))


def test_a_promise_without_a_response_becomes_overdue_at_the_deadline(official):
    proposal = proposal_with_threshold(1, days=10)
    support_by_new_citizens(proposal, 1)
    proposal.refresh_from_db()
    assert not proposal.is_overdue(at=proposal.response_due_at - timedelta(seconds=1))
    assert proposal.is_overdue(at=proposal.response_due_at)

    response_publish(actor=official, proposal=proposal, body="Here is our answer.")
    proposal.refresh_from_db()
    assert not proposal.is_overdue(at=proposal.response_due_at + timedelta(days=1))


def test_a_threshold_of_one_is_reached_by_the_first_support():
    proposal = proposal_with_threshold(1)
    support_by_new_citizens(proposal, 1)
    proposal.refresh_from_db()
    assert proposal.threshold_reached_at is not None
    assert proposal.status == Status.AWAITING_RESPONSE


def test_a_repeated_support_does_not_reach_the_threshold(citizen):
    proposal = proposal_with_threshold(2)
    support_add(user=citizen, proposal=proposal)
    again = support_add(user=citizen, proposal=proposal)
    assert (again.supports, again.changed) == (1, False)
    proposal.refresh_from_db()
    assert proposal.threshold_reached_at is None


def lower_threshold(proposal: Proposal, threshold: int):
    """What an official does in the CMS: change the threshold on the consultation's page and publish it."""
    page = proposal.consultation
    page.support_threshold = threshold
    page.save_revision().publish()


def test_a_threshold_lowered_below_the_count_makes_the_promise_at_publication(
    django_capture_on_commit_callbacks,
):
    proposal = proposal_with_threshold(5, days=14)
    support_by_new_citizens(proposal, 3)
    below = factories.ProposalFactory(consultation=proposal.consultation)
    support_by_new_citizens(below, 2)

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lower_threshold(proposal, 3)

    proposal.refresh_from_db()
    assert before <= proposal.threshold_reached_at <= timezone.now()
    assert proposal.response_due_at == proposal.threshold_reached_at + timedelta(days=14)
    assert proposal.status == Status.AWAITING_RESPONSE
    [reached] = entries(proposal, AuditEntry.Action.THRESHOLD_REACHED)
    assert (reached.actor, reached.to_value) == (None, "3")
    reached_events = [event for event in sent(callbacks) if event["type"] == "proposal.threshold_reached"]
    assert [(event["proposal"], event["threshold"]) for event in reached_events] == [(proposal.pk, 3)]
    below.refresh_from_db()
    assert below.threshold_reached_at is None and below.status == Status.OPEN


def test_publishing_again_does_not_move_a_promise_already_made():
    proposal = proposal_with_threshold(2)
    support_by_new_citizens(proposal, 3)
    proposal.refresh_from_db()
    reached_at, due_at = proposal.threshold_reached_at, proposal.response_due_at

    lower_threshold(proposal, 1)

    proposal.refresh_from_db()
    assert (proposal.threshold_reached_at, proposal.response_due_at) == (reached_at, due_at)
    assert len(entries(proposal, AuditEntry.Action.THRESHOLD_REACHED)) == 1


def test_a_hidden_proposal_gets_no_promise_from_a_lowered_threshold(moderator):
    proposal = proposal_with_threshold(5)
    support_by_new_citizens(proposal, 3)
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Personal data")

    lower_threshold(proposal, 3)

    proposal.refresh_from_db()
    assert proposal.threshold_reached_at is None
    assert not entries(proposal, AuditEntry.Action.THRESHOLD_REACHED)


def test_the_proposal_page_shows_the_deadline_once_the_lowered_threshold_is_published(client):
    proposal = proposal_with_threshold(25)
    support_by_new_citizens(proposal, 3)
    assert "3 of 25 supports" in client.get(f"/proposals/{proposal.pk}/").content.decode()

    lower_threshold(proposal, 2)

    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    proposal.refresh_from_db()
    due = date_format(timezone.localtime(proposal.response_due_at), "DATE_FORMAT")
    assert "3 of 25 supports" not in page
    # The day as the page gives it, in the site's time zone (from 23:00 UTC in winter, already tomorrow).
    day = timezone.localtime(proposal.response_due_at)
    assert f'An official response is due by <time datetime="{day:%Y-%m-%d}' in page
    assert f">{due}</time>" in page
