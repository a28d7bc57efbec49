"""Comment services and predicates: who may post, reply, edit, delete and moderate; the count of published
comments through every transition; the audit trail; live events only after commit, never with unpublished
text; and the thread as each viewer reads it."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from cms.models import ModerationMode
from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError
from proposals import permissions
from proposals.comments_selectors import comment_get, comment_thread
from proposals.models import AuditEntry, Comment, Flag, Proposal, Visibility
from proposals.moderation_selectors import moderation_queue, queue_items
from proposals.services import comment_delete, comment_edit, comment_moderate, comment_post
from tests.support import factories
from tests.support.api import make_user
from tests.support.broadcasts import broadcast_callbacks
from tests.support.broadcasts import broadcast_events as sent

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "unverified", "citizen", "moderator", "official", "admin")


def user_for(role: str):
    if role == "anonymous":
        return AnonymousUser()
    return make_user({"unverified": "unverified_citizen", "admin": "superuser"}.get(role, role))


def count_of(proposal) -> int:
    return Proposal.objects.get(pk=proposal.pk).comments_count


@pytest.fixture
def proposal():
    return factories.ProposalFactory()


def post(author, proposal, body="Could the form be saved halfway?", **kwargs) -> Comment:
    return comment_post(author=author, proposal=proposal, body=body, **kwargs)


# Predicates across roles


@pytest.mark.parametrize("role", ROLES)
def test_only_the_author_edits_and_deletes(role, proposal):
    comment = post(factories.citizen(), proposal)
    someone = user_for(role)
    assert not permissions.can_edit_comment(someone, comment)
    assert not permissions.can_delete_comment(someone, comment)
    assert permissions.can_edit_comment(comment.author, comment)
    assert permissions.can_delete_comment(comment.author, comment)


def test_the_edit_window_closes_but_deleting_stays_possible(proposal, settings):
    comment = post(factories.citizen(), proposal)
    later = comment.created_at + timedelta(minutes=settings.COMMENT_EDIT_MINUTES)
    assert permissions.can_edit_comment(comment.author, comment, at=later - timedelta(seconds=1))
    assert not permissions.can_edit_comment(comment.author, comment, at=later)
    assert permissions.can_delete_comment(comment.author, comment)


def test_an_inactive_author_is_no_author(proposal):
    comment = post(factories.citizen(), proposal)
    comment.author.is_active = False
    assert not permissions.can_delete_comment(comment.author, comment)


@pytest.mark.parametrize("role", ROLES)
def test_pending_text_is_read_by_its_author_and_moderators_only(role, proposal):
    comment = factories.citizen()
    comment = Comment.objects.create(proposal=proposal, author=comment, body="Waiting.")
    assert permissions.can_read_comment_text(user_for(role), comment) == (
        role in ("moderator", "official", "admin")
    )
    assert permissions.can_read_comment_text(comment.author, comment)


# comment_post


def test_a_comment_in_a_post_moderated_consultation_is_published_counted_and_announced(
    proposal, django_capture_on_commit_callbacks
):
    author = factories.citizen(display_name="Sam")
    with django_capture_on_commit_callbacks() as callbacks:
        comment = post(author, proposal, body="  Could the form be saved halfway?  ")
    assert (comment.visibility, comment.body) == (Visibility.PUBLISHED, "Could the form be saved halfway?")
    assert not comment.author_is_official
    assert count_of(proposal) == 1
    [event] = sent(callbacks)
    assert broadcast_callbacks(callbacks)[0].args[0] == proposal.consultation_id  # to its stream
    assert event == {
        "type": "comment.published",
        "proposal": proposal.pk,
        "comments": 1,
        "comment": {
            "id": comment.pk,
            "proposal": proposal.pk,
            "parent": None,
            "author_name": "Sam",
            "is_official": False,
            "body": "Could the form be saved halfway?",
            "created_at": comment.created_at.isoformat(),
            "edited": False,
        },
    }


def test_nothing_is_announced_when_the_transaction_rolls_back(proposal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        post(factories.citizen(), proposal)
        raise RuntimeError
    assert sent(callbacks) == []
    assert count_of(proposal) == 0
    assert not Comment.objects.exists()


def test_a_pre_moderated_comment_waits_and_is_not_announced(django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    with django_capture_on_commit_callbacks() as callbacks:
        comment = post(factories.citizen(), proposal)
    assert comment.visibility == Visibility.PENDING
    assert count_of(proposal) == 0
    assert sent(callbacks) == []


def test_an_officials_comment_is_marked_as_such_for_good(proposal):
    official = factories.official()
    comment = post(official, proposal)
    assert comment.author_is_official
    official.groups.clear()
    comment.refresh_from_db()
    assert comment.author_is_official


@pytest.mark.parametrize("role", ["moderator", "official", "admin"])
def test_staff_with_a_verified_address_comment_like_citizens(role, proposal):
    assert post(user_for(role), proposal).is_published


@pytest.mark.parametrize("role", ["anonymous", "unverified"])
def test_unverified_people_cannot_comment(role, proposal):
    with pytest.raises(NotAllowed):
        post(user_for(role), proposal)
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 2001])
def test_the_body_must_be_1_to_2000_characters(body, proposal):
    with pytest.raises(ServiceError) as refused:
        post(factories.citizen(), proposal, body=body)
    assert "body" in refused.value.fields
    assert not Comment.objects.exists()


def test_2000_characters_are_enough(proposal):
    assert len(post(factories.citizen(), proposal, body="x" * 2000).body) == 2000


def test_no_comments_on_a_closed_consultation():
    proposal = factories.ProposalFactory(consultation=factories.consultation(open_now=False))
    with pytest.raises(Conflict) as refused:
        post(factories.citizen(), proposal)
    assert refused.value.code == "consultation_closed"


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_no_comments_on_an_unpublished_proposal(visibility):
    proposal = factories.ProposalFactory(visibility=visibility)
    with pytest.raises(Conflict) as refused:
        post(proposal.author, proposal)
    assert refused.value.code == "proposal_not_published"


def test_a_reply_to_a_top_level_comment(proposal):
    parent = post(factories.citizen(), proposal)
    reply = post(factories.citizen(), proposal, body="Yes, please.", parent=parent)
    assert reply.parent == parent
    assert count_of(proposal) == 2


def test_no_reply_to_a_reply(proposal):
    parent = post(factories.citizen(), proposal)
    reply = post(factories.citizen(), proposal, parent=parent)
    with pytest.raises(ServiceError) as refused:
        post(factories.citizen(), proposal, parent=reply)
    assert "parent" in refused.value.fields
    assert count_of(proposal) == 2


def test_no_reply_across_proposals(proposal):
    elsewhere = post(factories.citizen(), factories.ProposalFactory(consultation=proposal.consultation))
    with pytest.raises(ServiceError) as refused:
        post(factories.citizen(), proposal, parent=elsewhere)
    assert "parent" in refused.value.fields


@pytest.mark.parametrize("state", ["pending", "hidden", "deleted"])
def test_no_reply_to_a_comment_that_is_not_shown(state, proposal):
    parent = Comment.objects.create(
        proposal=proposal,
        author=factories.citizen(),
        body="" if state == "deleted" else "Text.",
        visibility=Visibility.PUBLISHED if state == "deleted" else state,
        deleted_at=timezone.now() if state == "deleted" else None,
    )
    with pytest.raises(ServiceError) as refused:
        post(factories.citizen(), proposal, parent=parent)
    assert "parent" in refused.value.fields


# comment_edit


def test_the_author_edits_within_the_window(proposal, django_capture_on_commit_callbacks):
    comment = post(factories.citizen(), proposal)
    with django_capture_on_commit_callbacks() as callbacks:
        edited = comment_edit(actor=comment.author, comment=comment, body="Could it be saved, halfway? ")
    assert edited.body == "Could it be saved, halfway?"
    assert edited.edited_at is not None
    [event] = sent(callbacks)
    assert event["type"] == "comment.updated"
    assert (event["comment"]["body"], event["comment"]["edited"]) == ("Could it be saved, halfway?", True)
    assert count_of(proposal) == 1


@pytest.mark.parametrize("role", ROLES)
def test_nobody_else_edits(role, proposal):
    comment = post(factories.citizen(), proposal)
    with pytest.raises(NotAllowed):
        comment_edit(actor=user_for(role), comment=comment, body="Changed.")
    assert Comment.objects.get().body == comment.body


def test_no_edit_after_the_window(proposal, settings):
    comment = post(factories.citizen(), proposal)
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(minutes=settings.COMMENT_EDIT_MINUTES, seconds=1)
    )
    with pytest.raises(Conflict) as refused:
        comment_edit(actor=comment.author, comment=comment, body="Too late.")
    assert refused.value.code == "edit_window_closed"
    assert Comment.objects.get().edited_at is None


def test_no_edit_of_a_deleted_or_hidden_comment(proposal, moderator):
    deleted = post(factories.citizen(), proposal)
    comment_delete(actor=deleted.author, comment=deleted)
    hidden = post(factories.citizen(), proposal)
    comment_moderate(actor=moderator, comment=hidden, action="hide", reason="Insults.")
    for comment, code in [(deleted, "comment_deleted"), (hidden, "comment_hidden")]:
        with pytest.raises(Conflict) as refused:
            comment_edit(actor=comment.author, comment=comment, body="Changed.")
        assert refused.value.code == code


def test_editing_a_pending_comment_announces_nothing(django_capture_on_commit_callbacks):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    comment = post(factories.citizen(), proposal)
    with django_capture_on_commit_callbacks() as callbacks:
        comment_edit(actor=comment.author, comment=comment, body="Secret draft.")
    assert sent(callbacks) == []


def test_an_empty_edit_is_refused(proposal):
    comment = post(factories.citizen(), proposal)
    with pytest.raises(ServiceError) as refused:
        comment_edit(actor=comment.author, comment=comment, body="  ")
    assert "body" in refused.value.fields


# comment_delete


def test_the_author_deletes_and_replies_keep_their_place(proposal, django_capture_on_commit_callbacks):
    parent = post(factories.citizen(), proposal)
    reply = post(factories.citizen(), proposal, parent=parent)
    with django_capture_on_commit_callbacks() as callbacks:
        comment_delete(actor=parent.author, comment=parent)
    parent.refresh_from_db()
    assert (parent.body, parent.is_deleted) == ("", True)
    assert Comment.objects.get(pk=reply.pk).parent_id == parent.pk
    assert count_of(proposal) == 1
    assert sent(callbacks) == [
        {
            "type": "comment.removed",
            "proposal": proposal.pk,
            "comment": parent.pk,
            "reason": "deleted",
            "comments": 1,
        }
    ]
    # Again: nothing changes, nothing is sent.
    with django_capture_on_commit_callbacks() as callbacks:
        comment_delete(actor=parent.author, comment=parent)
    assert sent(callbacks) == []
    assert count_of(proposal) == 1


@pytest.mark.parametrize("role", ROLES)
def test_nobody_else_deletes(role, proposal):
    comment = post(factories.citizen(), proposal)
    with pytest.raises(NotAllowed):
        comment_delete(actor=user_for(role), comment=comment)
    assert not Comment.objects.get().is_deleted


def test_deleting_a_hidden_comment_leaves_the_count(proposal, moderator, django_capture_on_commit_callbacks):
    comment = post(factories.citizen(), proposal)
    comment_moderate(actor=moderator, comment=comment, action="hide", reason="Spam.")
    with django_capture_on_commit_callbacks() as callbacks:
        comment_delete(actor=comment.author, comment=comment)
    assert count_of(proposal) == 0
    assert sent(callbacks) == []


# comment_moderate


@pytest.fixture
def pre_moderated():
    return factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))


@pytest.mark.parametrize("role", ["moderator", "official", "admin"])
def test_approve_hide_restore_with_counts_audit_and_events(
    role, pre_moderated, django_capture_on_commit_callbacks
):
    actor = user_for(role)
    comment = post(factories.citizen(), pre_moderated)
    with django_capture_on_commit_callbacks() as callbacks:
        comment_moderate(actor=actor, comment=comment, action="approve")
        assert count_of(pre_moderated) == 1
        comment_moderate(actor=actor, comment=comment, action="hide", reason="Personal data.")
        assert count_of(pre_moderated) == 0
        assert Comment.objects.get().moderation_reason == "Personal data."
        comment_moderate(actor=actor, comment=comment, action="restore")
        assert count_of(pre_moderated) == 1
    assert [(e["type"], e["comments"]) for e in sent(callbacks)] == [
        ("comment.published", 1),
        ("comment.removed", 0),
        ("comment.published", 1),
    ]
    assert sent(callbacks)[1]["reason"] == "hidden"
    assert "body" not in json.dumps(sent(callbacks)[1])
    entries = AuditEntry.objects.trail().filter(comment=comment)
    assert list(entries.values_list("action", "from_value", "to_value", "reason", "actor", "public")) == [
        ("approved", "pending", "published", "", actor.pk, False),
        ("hidden", "published", "hidden", "Personal data.", actor.pk, False),
        ("restored", "hidden", "published", "", actor.pk, False),
    ]
    assert Comment.objects.get().moderation_reason == ""


@pytest.mark.parametrize("role", ["anonymous", "unverified", "citizen"])
def test_citizens_cannot_moderate(role, pre_moderated):
    comment = post(factories.citizen(), pre_moderated)
    with pytest.raises(NotAllowed):
        comment_moderate(actor=user_for(role), comment=comment, action="approve")
    with pytest.raises(NotAllowed):
        comment_moderate(actor=comment.author, comment=comment, action="approve")
    assert Comment.objects.get().visibility == Visibility.PENDING
    assert not AuditEntry.objects.trail().exists()


@pytest.mark.parametrize(
    "action, reason, field",
    [
        ("hide", "", "reason"),
        ("hide", " ", "reason"),
        ("delete", "x", "action"),
        ("hide", "x" * 501, "reason"),
    ],
)
def test_bad_moderation_input(action, reason, field, proposal, moderator):
    comment = post(factories.citizen(), proposal)
    with pytest.raises(ServiceError) as refused:
        comment_moderate(actor=moderator, comment=comment, action=action, reason=reason)
    assert field in refused.value.fields
    assert Comment.objects.get().is_published


def test_asking_for_the_current_state_changes_nothing(proposal, moderator):
    comment = post(factories.citizen(), proposal)
    comment_moderate(actor=moderator, comment=comment, action="approve")
    assert count_of(proposal) == 1
    assert not AuditEntry.objects.trail().exists()


def test_a_deleted_comment_is_not_moderated(proposal, moderator):
    comment = post(factories.citizen(), proposal)
    comment_delete(actor=comment.author, comment=comment)
    with pytest.raises(Conflict) as refused:
        comment_moderate(actor=moderator, comment=comment, action="hide", reason="Spam.")
    assert refused.value.code == "comment_deleted"


def test_hiding_resolves_the_comments_reports(proposal, moderator):
    comment = post(factories.citizen(), proposal)
    flag = Flag.objects.create(reporter=factories.citizen(), comment=comment, reason="spam")
    comment_moderate(actor=moderator, comment=comment, action="hide", reason="Spam.")
    flag.refresh_from_db()
    assert flag.resolved_at is not None


def test_nothing_is_announced_for_a_hidden_proposal(proposal, moderator, django_capture_on_commit_callbacks):
    comment = post(factories.citizen(), proposal)
    Proposal.objects.filter(pk=proposal.pk).update(visibility=Visibility.HIDDEN)
    with django_capture_on_commit_callbacks() as callbacks:
        comment_moderate(actor=moderator, comment=comment, action="hide", reason="Spam.")
        comment_moderate(actor=moderator, comment=comment, action="restore")
        comment_delete(actor=comment.author, comment=comment)
    assert sent(callbacks) == []
    assert count_of(proposal) == 0


# The thread as each viewer reads it


def thread_of(proposal, user):
    return [(c.pk, [r.pk for r in c.shown_replies]) for c in comment_thread(proposal=proposal, user=user)]


def test_the_thread_is_oldest_first_with_replies(proposal):
    first = post(factories.citizen(), proposal)
    second = post(factories.citizen(), proposal)
    reply = post(factories.citizen(), proposal, parent=first)
    assert thread_of(proposal, AnonymousUser()) == [(first.pk, [reply.pk]), (second.pk, [])]


def test_pending_and_hidden_comments_are_for_their_authors_and_moderators(pre_moderated, moderator):
    author = factories.citizen()
    pending = post(author, pre_moderated)
    hidden = post(author, pre_moderated)
    comment_moderate(actor=moderator, comment=hidden, action="hide", reason="Spam.")
    assert thread_of(pre_moderated, AnonymousUser()) == []
    assert thread_of(pre_moderated, factories.citizen()) == []
    assert thread_of(pre_moderated, author) == [(pending.pk, []), (hidden.pk, [])]
    assert thread_of(pre_moderated, moderator) == [(pending.pk, []), (hidden.pk, [])]
    with pytest.raises(NotFound):  # it does not exist for others
        comment_get(comment_id=pending.pk, user=factories.citizen())
    assert comment_get(comment_id=pending.pk, user=author) == pending


def test_a_removed_comment_stays_as_a_placeholder_only_while_replies_are_shown(proposal, moderator):
    hidden, deleted, lonely = (post(factories.citizen(), proposal) for _ in range(3))
    replies = [post(factories.citizen(), proposal, parent=parent) for parent in (hidden, deleted)]
    comment_moderate(actor=moderator, comment=hidden, action="hide", reason="Insults.")
    for comment in (deleted, lonely):
        comment_delete(actor=comment.author, comment=comment)
    assert thread_of(proposal, AnonymousUser()) == [
        (hidden.pk, [replies[0].pk]),
        (deleted.pk, [replies[1].pk]),
    ]
    assert not permissions.can_read_comment_text(factories.citizen(), Comment.objects.get(pk=hidden.pk))
    assert count_of(proposal) == 2


# An author's edit in a pre-moderated consultation


@pytest.fixture
def approved(pre_moderated, moderator):
    """A published comment of a pre-moderated consultation, still within its edit window."""
    comment = post(factories.citizen(display_name="Sam"), pre_moderated, body="Approved words.")
    return comment_moderate(actor=moderator, comment=comment, action="approve")


def test_an_edit_waits_for_moderation_while_readers_keep_the_approved_text(
    approved, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        edited = comment_edit(actor=approved.author, comment=approved, body="  Unapproved words.  ")
    assert sent(callbacks) == []
    stored = Comment.objects.get()
    assert (stored.body, stored.edited_at, stored.visibility) == (
        "Approved words.",
        None,
        Visibility.PUBLISHED,
    )
    assert (stored.pending_body, stored.has_pending_edit) == ("Unapproved words.", True)
    assert edited.has_pending_edit
    [top] = comment_thread(proposal=approved.proposal, user=AnonymousUser())
    assert top.body == "Approved words."
    assert count_of(approved.proposal) == 1


def test_approving_the_edit_publishes_and_announces_it_with_an_audit_entry(
    approved, moderator, django_capture_on_commit_callbacks
):
    comment_edit(actor=approved.author, comment=approved, body="Better words.")
    with django_capture_on_commit_callbacks() as callbacks:
        comment_moderate(actor=moderator, comment=approved, action="approve")
    stored = Comment.objects.get()
    assert (stored.body, stored.has_pending_edit, stored.pending_body) == ("Better words.", False, "")
    assert stored.edited_at is not None
    [event] = sent(callbacks)
    assert event["type"] == "comment.updated"
    assert (event["comment"]["body"], event["comment"]["edited"]) == ("Better words.", True)
    entry = AuditEntry.objects.filter(comment=approved).last()
    assert (entry.action, entry.actor, entry.public) == ("edit_approved", moderator, False)
    assert entry.get_action_display() == "Edit approved by moderation"


def test_rejecting_the_edit_drops_it_and_tells_its_author(
    approved, moderator, django_capture_on_commit_callbacks
):
    comment_edit(actor=approved.author, comment=approved, body="Rude words.")
    with pytest.raises(ServiceError) as refused:
        comment_moderate(actor=moderator, comment=approved, action="reject_edit", reason=" ")
    assert "reason" in refused.value.fields
    with django_capture_on_commit_callbacks() as callbacks:
        comment_moderate(actor=moderator, comment=approved, action="reject_edit", reason="Insults.")
    assert sent(callbacks) == []
    stored = Comment.objects.get()
    assert (stored.body, stored.has_pending_edit, stored.edit_rejection_reason) == (
        "Approved words.",
        False,
        "Insults.",
    )
    assert stored.is_published
    entry = AuditEntry.objects.filter(comment=approved).last()
    assert (entry.action, entry.reason, entry.actor) == ("edit_rejected", "Insults.", moderator)
    # Nothing is left to reject; the author's next edit waits again, without the old reason.
    with pytest.raises(Conflict) as refused:
        comment_moderate(actor=moderator, comment=approved, action="reject_edit", reason="Again.")
    assert refused.value.code == "no_pending_edit"
    comment_edit(actor=approved.author, comment=approved, body="Kinder words.")
    assert Comment.objects.get().edit_rejection_reason == ""


def test_a_newer_edit_replaces_the_waiting_one_and_the_approved_text_withdraws_it(approved):
    comment_edit(actor=approved.author, comment=approved, body="First try.")
    comment_edit(actor=approved.author, comment=approved, body="Second try.")
    assert Comment.objects.get().pending_body == "Second try."
    comment_edit(actor=approved.author, comment=approved, body="Approved words.")
    stored = Comment.objects.get()
    assert (stored.has_pending_edit, stored.pending_body, stored.edited_at) == (False, "", None)


def test_deleting_or_hiding_drops_the_waiting_edit(approved, moderator, pre_moderated):
    comment_edit(actor=approved.author, comment=approved, body="Edit.")
    comment_moderate(actor=moderator, comment=approved, action="hide", reason="Spam.")
    assert not Comment.objects.get(pk=approved.pk).has_pending_edit
    other = comment_moderate(
        actor=moderator, comment=post(factories.citizen(), pre_moderated), action="approve"
    )
    comment_edit(actor=other.author, comment=other, body="Edit.")
    comment_delete(actor=other.author, comment=other)
    assert (Comment.objects.get(pk=other.pk).pending_body, Comment.objects.get(pk=other.pk).pending_at) == (
        "",
        None,
    )


def test_a_pending_comment_is_edited_in_place_and_stays_pending(pre_moderated):
    comment = post(factories.citizen(), pre_moderated)
    comment_edit(actor=comment.author, comment=comment, body="Changed before approval.")
    stored = Comment.objects.get()
    assert (stored.body, stored.visibility, stored.has_pending_edit) == (
        "Changed before approval.",
        Visibility.PENDING,
        False,
    )


def test_the_waiting_edit_is_in_the_moderation_queue_since_it_was_made(approved, moderator):
    assert list(moderation_queue()) == []
    comment_edit(actor=approved.author, comment=approved, body="Edit.")
    [(kind, pk, urgent, queued_at)] = list(moderation_queue())
    assert (kind, pk, urgent, queued_at) == ("comment", approved.pk, 1, Comment.objects.get().pending_at)
    [item] = queue_items(list(moderation_queue()))
    assert item.item.pending_body == "Edit."
    comment_moderate(actor=moderator, comment=approved, action="approve")
    assert list(moderation_queue()) == []
