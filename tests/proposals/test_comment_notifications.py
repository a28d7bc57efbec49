"""A proposal's author is told when someone else's comment on it becomes public: in the site always, by
e-mail as their `comments` choice says (a daily summary by default). Once per comment: not for their own,
not while it waits for moderation, not again after an edit or a hide and restore. Instant e-mails are one
per proposal for the comments waiting, at most one an hour."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from cms.models import ModerationMode
from proposals import notifications
from proposals.api.moderation import proposal_history
from proposals.models import AuditAction, AuditEntry, Notification
from proposals.services import comment_edit, comment_moderate, comment_post
from tests.support import factories

pytestmark = pytest.mark.django_db

SITE_URL = "https://participate.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


def author_of(consultation, comments=None, title="Pay within two weeks"):
    author = factories.citizen(first_name="Ada", last_name="Lovelace")
    if comments:
        notifications.email_settings_set(
            user=author, email_notifications=True, frequencies={"comments": comments}
        )
    return author, factories.ProposalFactory(author=author, consultation=consultation, title=title)


def told(person) -> list[str]:
    return [notifications.notification_text(n) for n in notifications.notification_list(user=person)]


def mails_to(person) -> list:
    return [m for m in mail.outbox if m.to == [person.email]]


def send_instant() -> None:
    call_command("send_notifications", stdout=StringIO())


def digests(period) -> str:
    out = StringIO()
    call_command("send_citizen_digests", period=period, stdout=out)
    return out.getvalue()


def post(proposal, capture, author=None, **kwargs):
    with capture(execute=True):
        return comment_post(author=author or factories.citizen(), proposal=proposal, body="Agreed.", **kwargs)


# Who is told, and when


def test_the_author_is_told_of_a_comment_and_of_a_reply(consultation, django_capture_on_commit_callbacks):
    author, proposal = author_of(consultation)
    comment = post(proposal, django_capture_on_commit_callbacks)
    post(proposal, django_capture_on_commit_callbacks, parent=comment)

    assert told(author) == ["A new comment on your proposal “Pay within two weeks”."] * 2
    assert notifications.unread_count(user=author) == 2


def test_not_for_the_authors_own_comment_nor_anyone_else(
    consultation, citizen, django_capture_on_commit_callbacks
):
    author, proposal = author_of(consultation)
    notifications.follow_add(user=citizen, proposal=proposal)  # followers are not told of comments
    post(proposal, django_capture_on_commit_callbacks, author=author)

    assert told(author) == []
    assert Notification.objects.count() == 0
    assert not AuditEntry.objects.filter(action=AuditAction.COMMENT_PUBLISHED).exists()
    post(proposal, django_capture_on_commit_callbacks)
    assert told(citizen) == []
    assert len(told(author)) == 1


def test_a_pending_comment_tells_only_once_approved(moderator, django_capture_on_commit_callbacks):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    author, proposal = author_of(consultation, comments="instant")
    comment = post(proposal, django_capture_on_commit_callbacks)
    send_instant()
    assert told(author) == [] and mails_to(author) == []

    with django_capture_on_commit_callbacks(execute=True):
        comment_moderate(actor=moderator, comment=comment, action="approve")
    send_instant()
    assert len(told(author)) == 1
    assert len(mails_to(author)) == 1


def test_a_comment_rejected_while_pending_tells_when_restored(moderator, django_capture_on_commit_callbacks):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    author, proposal = author_of(consultation)
    comment = post(proposal, django_capture_on_commit_callbacks)
    comment_moderate(actor=moderator, comment=comment, action="hide", reason="Off topic")
    assert told(author) == []

    comment_moderate(actor=moderator, comment=comment, action="restore")
    assert len(told(author)) == 1  # public for the first time now


def test_an_edit_or_a_hide_and_restore_does_not_tell_again(
    consultation, moderator, django_capture_on_commit_callbacks
):
    author, proposal = author_of(consultation, comments="instant")
    commenter = factories.citizen()
    comment = post(proposal, django_capture_on_commit_callbacks, author=commenter)
    comment_edit(actor=commenter, comment=comment, body="Agreed, within ten days.")
    comment_moderate(actor=moderator, comment=comment, action="hide", reason="Spam")
    comment_moderate(actor=moderator, comment=comment, action="restore")
    send_instant()

    assert len(told(author)) == 1
    assert len(mails_to(author)) == 1
    assert AuditEntry.objects.filter(comment=comment, action=AuditAction.COMMENT_PUBLISHED).count() == 1


def test_the_database_refuses_announcing_a_comment_twice(consultation, django_capture_on_commit_callbacks):
    _, proposal = author_of(consultation)
    comment = post(proposal, django_capture_on_commit_callbacks)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.create(
            proposal=proposal, comment=comment, action=AuditAction.COMMENT_PUBLISHED, actor_role="platform"
        )


def test_the_entry_is_in_no_history_and_names_nobody(
    consultation, moderator, django_capture_on_commit_callbacks
):
    _, proposal = author_of(consultation)
    post(proposal, django_capture_on_commit_callbacks)
    entry = AuditEntry.objects.get(action=AuditAction.COMMENT_PUBLISHED)
    assert (entry.public, entry.actor_id, entry.actor_name) == (False, None, "")
    # Neither the public history nor the officials' trail (one row a comment would bury the rest).
    assert list(proposal_history(proposal=proposal, user=moderator)) == []


# E-mail, as the author chose


def test_by_default_comments_wait_for_the_daily_summary(consultation, django_capture_on_commit_callbacks):
    author, proposal = author_of(consultation)
    assert author.email_comments == "daily"
    for _ in range(3):
        post(proposal, django_capture_on_commit_callbacks)
    send_instant()
    digests("weekly")
    assert mails_to(author) == []
    assert len(told(author)) == 3  # the site's list has each at once

    assert digests("daily").startswith("Sent 1,")
    [summary] = mails_to(author)
    # One line for the proposal, not one per comment.
    assert summary.body.count("3 new comments on your proposal “Pay within two weeks”.") == 1
    assert f"{SITE_URL}{proposal.get_absolute_url()}#comments" in summary.body
    assert digests("daily").startswith("Sent 0,")


def test_instant_is_one_e_mail_per_proposal_and_at_most_one_an_hour(
    consultation, django_capture_on_commit_callbacks
):
    author, proposal = author_of(consultation, comments="instant")
    for _ in range(3):
        post(proposal, django_capture_on_commit_callbacks)
    assert mails_to(author) == []  # nothing after commit: the run of send_notifications gathers them

    send_instant()
    [first] = mails_to(author)
    assert first.subject == "3 new comments on “Pay within two weeks”"
    assert "3 new comments were published on your proposal “Pay within two weeks”." in first.body
    assert f"Read the comments: {SITE_URL}{proposal.get_absolute_url()}#comments" in first.body
    assert first.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    post(proposal, django_capture_on_commit_callbacks)
    send_instant()
    assert len(mails_to(author)) == 1  # within the hour: it waits
    Notification.objects.filter(emailed_at__isnull=False).update(
        emailed_at=timezone.now() - timedelta(hours=2)
    )
    send_instant()
    second = mails_to(author)[1]
    assert second.subject == "New comment on “Pay within two weeks”"
    send_instant()
    assert len(mails_to(author)) == 2
    digests("daily")
    assert len(mails_to(author)) == 2


def test_instant_e_mails_for_two_proposals_are_two(consultation, django_capture_on_commit_callbacks):
    author, first = author_of(consultation, comments="instant")
    second = factories.ProposalFactory(author=author, consultation=consultation, title="Open on Saturdays")
    post(first, django_capture_on_commit_callbacks)
    post(second, django_capture_on_commit_callbacks)
    send_instant()
    assert sorted(m.subject for m in mails_to(author)) == [
        "New comment on “Open on Saturdays”",
        "New comment on “Pay within two weeks”",
    ]


def test_none_sends_nothing_but_the_site_still_tells(consultation, django_capture_on_commit_callbacks):
    author, proposal = author_of(consultation, comments="none")
    post(proposal, django_capture_on_commit_callbacks)
    send_instant()
    digests("daily")
    digests("weekly")
    assert mails_to(author) == []
    assert len(told(author)) == 1
    assert Notification.objects.get(recipient=author).email_wanted is False


def test_the_e_mail_and_the_list_are_in_the_authors_language(
    consultation, django_capture_on_commit_callbacks
):
    author, proposal = author_of(consultation, comments="instant")
    author.language = "fr"
    author.save(update_fields=["language"])
    post(proposal, django_capture_on_commit_callbacks)
    post(proposal, django_capture_on_commit_callbacks)
    send_instant()

    [message] = mails_to(author)
    assert message.subject == "2 nouveaux commentaires sur «\u00a0Pay within two weeks\u00a0»"
    assert "2 nouveaux commentaires ont été publiés sur votre proposition «\u00a0Pay" in message.body
    assert "Lire les commentaires\u00a0: " in message.body
    with translation.override("fr"):
        assert (
            told(author)[0]
            == "Un nouveau commentaire sur votre proposition «\u00a0Pay within two weeks\u00a0»."
        )
