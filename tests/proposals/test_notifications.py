"""Notifications: who is told of a proposal's status change, official response or threshold, in the site
and by e-mail; e-mails go after commit, and a failed one stays queued until `send_notifications` sends it."""

import io
import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.utils import formats, timezone, translation

from cocreate.exceptions import NotFound
from proposals import notifications
from proposals.models import AuditAction, Follow, Notification, Status, Visibility
from proposals.services import proposal_moderate, proposal_set_status, response_publish
from tests.support import factories
from tests.support.mail import MAIL_SERVER_AWAY, RECIPIENT_REFUSED
from votes.models import Support
from votes.services import support_add, support_withdraw

pytestmark = pytest.mark.django_db

SITE_URL = "https://participate.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def proposal(consultation):
    return factories.ProposalFactory(consultation=consultation, title="Pay within two weeks")


def follower(proposal, **kwargs):
    user = factories.citizen(**kwargs)
    Follow.objects.create(user=user, proposal=proposal)
    return user


def recipients(**filters) -> set:
    return set(Notification.objects.filter(**filters).values_list("recipient_id", flat=True))


def set_status(official, proposal, status=Status.UNDER_REVIEW, note=""):
    return proposal_set_status(actor=official, proposal=proposal, status=status, note=note)


def only_email_to(user):
    [message] = [m for m in mail.outbox if m.to == [user.email]]
    return message


# Fan-out: who gets one


def test_status_change_notifies_followers_but_not_the_official_who_made_it(
    proposal, official, django_capture_on_commit_callbacks
):
    wants_email = follower(proposal)
    no_email = follower(proposal, email_notifications=False)
    unverified = factories.unverified_citizen()
    Follow.objects.create(user=unverified, proposal=proposal)
    Follow.objects.create(user=official, proposal=proposal)
    left = follower(proposal)
    Follow.objects.filter(user=left).delete()
    bystander = factories.citizen()

    with django_capture_on_commit_callbacks(execute=True):
        set_status(official, proposal)

    assert recipients() == {wants_email.pk, no_email.pk, unverified.pk}
    assert recipients(email_wanted=True) == {wants_email.pk}
    assert [m.to for m in mail.outbox] == [[wants_email.email]]
    assert Notification.objects.get(recipient=wants_email).emailed_at is not None
    assert Notification.objects.get(recipient=no_email).emailed_at is None
    assert not Notification.objects.filter(recipient__in=[official, left, bystander]).exists()


def test_nothing_is_sent_before_commit(proposal, official, django_capture_on_commit_callbacks):
    follower(proposal)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        set_status(official, proposal)
    assert Notification.objects.count() == 1  # written in the action's transaction
    assert mail.outbox == []
    assert callbacks


def test_a_response_with_a_decision_is_one_notification(
    proposal, official, django_capture_on_commit_callbacks
):
    citizen = follower(proposal)
    with django_capture_on_commit_callbacks(execute=True):
        response_publish(
            actor=official, proposal=proposal, body="We will pay within ten days.", decision="accepted"
        )

    [notification] = Notification.objects.filter(recipient=citizen)
    assert notification.entry.action == AuditAction.RESPONSE_PUBLISHED
    assert len(mail.outbox) == 1


def test_threshold_tells_the_author_and_the_followers_once(django_capture_on_commit_callbacks):
    consultation = factories.consultation(support_threshold=2)
    author = factories.citizen()
    proposal = factories.ProposalFactory(consultation=consultation, author=author)
    first, second = factories.citizen(), factories.citizen()

    with django_capture_on_commit_callbacks(execute=True):
        support_add(user=first, proposal=proposal)
        support_add(user=second, proposal=proposal)  # reaches the threshold

    threshold = Notification.objects.filter(entry__action=AuditAction.THRESHOLD_REACHED)
    assert set(threshold.values_list("recipient_id", flat=True)) == {author.pk, first.pk, second.pk}
    assert Notification.objects.count() == 3  # no second one for the move to "awaiting response"
    message = only_email_to(author)
    assert "your proposal" in message.body
    proposal.refresh_from_db()
    with translation.override("en"):
        due = formats.date_format(timezone.localtime(proposal.response_due_at), "DATE_FORMAT")
    assert due in message.body


def test_no_notification_for_a_proposal_that_is_not_published(proposal, official, moderator):
    citizen = follower(proposal)
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Spam")
    set_status(official, proposal)
    assert not Notification.objects.filter(recipient=citizen).exists()


def test_an_inactive_follower_gets_nothing(proposal, official):
    gone = follower(proposal, is_active=False)
    set_status(official, proposal)
    assert not Notification.objects.filter(recipient=gone).exists()


# Follows from supports


def test_supporting_follows_and_withdrawing_does_not_unfollow(proposal, citizen):
    support_add(user=citizen, proposal=proposal)
    assert Follow.objects.filter(user=citizen, proposal=proposal).exists()

    support_withdraw(user=citizen, proposal=proposal)
    assert not Support.objects.filter(user=citizen).exists()
    assert Follow.objects.filter(user=citizen, proposal=proposal).exists()


