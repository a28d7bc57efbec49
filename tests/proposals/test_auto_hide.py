"""Hidden pending review: the report from the Nth distinct account (the consultation's number) hides a
proposal or a comment at once, as a moderator's hide would, until a moderator restores it or confirms the
hide; exactly once when reports race."""

import threading

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.utils import timezone

from cocreate.exceptions import Conflict, NotAllowed
from proposals.live import broadcasts
from proposals.models import AuditAction, AuditEntry, Comment, Flag, Proposal, Visibility
from proposals.moderation_selectors import moderation_queue, queue_items
from proposals.services import flag_create, flags_dismiss, proposal_moderate
from proposals.services.account_blocks import account_block
from proposals.services.comments import comment_moderate
from tests.support import factories
from tests.support.broadcasts import broadcast_events, without_generations
from tests.support.factories import a_comment, aged
from tests.support.group_listener import GroupListener

pytestmark = pytest.mark.django_db

N = 3


@pytest.fixture
def consultation():
    return factories.consultation(auto_hide_reports=N)


@pytest.fixture
def proposal(consultation):
    return factories.ProposalFactory(consultation=consultation)


def report(item, times: int = 1) -> list[Flag]:
    """`times` reports on the item, each by a new verified citizen."""
    target = {"comment": item} if isinstance(item, Comment) else {"proposal": item}
    return [flag_create(reporter=factories.citizen(), reason="abuse", **target) for _ in range(times)]


def fresh(item):
    item.refresh_from_db()
    return item


def auto_hidden_entries():
    return AuditEntry.objects.filter(action=AuditAction.AUTO_HIDDEN)


# N-1 and N ------------------------------------------------------------------------------------------------


def test_one_report_short_of_the_number_leaves_the_proposal_published(proposal):
    report(proposal, N - 1)
    assert fresh(proposal).visibility == Visibility.PUBLISHED
    assert not proposal.under_review and not auto_hidden_entries().exists()


def test_the_nth_report_hides_the_proposal_pending_review(proposal):
    report(proposal, N)

    proposal = fresh(proposal)
    assert (proposal.visibility, proposal.moderation_reason) == (Visibility.HIDDEN, "")
    assert proposal.under_review and proposal.auto_hidden_at <= timezone.now()
    entry = auto_hidden_entries().get()
    assert (entry.proposal, entry.comment, entry.actor, entry.actor_role, entry.public) == (
        proposal,
        None,
        None,
        "platform",
        False,
    )
    assert (entry.from_value, entry.to_value) == (Visibility.PUBLISHED, Visibility.HIDDEN)
    assert entry.reason == "Reported by 3 different accounts (this consultation hides at 3)."
    # The reports stay open: they are what the moderator decides on.
    assert Flag.objects.filter(proposal=proposal, resolved_at__isnull=True).count() == N


def test_the_public_no_longer_finds_it_and_its_author_still_does(proposal):
    report(proposal, N)
    assert not Proposal.objects.visible_to(AnonymousUser()).filter(pk=proposal.pk).exists()
    assert not Proposal.objects.visible_to(factories.citizen()).filter(pk=proposal.pk).exists()
    assert Proposal.objects.visible_to(proposal.author).filter(pk=proposal.pk).exists()


def test_the_nth_report_hides_a_comment_and_its_count_follows(proposal):
    comment = a_comment(proposal)
    report(comment, N - 1)
    assert fresh(comment).is_published and fresh(proposal).comments_count == 1

    report(comment)

    comment = fresh(comment)
    assert (comment.visibility, comment.under_review) == (Visibility.HIDDEN, True)
    assert fresh(proposal).comments_count == 0
    entry = auto_hidden_entries().get()
    assert (entry.proposal, entry.comment) == (proposal, comment)
    assert entry.get_action_display() == "Hidden automatically after reports, pending review"


def test_an_edit_waiting_goes_with_the_auto_hide(proposal):
    comment = a_comment(proposal, pending_body="Worse.", pending_at=timezone.now())
    report(comment, N)
    comment = fresh(comment)
    assert (comment.pending_body, comment.pending_at, comment.body) == (
        "",
        None,
        "A comment with an opinion.",
    )


def test_a_consultation_without_a_number_never_hides(consultation, proposal):
    type(consultation).objects.filter(pk=consultation.pk).update(auto_hide_reports=None)
    report(proposal, N + 2)
    assert fresh(proposal).is_published and not auto_hidden_entries().exists()


