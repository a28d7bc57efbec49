"""Proposal services: submission, moderation, status and official responses; one transaction each, live
events only after commit and only for published proposals."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cms.models import ConsultationCategory, ModerationMode
from cocreate.exceptions import Conflict, NotAllowed, ServiceError
from proposals import selectors
from proposals.live import broadcasts, events
from proposals.models import (
    AuditEntry,
    OfficialResponse,
    Proposal,
    Status,
    Visibility,
)
from proposals.services import proposal_moderate, proposal_set_status, proposal_submit, response_publish
from tests.support import factories
from tests.support.broadcasts import broadcast_callbacks, broadcast_events
from tests.support.group_listener import GroupListener

pytestmark = pytest.mark.django_db


sent = broadcast_events


def submit(author, consultation, **fields):
    fields = {"title": "Let people book a call back", "summary": "No queue.", "body": "Details.", **fields}
    return proposal_submit(author=author, consultation=consultation, **fields)


# proposal_submit


def test_post_moderated_proposal_is_published_and_announced(
    citizen, consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        proposal = submit(citizen, consultation)
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.PUBLISHED
    assert proposal.published_at is not None
    assert proposal.author == citizen
    assert proposal.status == Status.OPEN
    [event] = sent(callbacks)
    assert event["type"] == "proposal.published"
    assert event["proposal"]["id"] == proposal.pk
    assert broadcast_callbacks(callbacks)[0].args[0] == consultation.pk  # to its stream


def test_pre_moderated_proposal_waits_and_is_not_announced(citizen, django_capture_on_commit_callbacks):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    with django_capture_on_commit_callbacks() as callbacks:
        proposal = submit(citizen, consultation)
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.PENDING
    assert proposal.published_at is None
    assert callbacks == []


@pytest.mark.parametrize(
    "when",
    [
        {"open_now": False},
        {"opens_at": timezone.now() + timedelta(days=1), "closes_at": timezone.now() + timedelta(days=9)},
    ],
    ids=["closed", "upcoming"],
)
def test_no_proposal_outside_the_open_period(citizen, when):
    consultation = factories.consultation(**when)
    with pytest.raises(Conflict) as error:
        submit(citizen, consultation)
    assert error.value.code == "consultation_closed"
    assert not Proposal.objects.exists()


def test_no_proposal_on_an_unpublished_consultation(citizen, consultation):
    consultation.unpublish()
    with pytest.raises(Conflict) as error:
        submit(citizen, consultation)
    assert error.value.code == "consultation_closed"
    assert not Proposal.objects.exists()


def test_category_of_another_consultation_is_refused(citizen, consultation):
    foreign = ConsultationCategory.objects.get(page=factories.consultation())
    with pytest.raises(ServiceError) as error:
        submit(citizen, consultation, category=foreign)
    assert "category" in error.value.fields
    assert not Proposal.objects.exists()


def test_category_of_the_consultation_is_kept(citizen, consultation):
    category = consultation.categories.get()
    assert submit(citizen, consultation, category=category).category == category


@pytest.mark.parametrize(
    "fields, bad",
    [
        ({"title": ""}, {"title"}),
        ({"title": "   \n\t "}, {"title"}),
        ({"summary": "", "body": "  "}, {"summary", "body"}),
        ({"title": "x" * 141}, {"title"}),
        ({"summary": "x" * 501}, {"summary"}),
        ({"body": "x" * 10_001, "title": None}, {"title", "body"}),
    ],
)
def test_blank_or_too_long_fields_are_all_reported_and_nothing_is_written(
    citizen, consultation, fields, bad, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ServiceError) as error:
        submit(citizen, consultation, **fields)
    assert error.value.code == "invalid"
    assert set(error.value.fields) == bad
    assert not Proposal.objects.exists()
    assert callbacks == []


def test_text_is_stripped_and_limits_apply_after_stripping(citizen, consultation):
    proposal = submit(
        citizen, consultation, title="  " + "t" * 140 + "  ", summary="\n Short. \n", body=" b "
    )
    proposal.refresh_from_db()
    assert (proposal.title, proposal.summary, proposal.body) == ("t" * 140, "Short.", "b")


@pytest.mark.parametrize(
    "make_user", [factories.unverified_citizen, lambda: factories.citizen(is_active=False)]
)
def test_only_verified_active_citizens_submit(consultation, make_user):
    with pytest.raises(NotAllowed) as error:
        submit(make_user(), consultation)
    assert error.value.code == "email_unverified"
    assert not Proposal.objects.exists()


# proposal_moderate


def test_approve_publishes_records_and_announces(moderator, django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory(visibility=Visibility.PENDING, published_at=None)
    with django_capture_on_commit_callbacks() as callbacks:
        proposal_moderate(actor=moderator, proposal=proposal, action="approve")
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.PUBLISHED
    assert proposal.published_at is not None
    decision = AuditEntry.objects.moderation().get(proposal=proposal)
    assert (decision.actor, decision.action, decision.reason) == (moderator, "approved", "")
    assert [e["type"] for e in sent(callbacks)] == ["proposal.published"]


def test_hide_needs_a_reason_that_the_author_then_sees(moderator, django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="  Personal data.  ")
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.HIDDEN
    assert proposal.moderation_reason == "Personal data."
    assert AuditEntry.objects.moderation().get(proposal=proposal).reason == "Personal data."
    assert sent(callbacks) == [{"type": "proposal.hidden", "proposal": proposal.pk}]
    seen_by_author = selectors.proposal_get(proposal_id=proposal.pk, user=proposal.author)
    assert seen_by_author.moderation_reason == "Personal data."


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_hide_without_a_reason_changes_nothing(moderator, reason):
    proposal = factories.ProposalFactory()
    with pytest.raises(ServiceError) as error:
        proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason=reason)
    assert "reason" in error.value.fields
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.PUBLISHED
    assert not AuditEntry.objects.moderation().exists()


def test_too_long_reason_and_unknown_action_are_refused(moderator):
    proposal = factories.ProposalFactory()
    with pytest.raises(ServiceError):
        proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="x" * 501)
    with pytest.raises(ServiceError) as error:
        proposal_moderate(actor=moderator, proposal=proposal, action="delete", reason="spam")
    assert "action" in error.value.fields
    assert not AuditEntry.objects.moderation().exists()


def test_approve_clears_an_earlier_reason(official):
    proposal = factories.ProposalFactory(visibility=Visibility.HIDDEN, moderation_reason="Off topic.")
    proposal_moderate(actor=official, proposal=proposal, action="approve")
    proposal.refresh_from_db()
    assert (proposal.visibility, proposal.moderation_reason) == (Visibility.PUBLISHED, "")


def test_hiding_a_pending_proposal_announces_nothing(moderator, django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory(visibility=Visibility.PENDING, published_at=None)
    with django_capture_on_commit_callbacks() as callbacks:
        proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Spam.")
    assert callbacks == []
    assert AuditEntry.objects.moderation().filter(proposal=proposal, action="hidden").count() == 1


@pytest.mark.parametrize("make_user", [factories.citizen, factories.unverified_citizen])
def test_citizens_cannot_moderate(make_user):
    proposal = factories.ProposalFactory(visibility=Visibility.PENDING, published_at=None)
    with pytest.raises(NotAllowed):
        proposal_moderate(actor=make_user(), proposal=proposal, action="approve")
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.PENDING
    assert not AuditEntry.objects.moderation().exists()


# proposal_set_status


def test_status_change_is_recorded_and_announced(official, django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        proposal_set_status(actor=official, proposal=proposal, status="under_review", note=" Looking. ")
    proposal.refresh_from_db()
    assert proposal.status == Status.UNDER_REVIEW
    change = AuditEntry.objects.status_changes().get(proposal=proposal)
    assert (change.actor, change.from_value, change.to_value, change.reason) == (
        official,
        "open",
        "under_review",
        "Looking.",
    )
    [event] = sent(callbacks)
    assert (event["type"], event["proposal"], event["status"]) == (
        "proposal.status_changed",
        proposal.pk,
        "under_review",
    )


def test_same_status_is_a_no_op(official, django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory(status=Status.ACCEPTED)
    with django_capture_on_commit_callbacks() as callbacks:
        result = proposal_set_status(actor=official, proposal=proposal, status="accepted")
    assert result.status == Status.ACCEPTED
    assert not AuditEntry.objects.status_changes().exists()
    assert callbacks == []


def test_status_of_a_pending_proposal_changes_silently(official, django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory(visibility=Visibility.PENDING, published_at=None)
    with django_capture_on_commit_callbacks() as callbacks:
        proposal_set_status(actor=official, proposal=proposal, status="rejected")
    assert AuditEntry.objects.status_changes().filter(proposal=proposal, to_value="rejected").exists()
    assert callbacks == []


@pytest.mark.parametrize("status", ["done", "", None, "OPEN"])
def test_unknown_status_is_refused(official, status):
    proposal = factories.ProposalFactory()
    with pytest.raises(ServiceError) as error:
        proposal_set_status(actor=official, proposal=proposal, status=status)
    assert "status" in error.value.fields
    assert not AuditEntry.objects.status_changes().exists()


@pytest.mark.parametrize("make_user", [factories.citizen, factories.moderator])
def test_only_officials_set_the_status(make_user):
    proposal = factories.ProposalFactory()
    with pytest.raises(NotAllowed):
        proposal_set_status(actor=make_user(), proposal=proposal, status="accepted")
    proposal.refresh_from_db()
    assert proposal.status == Status.OPEN


def test_too_long_note_is_refused(official):
    proposal = factories.ProposalFactory()
    with pytest.raises(ServiceError) as error:
        proposal_set_status(actor=official, proposal=proposal, status="accepted", note="n" * 1001)
    assert "note" in error.value.fields
    proposal.refresh_from_db()
    assert proposal.status == Status.OPEN


# response_publish


def test_response_with_decision_sets_the_status(django_capture_on_commit_callbacks):
    official = factories.official(first_name="Ada", last_name="Lovelace", department="Benefits Office")
    proposal = factories.ProposalFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        response = response_publish(actor=official, proposal=proposal, body=" We will. ", decision="accepted")
    proposal.refresh_from_db()
    assert proposal.status == Status.ACCEPTED
    assert AuditEntry.objects.status_changes().get(proposal=proposal).to_value == "accepted"
    response.refresh_from_db()
    assert (response.body, response.author_name, response.department, response.decision) == (
        "We will.",
        "Ada Lovelace",
        "Benefits Office",
        "accepted",
    )
    assert [e["type"] for e in sent(callbacks)] == ["proposal.status_changed", "response.published"]


def test_response_keeps_the_name_and_department_of_its_time():
    official = factories.official(first_name="Ada", last_name="Lovelace", department="Benefits Office")
    response = response_publish(actor=official, proposal=factories.ProposalFactory(), body="Thanks.")
    official.last_name, official.department = "King", "Another office"
    official.save()
    response.refresh_from_db()
    assert (response.author_name, response.department) == ("Ada Lovelace", "Benefits Office")


def test_an_official_without_a_name_is_stored_without_one():
    """Not "A citizen", and no word in the official's language: readers see "Official" in theirs."""
    official = factories.official(first_name="", last_name="", display_name="", department="Benefits Office")
    response = response_publish(actor=official, proposal=factories.ProposalFactory(), body="Thanks.")
    response.refresh_from_db()
    assert response.author_name == ""
    assert response.department == "Benefits Office"