def test_supporting_again_keeps_the_one_follow(proposal, citizen):
    notifications.follow_add(user=citizen, proposal=proposal)
    support_add(user=citizen, proposal=proposal)
    assert Follow.objects.filter(user=citizen, proposal=proposal).count() == 1


# Failures lose nothing


def test_a_failed_send_stays_queued_and_the_command_delivers_it(
    proposal, official, settings, django_capture_on_commit_callbacks
):
    citizen = follower(proposal)
    settings.EMAIL_BACKEND = MAIL_SERVER_AWAY

    with django_capture_on_commit_callbacks(execute=True):
        set_status(official, proposal)  # does not raise

    notification = Notification.objects.get(recipient=citizen)
    assert (notification.emailed_at, notification.email_attempts) == (None, 0)  # the server's fault

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_notifications", stdout=open("/dev/null", "w"))  # noqa: SIM115

    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert [m.to for m in mail.outbox] == [[citizen.email]]


def test_a_refused_message_is_given_up_after_five_attempts(proposal, official, settings):
    citizen = follower(proposal)
    settings.EMAIL_BACKEND = RECIPIENT_REFUSED
    set_status(official, proposal)  # no commit callbacks here: nothing sent yet

    for _attempt in range(7):
        notifications.notifications_send()

    notification = Notification.objects.get(recipient=citizen)
    assert (notification.emailed_at, notification.email_attempts) == (None, notifications.MAX_ATTEMPTS)


def test_a_mail_server_away_for_many_runs_costs_no_attempt_and_stops_each_run(proposal, official, settings):
    followers = [follower(proposal) for _ in range(3)]
    settings.EMAIL_BACKEND = MAIL_SERVER_AWAY
    set_status(official, proposal)

    for _run in range(notifications.MAX_ATTEMPTS + 3):
        report = notifications.notifications_send()
        assert (report.sent, report.failed, report.server_away) == (0, 0, True)
    out = io.StringIO()
    call_command("send_notifications", stdout=out)
    assert "The mail server did not answer: the rest waits for the next run." in out.getvalue()
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {0}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.notifications_send().sent == 3
    assert notifications.notifications_send().sent == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f.email for f in followers)


def test_the_command_sends_each_once(proposal, official):
    citizen = follower(proposal)
    set_status(official, proposal)
    assert notifications.notifications_send().sent == 1
    assert notifications.notifications_send().sent == 0
    assert [m.to for m in mail.outbox] == [[citizen.email]]


def test_turning_e_mails_off_drops_the_queued_ones(proposal, official):
    citizen = follower(proposal)
    set_status(official, proposal)
    notifications.email_notifications_set(user=citizen, enabled=False)

    report = notifications.notifications_send()

    assert (report.sent, report.dropped) == (0, 1)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=citizen).exists()  # still in the in-site list


# E-mail contents


def test_status_e_mail_says_what_changed_and_links_back(
    proposal, official, django_capture_on_commit_callbacks
):
    citizen = follower(proposal)
    with django_capture_on_commit_callbacks(execute=True):
        set_status(official, proposal, Status.UNDER_REVIEW, note="Costed by the finance team.")

    message = only_email_to(citizen)
    assert message.subject == "“Pay within two weeks” is now “Under review”"
    assert "from “Open for support” to “Under review”" in message.body
    assert "Costed by the finance team." in message.body
    assert f"{SITE_URL}/proposals/{proposal.pk}/" in message.body
    assert f"{SITE_URL}/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(
        rf"<{SITE_URL}/unsubscribe/[^/]+/one-click/>", message.extra_headers["List-Unsubscribe"]
    )


def test_response_e_mail_names_the_official_and_quotes_the_response(
    proposal, django_capture_on_commit_callbacks
):
    official = factories.official(first_name="Claire", last_name="Martin", department="Employment Services")
    citizen = follower(proposal)
    body = "We will pay within ten days from January. " + "More details follow. " * 60

    with django_capture_on_commit_callbacks(execute=True):
        response_publish(actor=official, proposal=proposal, body=body, decision="accepted")

    message = only_email_to(citizen)
    assert message.subject == "Official response to “Pay within two weeks”"
    assert "From: Claire Martin, Employment Services" in message.body
    assert "Decision: Accepted" in message.body
    assert "We will pay within ten days from January." in message.body
    assert body.strip() not in message.body  # an excerpt, not the whole response
    assert f"{SITE_URL}/proposals/{proposal.pk}/" in message.body


def test_user_text_is_not_html_escaped_in_plain_text(
    consultation, official, django_capture_on_commit_callbacks
):
    proposal = factories.ProposalFactory(consultation=consultation, title="Forms & <letters>")
    citizen = follower(proposal)
    with django_capture_on_commit_callbacks(execute=True):
        set_status(official, proposal)
    message = only_email_to(citizen)
    assert "Forms & <letters>" in message.subject
    assert "&amp;" not in message.body


