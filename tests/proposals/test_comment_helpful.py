"""Helpful marks on comments (proposals.services.helpful): who may mark, both ways; one mark per citizen,
a repeat changes nothing, a withdrawal always works; the count is the number of rows, also when citizens
mark at once on their own connections, and a moderator's hide that wins the race refuses the mark."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.utils import timezone

from cms.models import ConsultationPage, ModerationMode
from cocreate.exceptions import Conflict, NotAllowed
from proposals import permissions
from proposals.comments_selectors import comment_thread
from proposals.models import Comment, CommentHelpful
from proposals.services import (
    comment_delete,
    comment_helpful_mark,
    comment_helpful_withdraw,
    comment_moderate,
    comment_post,
)
from tests.support import factories
from tests.support.db import race


@pytest.fixture
def comment(db):
    proposal = factories.ProposalFactory()
    return comment_post(
        author=factories.citizen(display_name="Ana"), proposal=proposal, body="Save it halfway."
    )


def stored(comment) -> tuple[int, int, int]:
    """The comment's count and version as committed, and its rows."""
    fresh = Comment.objects.get(pk=comment.pk)
    return fresh.helpful_count, fresh.helpful_version, CommentHelpful.objects.filter(comment=comment).count()


def close(consultation) -> None:
    ConsultationPage.objects.filter(pk=consultation.pk).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )


def fresh(comment) -> Comment:
    return Comment.objects.select_related("proposal__consultation").get(pk=comment.pk)


def refused(comment, user) -> str:
    with pytest.raises((NotAllowed, Conflict)) as caught:
        comment_helpful_mark(user=user, comment=comment)
    return caught.value.code


# Who may mark


@pytest.mark.django_db
def test_a_verified_citizen_marks_someone_elses_comment(comment):
    citizen = factories.citizen()
    assert permissions.helpful_refusal(citizen, comment) is None
    result = comment_helpful_mark(user=citizen, comment=comment)
    assert (result.helpful, result.version, result.changed) == (1, 1, True)
    assert stored(comment) == (1, 1, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "person",
    [AnonymousUser, factories.unverified_citizen, lambda: factories.citizen(is_active=False)],
    ids=["anonymous", "unverified", "inactive"],
)
def test_a_person_who_may_not_comment_may_not_mark(comment, person):
    user = person()
    assert permissions.helpful_refusal(user, comment) == permissions.EMAIL_UNVERIFIED
    assert permissions.can_mark_helpful(user, comment) is False
    if user.is_authenticated:
        assert refused(comment, user) == "email_unverified"
    assert stored(comment) == (0, 0, 0)


@pytest.mark.django_db
def test_not_ones_own_comment(comment):
    assert permissions.helpful_refusal(comment.author, comment) == permissions.OWN_COMMENT
    assert refused(comment, comment.author) == "own_comment"
    assert stored(comment) == (0, 0, 0)


@pytest.mark.django_db
def test_not_a_hidden_pending_or_deleted_comment(comment):
    moderator, citizen = factories.moderator(), factories.citizen()
    comment_moderate(actor=moderator, comment=comment, action="hide", reason="Personal data.")
    assert refused(Comment.objects.get(pk=comment.pk), citizen) == "comment_not_published"
    # Not even a moderator, who sees it.
    assert refused(Comment.objects.get(pk=comment.pk), moderator) == "comment_not_published"

    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    pending = comment_post(author=factories.citizen(), proposal=proposal, body="Waiting.")
    assert refused(pending, citizen) == "comment_not_published"

    standing = comment_post(author=factories.citizen(), proposal=factories.ProposalFactory(), body="Gone.")
    comment_delete(actor=standing.author, comment=standing)
    assert refused(Comment.objects.get(pk=standing.pk), citizen) == "comment_not_published"
    assert not CommentHelpful.objects.exists()


@pytest.mark.django_db
def test_not_once_the_consultation_closed(comment):
    close(comment.proposal.consultation)
    assert refused(fresh(comment), factories.citizen()) == "consultation_closed"


# One mark per citizen, withdrawable


@pytest.mark.django_db
def test_marking_again_changes_nothing(comment):
    citizen = factories.citizen()
    comment_helpful_mark(user=citizen, comment=comment)
    again = comment_helpful_mark(user=citizen, comment=comment)
    assert (again.helpful, again.version, again.changed) == (1, 1, False)
    assert stored(comment) == (1, 1, 1)