def test_a_new_consultation_hides_at_five_reports():
    proposal = factories.ProposalFactory(consultation=factories.consultation())
    report(proposal, 4)
    assert fresh(proposal).is_published
    report(proposal)
    assert fresh(proposal).under_review


def test_reports_on_a_proposal_and_on_its_comments_count_apart(proposal):
    comment = a_comment(proposal)
    report(proposal, N - 1)
    report(comment, N - 1)
    assert fresh(proposal).is_published and fresh(comment).is_published


# Who counts -----------------------------------------------------------------------------------------------


def test_the_same_account_twice_is_one_report(proposal):
    citizen = factories.citizen()
    flag_create(reporter=citizen, proposal=proposal, reason="spam")
    report(proposal, N - 2)
    with pytest.raises(Conflict):
        flag_create(reporter=citizen, proposal=proposal, reason="abuse")
    assert fresh(proposal).is_published
    assert Flag.objects.filter(proposal=proposal).count() == N - 1


@pytest.mark.parametrize("since", ["unverified", "deactivated", "blocked"])
def test_a_reporter_who_may_no_longer_report_does_not_count(proposal, since):
    [first] = report(proposal)
    if since == "unverified":
        EmailAddress.objects.filter(user=first.reporter).update(verified=False)
    elif since == "blocked":
        account_block(actor=factories.moderator(), user=first.reporter, reason="Reports everything.")
    else:
        type(first.reporter).objects.filter(pk=first.reporter_id).update(is_active=False)
    report(proposal, N - 1)
    assert fresh(proposal).is_published  # N reports, N - 1 that count
    report(proposal)
    assert fresh(proposal).under_review


@pytest.mark.parametrize("role", ["moderator", "official", "moderator without a second factor yet"])
def test_staff_content_is_never_hidden_automatically_and_waits_in_the_queue(consultation, role):
    make, _, without = role.partition(" without")
    author = getattr(factories, make)(second_factor=not without)
    proposal = factories.ProposalFactory(consultation=consultation, author=author)
    comment = a_comment(proposal, author=author)
    report(proposal, N + 1)
    report(comment, N + 1)
    assert fresh(proposal).is_published and fresh(comment).is_published
    assert not auto_hidden_entries().exists()
    assert {(kind, pk) for kind, pk, *_ in moderation_queue()} == {
        ("proposal", proposal.pk),
        ("comment", comment.pk),
    }


# The moderator decides ------------------------------------------------------------------------------------


def test_a_moderator_confirms_the_hide_with_a_reason(moderator, proposal):
    report(proposal, N)
    proposal = proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Insults.")
    proposal = fresh(proposal)
    assert (proposal.visibility, proposal.under_review, proposal.moderation_reason) == (
        Visibility.HIDDEN,
        False,
        "Insults.",
    )
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    assert list(AuditEntry.objects.values_list("action", "actor")) == [
        (AuditAction.AUTO_HIDDEN, None),
        (AuditAction.HIDDEN, moderator.pk),
    ]
    assert list(moderation_queue()) == []


def test_a_restored_proposal_is_hidden_again_only_by_new_reports(moderator, proposal):
    first_reports = report(proposal, N)
    proposal_moderate(actor=moderator, proposal=proposal, action="restore")
    proposal = fresh(proposal)
    assert proposal.is_published and not proposal.under_review
    assert list(moderation_queue()) == []
    # Those who reported it cannot report it again; new reports count from zero.
    with pytest.raises(Conflict):
        flag_create(reporter=first_reports[0].reporter, proposal=proposal, reason="spam")
    report(proposal, N - 1)
    assert fresh(proposal).is_published
    report(proposal)
    assert fresh(proposal).under_review
    assert auto_hidden_entries().count() == 2


def test_a_restored_comment_comes_back_and_counts_again(moderator, proposal):
    comment = a_comment(proposal)
    report(comment, N)
    comment_moderate(actor=moderator, comment=comment, action="restore")
    assert fresh(comment).is_published and not comment.under_review
    assert fresh(proposal).comments_count == 1


def test_a_confirmed_comment_hide_keeps_the_count_and_the_reason(moderator, proposal):
    comment = a_comment(proposal)
    report(comment, N)
    comment_moderate(actor=moderator, comment=comment, action="hide", reason="Threats.")
    comment = fresh(comment)
    assert (comment.visibility, comment.under_review, comment.moderation_reason) == (
        Visibility.HIDDEN,
        False,
        "Threats.",
    )
    assert fresh(proposal).comments_count == 0