def test_e_mail_in_the_recipients_language(proposal, official, django_capture_on_commit_callbacks):
    french = follower(proposal, language="fr")
    english = follower(proposal)

    with django_capture_on_commit_callbacks(execute=True):
        set_status(official, proposal, Status.ACCEPTED)

    entry = proposal.audit_entries.get(action=AuditAction.STATUS_CHANGED)
    when = timezone.localtime(entry.created_at)
    with translation.override("fr"):
        french_date = formats.date_format(when, "DATE_FORMAT")
        french_status = str(Status.ACCEPTED.label)
    with translation.override("en"):
        english_date = formats.date_format(when, "DATE_FORMAT")
    assert french_date != english_date
    assert french_date in only_email_to(french).body
    assert french_status in only_email_to(french).body
    assert english_date in only_email_to(english).body
    assert french_date not in only_email_to(english).body


def test_an_unknown_language_falls_back_to_the_default(proposal, official, settings):
    citizen = follower(proposal, language="xx")
    set_status(official, proposal)
    notifications.notifications_send()
    with translation.override(settings.LANGUAGE_CODE):
        date = formats.date_format(timezone.localtime(timezone.now()), "DATE_FORMAT")
    assert date in only_email_to(citizen).body


def test_the_unsubscribe_link_in_the_e_mail_works(
    proposal, official, client, django_capture_on_commit_callbacks
):
    citizen = follower(proposal)
    with django_capture_on_commit_callbacks(execute=True):
        set_status(official, proposal)
    link = re.search(rf"{SITE_URL}(/unsubscribe/\S+/)", only_email_to(citizen).body).group(1)

    assert client.get(link).status_code == 200
    citizen.refresh_from_db()
    assert citizen.email_notifications is True  # a GET changes nothing

    client.post(link, {"action": "all"})
    citizen.refresh_from_db()
    assert citizen.email_notifications is False


def test_tokens_are_signed():
    token = notifications.unsubscribe_token(user_id=1, proposal_id=2)
    assert notifications.unsubscribe_target(token) == (1, 2)
    with pytest.raises(NotFound):
        notifications.unsubscribe_target(token[:-2] + "xx")
    with pytest.raises(NotFound):
        notifications.unsubscribe_target("e30:1abc:forged")


def test_only_wanted_unsent_notifications_are_in_the_queue(proposal, official):
    follower(proposal, email_notifications=False)
    set_status(official, proposal)
    old = timezone.now() - timedelta(days=1)
    Notification.objects.update(created_at=old)
    assert notifications.notifications_send().sent == 0
    assert mail.outbox == []


def test_hidden_then_restored_proposal_notifies_again(proposal, official, moderator):
    citizen = follower(proposal)
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Check")
    proposal_moderate(actor=moderator, proposal=proposal, action="restore")
    set_status(official, proposal)
    assert proposal.__class__.objects.get(pk=proposal.pk).visibility == Visibility.PUBLISHED
    assert Notification.objects.filter(recipient=citizen).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_row_another_sender_holds_is_skipped_not_sent_twice(consultation, official):
    """Two senders at once: the row one holds (FOR UPDATE) is skipped by the other, then sent once."""
    import psycopg
    from django.db import connection

    proposal = factories.ProposalFactory(consultation=consultation)
    citizen = follower(proposal)
    set_status(official, proposal)  # committed: its e-mail went after commit; queue it again
    Notification.objects.update(emailed_at=None)
    mail.outbox.clear()
    notification = Notification.objects.get(recipient=citizen)
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}) as other:
        other.execute("SELECT id FROM proposals_notification WHERE id = %s FOR UPDATE", [notification.pk])
        assert notifications.notifications_send().sent == 0  # held by the other sender: skipped, no wait
        other.rollback()
    assert notifications.notifications_send().sent == 1
    assert notifications.notifications_send().sent == 0
    assert [m.to for m in mail.outbox] == [[citizen.email]]


class ThreadRecordingBackend(locmem.EmailBackend):
    """The in-memory backend, noting which thread sent."""

    threads: list[threading.Thread] = []

    def send_messages(self, email_messages):
        self.threads.append(threading.current_thread())
        return super().send_messages(email_messages)


@pytest.mark.django_db(transaction=True)
def test_by_default_the_first_e_mails_go_from_a_background_thread_after_commit(official, settings):
    """Production's way: the action returns without sending; the e-mails go from another thread, which
    only sees committed rows (hence a transactional test)."""
    settings.NOTIFICATION_EMAILS_AFTER_COMMIT = "background"
    settings.EMAIL_BACKEND = f"{__name__}.ThreadRecordingBackend"
    ThreadRecordingBackend.threads.clear()
    proposal = factories.ProposalFactory()
    citizen = follower(proposal)

    set_status(official, proposal)
    notifications.background_sends_wait(timeout=30)

    assert [m.to for m in mail.outbox] == [[citizen.email]]
    assert ThreadRecordingBackend.threads
    assert threading.current_thread() not in ThreadRecordingBackend.threads
    assert Notification.objects.get(recipient=citizen).emailed_at is not None