def test_response_without_decision_keeps_the_status(official):
    proposal = factories.ProposalFactory(status=Status.UNDER_REVIEW)
    response_publish(actor=official, proposal=proposal, body="We are looking into it.")
    proposal.refresh_from_db()
    assert proposal.status == Status.UNDER_REVIEW
    assert not AuditEntry.objects.status_changes().exists()


def test_response_and_status_roll_back_together(official, monkeypatch, django_capture_on_commit_callbacks):
    """The decision is written in the response's transaction: a failure after it leaves neither."""
    proposal = factories.ProposalFactory()

    def broken(response):
        raise RuntimeError("event could not be built")

    monkeypatch.setattr(events, "response_published", broken)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        response_publish(actor=official, proposal=proposal, body="Yes.", decision="accepted")
    proposal.refresh_from_db()
    assert proposal.status == Status.OPEN
    assert not AuditEntry.objects.status_changes().exists()
    assert not OfficialResponse.objects.exists()
    assert callbacks == []


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_no_response_to_an_unpublished_proposal(official, visibility):
    proposal = factories.ProposalFactory(visibility=visibility)
    with pytest.raises(Conflict) as error:
        response_publish(actor=official, proposal=proposal, body="No.", decision="rejected")
    assert error.value.code == "proposal_not_published"
    proposal.refresh_from_db()
    assert proposal.status == Status.OPEN
    assert not OfficialResponse.objects.exists()
    assert not AuditEntry.objects.status_changes().exists()


