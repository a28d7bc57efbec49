"""Reports to the moderators (flags): who may report what, once each (even when two requests race), and
how a moderator's action resolves them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from cocreate.exceptions import Conflict, NotAllowed, ServiceError
from proposals.models import AuditAction, AuditEntry, Flag, FlagReason, Proposal, Visibility
from proposals.services import flag_create, flags_dismiss, proposal_moderate
from proposals.services.comments import comment_moderate
from tests.support import factories
from tests.support.db import race
from tests.support.factories import a_comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(consultation):
    return factories.ProposalFactory(consultation=consultation)


# Who may report -----------------------------------------------------------------------------------------


def test_a_verified_citizen_reports_a_proposal(citizen, proposal):
    flag = flag_create(reporter=citizen, proposal=proposal, reason="spam", details="  Sells phones.  ")
    flag.refresh_from_db()
    assert (flag.reporter, flag.proposal, flag.comment) == (citizen, proposal, None)
    assert (flag.reason, flag.details, flag.resolved_at) == ("spam", "Sells phones.", None)


def test_a_verified_citizen_reports_a_comment(citizen, proposal):
    comment = a_comment(proposal)
    flag = flag_create(reporter=citizen, comment=comment, reason=FlagReason.ABUSE)
    assert (flag.comment, flag.proposal, flag.details) == (comment, None, "")


@pytest.mark.parametrize("role", ["moderator", "official"])
def test_moderators_and_officials_may_report_like_citizens(proposal, role):
    user = getattr(factories, role)()
    assert flag_create(reporter=user, proposal=proposal, reason="other").pk


def test_an_unverified_citizen_cannot_report(proposal):
    with pytest.raises(NotAllowed) as refused:
        flag_create(reporter=factories.unverified_citizen(), proposal=proposal, reason="spam")
    assert refused.value.code == "email_unverified"
    assert not Flag.objects.exists()


def test_an_anonymous_visitor_cannot_report(proposal):
    with pytest.raises(NotAllowed):
        flag_create(reporter=AnonymousUser(), proposal=proposal, reason="spam")
    assert not Flag.objects.exists()


def test_nobody_reports_their_own_proposal_or_comment(proposal):
    with pytest.raises(NotAllowed) as refused:
        flag_create(reporter=proposal.author, proposal=proposal, reason="spam")
    assert refused.value.code == "own_item" and "your own proposal" in refused.value.message
    comment = a_comment(proposal)
    with pytest.raises(NotAllowed) as refused:
        flag_create(reporter=comment.author, comment=comment, reason="spam")
    assert refused.value.code == "own_item" and "your own comment" in refused.value.message
    assert not Flag.objects.exists()


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_only_published_proposals_can_be_reported(moderator, consultation, visibility):
    proposal = factories.ProposalFactory(consultation=consultation, visibility=visibility)
    with pytest.raises(Conflict) as refused:
        flag_create(reporter=moderator, proposal=proposal, reason="spam")
    assert refused.value.code == "proposal_not_published"
    assert not Flag.objects.exists()


@pytest.mark.parametrize("state", ["pending", "hidden", "deleted", "on a hidden proposal"])
def test_only_standing_published_comments_can_be_reported(moderator, proposal, state):
    comment = {
        "pending": lambda: a_comment(proposal, visibility=Visibility.PENDING),
        "hidden": lambda: a_comment(proposal, visibility=Visibility.HIDDEN),
        "deleted": lambda: a_comment(proposal, deleted_at=proposal.created_at),
        "on a hidden proposal": lambda: a_comment(
            factories.ProposalFactory(consultation=proposal.consultation, visibility=Visibility.HIDDEN)
        ),
    }[state]()
    with pytest.raises(Conflict) as refused:
        flag_create(reporter=moderator, comment=comment, reason="spam")
    assert refused.value.code == "comment_not_published"
    assert not Flag.objects.exists()


def test_reports_stay_possible_after_the_consultation_closed(citizen):
    proposal = factories.ProposalFactory(consultation=factories.consultation(open_now=False))
    assert flag_create(reporter=citizen, proposal=proposal, reason="personal_data").pk


# What a report says ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "rude", None, "SPAM"])
def test_an_unknown_reason_is_refused_with_the_list_of_reasons(citizen, proposal, reason):
    with pytest.raises(ServiceError) as refused:
        flag_create(reporter=citizen, proposal=proposal, reason=reason)
    [message] = refused.value.fields["reason"]
    assert all(value in message for value in FlagReason.values)
    assert not Flag.objects.exists()


def test_details_are_at_most_500_characters(citizen, proposal):
    with pytest.raises(ServiceError) as refused:
        flag_create(reporter=citizen, proposal=proposal, reason="other", details="x" * 501)
    assert refused.value.fields["details"] == ["At most 500 characters."]
    assert flag_create(reporter=citizen, proposal=proposal, reason="other", details="x" * 500).pk


def test_exactly_one_item_is_reported(citizen, proposal):
    with pytest.raises(ValueError):
        flag_create(reporter=citizen, reason="spam")
    with pytest.raises(ValueError):
        flag_create(reporter=citizen, proposal=proposal, comment=a_comment(proposal), reason="spam")


# Once each ------------------------------------------------------------------------------------------------


def test_a_second_report_by_the_same_citizen_is_a_conflict(citizen, proposal):
    flag_create(reporter=citizen, proposal=proposal, reason="spam")
    with pytest.raises(Conflict) as refused:
        flag_create(reporter=citizen, proposal=proposal, reason="abuse", details="And rude.")
    assert refused.value.code == "already_flagged"
    assert refused.value.message == "You have already reported this proposal: moderators will look at it."
    assert list(Flag.objects.values_list("reason", flat=True)) == ["spam"]


def test_a_second_report_of_a_comment_is_a_conflict_and_the_transaction_goes_on(citizen, proposal):
    comment = a_comment(proposal)
    flag_create(reporter=citizen, comment=comment, reason="spam")
    with transaction.atomic():
        with pytest.raises(Conflict) as refused:
            flag_create(reporter=citizen, comment=comment, reason="spam")
        # The duplicate was caught in a savepoint: the surrounding transaction still works.
        assert Flag.objects.count() == 1
    assert refused.value.code == "already_flagged" and "this comment" in refused.value.message


def test_once_each_even_after_a_moderator_dealt_with_it(citizen, moderator, proposal):
    flag_create(reporter=citizen, proposal=proposal, reason="spam")
    flags_dismiss(actor=moderator, proposal=proposal)
    with pytest.raises(Conflict):
        flag_create(reporter=citizen, proposal=proposal, reason="spam")
    # Someone else still can: the item comes back to the queue.
    assert flag_create(reporter=factories.citizen(), proposal=proposal, reason="spam").resolved_at is None


def test_each_citizen_reports_each_item_once(proposal):
    first, second = factories.citizen(), factories.citizen()
    comment = a_comment(proposal)
    for reporter in (first, second):
        flag_create(reporter=reporter, proposal=proposal, reason="spam")
        flag_create(reporter=reporter, comment=comment, reason="spam")
    assert Flag.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_reports_sent_together_make_one_flag_and_one_conflict():
    proposal, citizen = factories.ProposalFactory(), factories.citizen()

    outcome = race(
        lambda: flag_create(reporter=citizen, proposal=proposal, reason="spam"),
        lambda: flag_create(reporter=citizen, proposal=proposal, reason="abuse"),
    )

    assert isinstance(outcome.get("error"), Conflict), outcome
    assert outcome["error"].code == "already_flagged"
    assert list(Flag.objects.values_list("reason", flat=True)) == ["spam"]


@pytest.mark.django_db(transaction=True)
def test_a_report_cannot_land_on_a_proposal_hidden_meanwhile():
    proposal, citizen, moderator = factories.ProposalFactory(), factories.citizen(), factories.moderator()

    outcome = race(
        lambda: proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Spam."),
        lambda: flag_create(reporter=citizen, proposal=proposal, reason="spam"),
    )

    assert isinstance(outcome.get("error"), Conflict), outcome
    assert outcome["error"].code == "proposal_not_published"
    assert not Flag.objects.exists()


# Resolution -----------------------------------------------------------------------------------------------


def open_flags():
    return Flag.objects.filter(resolved_at__isnull=True)


@pytest.mark.parametrize(
    ("visibility", "action", "reason"),
    [
        (Visibility.PUBLISHED, "hide", "Advertising."),
        (Visibility.PUBLISHED, "approve", ""),
        (Visibility.HIDDEN, "restore", ""),
    ],
)
def test_moderating_a_proposal_resolves_its_open_flags_only(
    moderator, consultation, visibility, action, reason
):
    proposal = factories.ProposalFactory(consultation=consultation)
    other = factories.ProposalFactory(consultation=consultation)
    comment = a_comment(proposal)
    for reporter in (factories.citizen(), factories.citizen()):
        flag_create(reporter=reporter, proposal=proposal, reason="spam")
    flag_create(reporter=factories.citizen(), proposal=other, reason="spam")
    flag_create(reporter=factories.citizen(), comment=comment, reason="spam")
    Proposal.objects.filter(pk=proposal.pk).update(visibility=visibility)

    proposal_moderate(actor=moderator, proposal=proposal, action=action, reason=reason)

    assert not open_flags().filter(proposal=proposal).exists()
    assert Flag.objects.filter(proposal=proposal, resolved_at__isnull=False).count() == 2
    assert open_flags().filter(proposal=other).count() == 1
    assert open_flags().filter(comment=comment).count() == 1


def test_a_refused_moderation_resolves_nothing(moderator, proposal):
    flag_create(reporter=factories.citizen(), proposal=proposal, reason="spam")
    with pytest.raises(ServiceError):
        proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="")
    assert open_flags().count() == 1


def test_hiding_a_comment_resolves_its_flags(moderator, proposal):
    comment = a_comment(proposal)
    flag_create(reporter=factories.citizen(), comment=comment, reason="abuse")
    comment_moderate(actor=moderator, comment=comment, action="hide", reason="Insults.")
    assert not open_flags().exists()


def test_dismissing_resolves_the_flags_and_changes_nothing_else(moderator, proposal):
    for reporter in (factories.citizen(), factories.citizen()):
        flag_create(reporter=reporter, proposal=proposal, reason="off_topic")
    before = Proposal.objects.values("visibility", "status", "moderation_reason").get(pk=proposal.pk)

    assert flags_dismiss(actor=moderator, proposal=proposal, reason="  It is on topic.  ") == 2

    assert not open_flags().exists()
    assert Proposal.objects.values("visibility", "status", "moderation_reason").get(pk=proposal.pk) == before
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.reason, entry.public) == (
        AuditAction.FLAGS_DISMISSED,
        moderator,
        "It is on topic.",
        False,
    )
    assert (entry.proposal, entry.comment) == (proposal, None)


def test_dismissing_a_comments_flags_is_recorded_on_its_proposal(official, proposal):
    comment = a_comment(proposal)
    flag_create(reporter=factories.citizen(), comment=comment, reason="spam")
    flags_dismiss(actor=official, comment=comment)
    entry = AuditEntry.objects.get()
    assert (entry.proposal, entry.comment, entry.actor_role) == (proposal, comment, "official")
    comment.refresh_from_db()
    assert comment.visibility == Visibility.PUBLISHED


def test_nothing_to_dismiss_is_a_conflict_and_writes_nothing(moderator, proposal):
    with pytest.raises(Conflict) as refused:
        flags_dismiss(actor=moderator, proposal=proposal)
    assert refused.value.code == "no_open_flags"
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("role", ["citizen", "unverified_citizen"])
def test_only_moderators_and_officials_dismiss(proposal, role):
    flag_create(reporter=factories.citizen(), proposal=proposal, reason="spam")
    with pytest.raises(NotAllowed):
        flags_dismiss(actor=getattr(factories, role)(), proposal=proposal)
    with pytest.raises(NotAllowed):
        flags_dismiss(actor=AnonymousUser(), proposal=proposal)
    assert open_flags().count() == 1 and not AuditEntry.objects.exists()


def test_a_dismissal_reason_is_at_most_500_characters(moderator, proposal):
    flag_create(reporter=factories.citizen(), proposal=proposal, reason="spam")
    with pytest.raises(ServiceError) as refused:
        flags_dismiss(actor=moderator, proposal=proposal, reason="x" * 501)
    assert "reason" in refused.value.fields
    assert open_flags().count() == 1 and not AuditEntry.objects.exists()