@pytest.mark.django_db
def test_a_withdrawal_takes_the_mark_back_and_a_second_changes_nothing(comment):
    citizen, other = factories.citizen(), factories.citizen()
    comment_helpful_mark(user=citizen, comment=comment)
    comment_helpful_mark(user=other, comment=comment)

    result = comment_helpful_withdraw(user=citizen, comment=comment)
    assert (result.helpful, result.version, result.changed) == (1, 3, True)
    again = comment_helpful_withdraw(user=citizen, comment=comment)
    assert (again.helpful, again.version, again.changed) == (1, 3, False)
    assert stored(comment) == (1, 3, 1)
    assert CommentHelpful.objects.get().user == other


@pytest.mark.django_db
def test_a_mark_can_be_withdrawn_from_a_comment_hidden_since_and_in_a_closed_consultation(comment):
    citizen = factories.citizen()
    comment_helpful_mark(user=citizen, comment=comment)
    comment_moderate(actor=factories.moderator(), comment=comment, action="hide", reason="Personal data.")
    close(comment.proposal.consultation)

    result = comment_helpful_withdraw(user=citizen, comment=fresh(comment))

    assert (result.helpful, result.changed) == (0, True)
    assert stored(comment) == (0, 2, 0)


@pytest.mark.django_db
def test_a_mark_outlives_its_citizens_account(comment):
    citizen = factories.citizen()
    comment_helpful_mark(user=citizen, comment=comment)
    citizen.delete()
    assert stored(comment) == (1, 1, 1)


# The thread's orders


@pytest.mark.django_db
def test_the_thread_most_helpful_first_ties_oldest_first(comment):
    proposal = comment.proposal
    second = comment_post(author=factories.citizen(), proposal=proposal, body="Second.")
    third = comment_post(author=factories.citizen(), proposal=proposal, body="Third.")
    for _ in range(2):
        comment_helpful_mark(user=factories.citizen(), comment=third)
    comment_helpful_mark(user=factories.citizen(), comment=second)
    reader = factories.citizen()
    comment_helpful_mark(user=reader, comment=comment)

    def order(ordering):
        return [c.pk for c in comment_thread(proposal=proposal, user=reader, ordering=ordering)]

    assert order("oldest") == [comment.pk, second.pk, third.pk]
    assert order("helpful") == [third.pk, comment.pk, second.pk]  # 2, then 1 and 1 oldest first
    mine = {c.pk: c.helpful_by_me for c in comment_thread(proposal=proposal, user=reader)}
    assert mine == {comment.pk: True, second.pk: False, third.pk: False}


# Races, on real connections


def run_all(calls) -> list:
    """Each call in its own thread (its own connection), started together; their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - reported to the main thread
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_the_count_equals_the_rows_when_citizens_mark_and_withdraw_at_once():
    proposal = factories.ProposalFactory()
    comment = comment_post(author=factories.citizen(), proposal=proposal, body="Save it halfway.")
    citizens = [factories.citizen() for _ in range(8)]
    comment_helpful_mark(user=citizens[0], comment=comment)  # withdrawn below, while others mark
    comment = Comment.objects.select_related("proposal").get(pk=comment.pk)

    calls = [lambda c=c: comment_helpful_mark(user=c, comment=comment) for c in citizens[1:]]
    calls += [lambda: comment_helpful_withdraw(user=citizens[0], comment=comment)]
    # The same citizen twice at once: one row, one count.
    calls += [lambda: comment_helpful_mark(user=citizens[1], comment=comment)]
    outcomes = run_all(calls)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.changed for o in outcomes) == 8  # 7 marks and the withdrawal; the repeat changed nothing
    assert stored(comment) == (7, 9, 7)
    # Each change was answered the count it wrote: all of them different, ending at the stored one.
    versions = sorted(o.version for o in outcomes if o.changed)
    assert versions == list(range(2, 10))


@pytest.mark.django_db(transaction=True)
def test_a_mark_cannot_land_on_a_comment_hidden_meanwhile():
    proposal = factories.ProposalFactory()
    comment = comment_post(author=factories.citizen(), proposal=proposal, body="Save it halfway.")
    moderator, citizen = factories.moderator(), factories.citizen()
    comment = Comment.objects.select_related("proposal").get(pk=comment.pk)  # as the view reads it
    # The moderator's hide holds the comment's row until commit; the mark's count waits for it.
    outcome = race(
        lambda: comment_moderate(actor=moderator, comment=comment, action="hide", reason="Personal data."),
        lambda: comment_helpful_mark(user=citizen, comment=comment),
    )

    assert isinstance(outcome.get("error"), Conflict), outcome
    assert outcome["error"].code == "comment_not_published"
    assert stored(comment) == (0, 0, 0)