@pytest.mark.parametrize(
    "body, decision, field", [("  ", "", "body"), ("x" * 10_001, "", "body"), ("Fine.", "maybe", "decision")]
)
def test_bad_response_is_refused(official, body, decision, field):
    proposal = factories.ProposalFactory()
    with pytest.raises(ServiceError) as error:
        response_publish(actor=official, proposal=proposal, body=body, decision=decision)
    assert field in error.value.fields
    assert not OfficialResponse.objects.exists()


@pytest.mark.parametrize("make_user", [factories.citizen, factories.moderator])
def test_only_officials_respond(make_user):
    proposal = factories.ProposalFactory()
    with pytest.raises(NotAllowed):
        response_publish(actor=make_user(), proposal=proposal, body="Hello.")
    assert not OfficialResponse.objects.exists()


# Events after commit


def test_nothing_is_announced_when_the_surrounding_transaction_rolls_back(
    official, django_capture_on_commit_callbacks
):
    proposal = factories.ProposalFactory()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        proposal_set_status(actor=official, proposal=proposal, status="accepted")
        1 / 0  # noqa: B018
    assert callbacks == []
    proposal.refresh_from_db()
    assert proposal.status == Status.OPEN


def test_the_event_reaches_the_consultation_group_after_commit(official, django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory()
    with GroupListener(broadcasts.consultation_group(proposal.consultation_id)) as listener:
        with django_capture_on_commit_callbacks(execute=True):
            proposal_set_status(actor=official, proposal=proposal, status="implemented")
        [event] = listener.events(1)
    assert event["status"] == "implemented"
