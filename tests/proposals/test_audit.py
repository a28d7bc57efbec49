"""The audit trail: append-only in the database itself, readable after an account is deleted, and written by
every service exactly as the action happened: one entry per decision, nothing for a refused one."""

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.utils import DatabaseError

from cocreate.exceptions import ServiceError
from proposals.models import AuditAction, AuditEntry, AuditRole, Proposal, Status, Visibility
from proposals.services import (
    flag_create,
    flags_dismiss,
    proposal_moderate,
    proposal_set_status,
    response_publish,
)
from proposals.services.comments import comment_moderate
from tests.support import factories
from tests.support.factories import a_comment
from votes.services import support_add

pytestmark = pytest.mark.django_db

FIELDS = ("action", "actor_id", "actor_role", "from_value", "to_value", "reason", "public", "response_id")


def trail(proposal) -> list[tuple]:
    return list(AuditEntry.objects.filter(proposal=proposal).order_by("id").values_list(*FIELDS))


@pytest.fixture
def entry(moderator):
    proposal = factories.ProposalFactory(visibility=Visibility.PENDING, published_at=None)
    proposal_moderate(actor=moderator, proposal=proposal, action="approve")
    return AuditEntry.objects.get()


# Append-only, at the database ---------------------------------------------------------------------------


def refused_by_the_database():
    # The trigger raises restrict_violation, which psycopg reports as an IntegrityError.
    return pytest.raises((IntegrityError, InternalError, DatabaseError), match="append-only")


def test_an_entry_cannot_be_updated(entry):
    with refused_by_the_database(), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="Rewritten history.")
    entry.reason = "Rewritten again."
    with refused_by_the_database(), transaction.atomic():
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


def test_an_entry_cannot_be_deleted(entry):
    with refused_by_the_database(), transaction.atomic():
        entry.delete()
    with refused_by_the_database(), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_raw_sql_is_refused_too(entry):
    for sql in (
        "UPDATE proposals_auditentry SET action = 'hidden'",
        "UPDATE proposals_auditentry SET actor_id = NULL, reason = 'sneaky'",
        "DELETE FROM proposals_auditentry",
    ):
        with refused_by_the_database(), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.get().action == AuditAction.APPROVED


def test_deleting_a_moderators_account_keeps_the_entries(moderator, entry):
    moderator.first_name, moderator.last_name = "Sam", "Moderator"
    moderator.save()
    proposal_moderate(actor=moderator, proposal=entry.proposal, action="hide", reason="Spam.")
    name = AuditEntry.objects.last().actor_name

    moderator.delete()

    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == [AuditAction.APPROVED, AuditAction.HIDDEN]
    assert all(e.actor_id is None for e in entries)
    assert entries[1].actor_name == name == "Sam Moderator"
    assert all(e.actor_role == AuditRole.MODERATOR for e in entries)
    assert entries[1].reason == "Spam."


def test_the_proposal_of_an_entry_cannot_be_deleted(entry):
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=entry.proposal_id).delete()


# Every service writes exactly its entries ----------------------------------------------------------------


def test_approve(moderator):
    proposal = factories.ProposalFactory(visibility=Visibility.PENDING, published_at=None)
    proposal_moderate(actor=moderator, proposal=proposal, action="approve")
    assert trail(proposal) == [
        ("approved", moderator.pk, "moderator", "pending", "published", "", False, None)
    ]


def test_hide_then_restore(moderator, official):
    proposal = factories.ProposalFactory()
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Names a person.")
    proposal_moderate(actor=official, proposal=proposal, action="restore")
    assert trail(proposal) == [
        ("hidden", moderator.pk, "moderator", "published", "hidden", "Names a person.", False, None),
        ("restored", official.pk, "official", "hidden", "published", "", False, None),
    ]