@pytest.mark.parametrize("role", ["citizen", "unverified_citizen"])
def test_nobody_but_moderators_restores_or_confirms(proposal, role):
    report(proposal, N)
    user = getattr(factories, role)()
    for actor in (user, proposal.author, AnonymousUser()):
        with pytest.raises(NotAllowed):
            proposal_moderate(actor=actor, proposal=proposal, action="restore")
        with pytest.raises(NotAllowed):
            proposal_moderate(actor=actor, proposal=proposal, action="hide", reason="No.")
    assert fresh(proposal).under_review


def test_its_reports_cannot_be_dismissed_while_it_waits(moderator, proposal):
    report(proposal, N)
    with pytest.raises(Conflict) as refused:
        flags_dismiss(actor=moderator, proposal=proposal)
    assert refused.value.code == "under_review"
    assert fresh(proposal).under_review
    assert Flag.objects.filter(resolved_at__isnull=True).count() == N


# The queue ------------------------------------------------------------------------------------------------


def test_the_queue_shows_items_under_review_first_with_their_reports(consultation, proposal):
    waiting_longer = aged(
        factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING), 3
    )
    reported_once = factories.ProposalFactory(consultation=consultation)
    report(reported_once)
    comment = a_comment(proposal)
    report(comment, N)
    report(proposal, N)

    items = queue_items(moderation_queue())

    assert [(entry.kind, entry.item.pk, entry.under_review) for entry in items] == [
        ("comment", comment.pk, True),
        ("proposal", proposal.pk, True),
        ("proposal", waiting_longer.pk, False),
        ("proposal", reported_once.pk, False),
    ]
    assert [len(entry.flags) for entry in items[:2]] == [N, N]
    assert items[1].reasons == [("Abusive, hateful or threatening", N)]


# What open pages hear -------------------------------------------------------------------------------------


def test_a_proposal_hidden_pending_review_leaves_the_live_pages(proposal, django_capture_on_commit_callbacks):
    report(proposal, N - 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report(proposal)
    assert broadcast_events(callbacks) == [{"type": "proposal.hidden", "proposal": proposal.pk}]


def test_a_comment_hidden_pending_review_leaves_the_live_pages(proposal, django_capture_on_commit_callbacks):
    comment = a_comment(proposal)
    report(comment, N - 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report(comment)
    assert broadcast_events(callbacks) == [
        {
            "type": "comment.removed",
            "proposal": proposal.pk,
            "comment": comment.pk,
            "reason": "hidden",
            "comments": 0,
        }
    ]


def test_reports_short_of_the_number_send_nothing_live(proposal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report(proposal, N - 1)
    assert broadcast_events(callbacks) == []


# Exactly once ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_reports_sent_at_once_hide_once_with_one_entry_and_one_event():
    consultation = factories.consultation(auto_hide_reports=N)
    proposal = factories.ProposalFactory(consultation=consultation)
    reporters = [factories.citizen() for _ in range(N + 3)]
    start = threading.Barrier(len(reporters))
    outcomes: list[object] = []

    def report_now(reporter):
        try:
            start.wait(timeout=30)
            outcomes.append(flag_create(reporter=reporter, proposal=proposal, reason="spam"))
        except Exception as error:  # noqa: BLE001 - reported to the main thread
            outcomes.append(error)
        finally:
            connections.close_all()

    with GroupListener(broadcasts.consultation_group(consultation.pk)) as listener:
        threads = [threading.Thread(target=report_now, args=(reporter,)) for reporter in reporters]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        [event] = listener.events(1)
        assert without_generations(event) == {"type": "proposal.hidden", "proposal": proposal.pk}
        listener.timeout = 1
        with pytest.raises(TimeoutError):
            listener.events(1)  # no second one

    flags = [outcome for outcome in outcomes if isinstance(outcome, Flag)]
    refused = [outcome for outcome in outcomes if not isinstance(outcome, Flag)]
    # The first N made it; every later one found the proposal hidden already.
    assert len(flags) == N, outcomes
    assert all(isinstance(error, Conflict) and error.code == "proposal_not_published" for error in refused)
    assert fresh(proposal).under_review
    assert auto_hidden_entries().count() == 1