def test_dismissing_flags(moderator):
    proposal = factories.ProposalFactory()
    flag_create(reporter=factories.citizen(), proposal=proposal, reason="spam")
    assert trail(proposal) == []  # a citizen's report is not a moderation decision

    flags_dismiss(actor=moderator, proposal=proposal, reason="Not spam.")

    assert trail(proposal) == [
        ("flags_dismissed", moderator.pk, "moderator", "", "", "Not spam.", False, None)
    ]


def test_comment_moderation_is_on_the_proposals_trail(moderator):
    proposal = factories.ProposalFactory()
    comment = a_comment(proposal)
    comment_moderate(actor=moderator, comment=comment, action="hide", reason="Insults.")
    entry = AuditEntry.objects.get()
    assert (entry.proposal, entry.comment, entry.action, entry.reason) == (
        proposal,
        comment,
        "hidden",
        "Insults.",
    )


def test_status_change(official):
    proposal = factories.ProposalFactory()
    proposal_set_status(actor=official, proposal=proposal, status=Status.UNDER_REVIEW, note="Costing it.")
    proposal_set_status(actor=official, proposal=proposal, status=Status.UNDER_REVIEW, note="Again.")
    assert trail(proposal) == [
        ("status_changed", official.pk, "official", "open", "under_review", "Costing it.", True, None)
    ]


def test_response_with_its_linked_status_change(official):
    proposal = factories.ProposalFactory()
    response = response_publish(actor=official, proposal=proposal, body="Yes.", decision=Status.ACCEPTED)
    assert trail(proposal) == [
        ("response_published", official.pk, "official", "", "", "", True, response.pk),
        ("status_changed", official.pk, "official", "open", "accepted", "", True, response.pk),
    ]


def test_response_without_a_decision(official):
    proposal = factories.ProposalFactory()
    response = response_publish(actor=official, proposal=proposal, body="Thank you.")
    assert trail(proposal) == [("response_published", official.pk, "official", "", "", "", True, response.pk)]


def test_threshold_reached_once_by_the_platform():
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=2))
    support_add(user=factories.citizen(), proposal=proposal)
    assert trail(proposal) == []

    support_add(user=factories.citizen(), proposal=proposal)
    support_add(user=factories.citizen(), proposal=proposal)

    assert trail(proposal) == [
        ("threshold_reached", None, "platform", "", "2", "", True, None),
        ("status_changed", None, "platform", "open", "awaiting_response", "", True, None),
    ]
    assert AuditEntry.objects.get(action="threshold_reached").actor_name == ""


def test_refused_actions_write_nothing(moderator, citizen):
    proposal = factories.ProposalFactory()
    for call in (
        lambda: proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason=""),
        lambda: proposal_moderate(actor=citizen, proposal=proposal, action="hide", reason="Mine now."),
        lambda: proposal_set_status(actor=moderator, proposal=proposal, status=Status.ACCEPTED),
        lambda: response_publish(actor=moderator, proposal=proposal, body="No."),
        lambda: flags_dismiss(actor=moderator, proposal=proposal),
    ):
        with pytest.raises(ServiceError):
            call()
    assert trail(proposal) == []


def test_the_queryset_filters():
    official = factories.official()
    proposal = factories.ProposalFactory()
    proposal_moderate(actor=official, proposal=proposal, action="hide", reason="Spam.")
    proposal_moderate(actor=official, proposal=proposal, action="restore")
    proposal_set_status(actor=official, proposal=proposal, status=Status.REJECTED)
    entries = AuditEntry.objects.filter(proposal=proposal)
    assert list(entries.public().values_list("action", flat=True)) == ["status_changed"]
    assert list(entries.status_changes().values_list("to_value", flat=True)) == ["rejected"]
    assert list(entries.moderation().values_list("action", flat=True)) == ["hidden", "restored"]
    change = entries.status_changes().get()
    assert (change.from_label, change.to_label) == ("Open for support", "Rejected")
    hidden = entries.get(action="hidden")
    assert (hidden.from_label, hidden.to_label) == ("Published", "Hidden by moderation")
