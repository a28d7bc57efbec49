"""E-mail delivery: composing a notification's e-mail and sending the unsent ones, after commit (in a
background thread or in the request) and from `manage.py send_notifications`.

A row keeps `emailed_at` empty until its e-mail went, so the command sends what the request could not (a
failure, a down mail server, more followers than one request should wait for). Sending is at least once: a
crash between a delivered e-mail and its commit sends it again on the next run.
"""

import logging
import re
import smtplib
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import pgettext

from cocreate.accounts.language import email_language
from cocreate.accounts.models import EmailFrequency

from ..models import AuditAction, Notification, Proposal, Status
from .preferences import MERGE_ACTIONS, PERSONAL_ACTIONS, merged_with, sent_by, told_as_follower
from .unsubscribe import unsubscribe_token

log = logging.getLogger(__name__)

# After this many failed attempts a notification's e-mail is given up (it stays in the in-site list). Only
# failures that are about the message count (MESSAGE_REFUSALS): a mail server that is away costs none.
MAX_ATTEMPTS = 5
# A mail server that refuses this message (its recipient, its sender, its content) will refuse it again,
# and so will anything that is not a network error (a template that cannot render). Any other OSError
# (a refused or dropped connection, a timeout, a failed greeting or login) says the server is away: nothing
# about the message. Then the run stops and every row waits for the next one with its attempts untouched,
# however long the server stays away (docs/reliability.md).
MESSAGE_REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
# E-mails sent right after the action's commit, in the request; the command sends any beyond these.
SEND_AFTER_COMMIT_MAX = 50
EXCERPT_CHARS = 600
# The shortest time between two instant e-mails to one person about the comments on one proposal.
COMMENT_EMAIL_INTERVAL = timedelta(hours=1)


def _verified_primary(user_ref):
    return EmailAddress.objects.filter(user_id=user_ref, primary=True, verified=True)


def _send_entry_emails(entry_id: int) -> "SendReport":
    return notifications_send(entry_id=entry_id, limit=SEND_AFTER_COMMIT_MAX, stop_on_failure=True)


_background: ThreadPoolExecutor | None = None
_background_lock = threading.Lock()
_background_futures: list[Future] = []


def _send_after_commit(entry_id: int) -> None:
    """The first e-mails of an entry, right after its action committed. With
    NOTIFICATION_EMAILS_AFTER_COMMIT = "background" (the default) one thread per process sends them, so
    the official who responded, or the citizen whose support crossed a threshold, does not wait for 50
    e-mails to render and go (about a second, more with a slow mail server); "inline" sends them in the
    request. Either way a row keeps `emailed_at` empty until its e-mail went, and `send_notifications`
    sends whatever this did not (a crash, a restart, more than SEND_AFTER_COMMIT_MAX)."""
    global _background
    if getattr(settings, "NOTIFICATION_EMAILS_AFTER_COMMIT", "background") == "inline":
        _send_entry_emails(entry_id)
        return
    with _background_lock:
        if _background is None:
            _background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notification-emails")
        _background_futures[:] = [f for f in _background_futures if not f.done()]
        _background_futures.append(_background.submit(_send_in_background, entry_id))


def _send_in_background(entry_id: int) -> None:
    try:
        _send_entry_emails(entry_id)
    except Exception:  # noqa: BLE001 - logged; the rows stay for send_notifications
        log.exception("Sending the e-mails of audit entry %s failed", entry_id)
    finally:
        connection.close()  # this thread's connection (back to the pool, if any)


def background_sends_wait(timeout: float | None = None) -> None:
    """Wait until the e-mails handed to the background thread so far have been sent (tests, shutdown)."""
    with _background_lock:
        pending = list(_background_futures)
    wait(pending, timeout=timeout)


# Sending ------------------------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    dropped: int = 0  # the recipient turned e-mails off, or has no confirmed address any more
    server_away: bool = False  # the run stopped there: the mail server did not answer

    def count(self, outcome: str | None) -> None:
        """Count one send's outcome ("sent", "failed", "dropped" or "away"; None: another sender had it)."""
        if outcome == "away":
            self.server_away = True
        elif outcome is not None:
            setattr(self, outcome, getattr(self, outcome) + 1)

    def summary(self) -> str:
        text = f"Sent {self.sent}, failed {self.failed}, not wanted any more {self.dropped}."
        if self.server_away:
            text += " The mail server did not answer: the rest waits for the next run."
        return text


def send_failed(error: Exception, rows, what: str) -> str:
    """The outcome of a send that raised `error`, for the notification `rows` it was about: "away" (the
    rows stay as they were) or "failed" (one more attempt counted on each). Call inside the except."""
    if isinstance(error, OSError) and not isinstance(error, MESSAGE_REFUSALS):
        reason = type(error).__name__
        log.warning("%s: the mail server did not answer (%s); left for the next run", what, reason)
        return "away"
    log.exception("%s: the e-mail could not be sent", what)
    rows.update(email_attempts=F("email_attempts") + 1)
    return "failed"


def _unsent():
    """The e-mails still to send, at once or in a summary."""
    return Notification.objects.filter(
        emailed_at__isnull=True, email_wanted=True, email_attempts__lt=MAX_ATTEMPTS
    )


def _unsent_instant():
    """The e-mails still to send whose recipient wants their kind at once (the others wait for their
    summary: digests.py)."""
    return _unsent().filter(sent_by(EmailFrequency.INSTANT))


def notifications_send(
    *, entry_id: int | None = None, limit: int | None = None, stop_on_failure: bool = False
) -> SendReport:
    """Send the wanted, unsent e-mails (of one entry, or all) their recipients want at once, oldest first.
    Never raises for a failed send: it is logged and counted on the row. Safe to run concurrently: each
    row is sent under its row lock, and rows another sender holds are skipped. `stop_on_failure` stops at
    the first failure (after a commit, the request should not wait on a mail server that is down)."""
    pending = _unsent_instant()
    if entry_id is not None:
        pending = pending.filter(entry_id=entry_id)
    ids = list(pending.order_by("created_at", "id").values_list("pk", flat=True)[:limit])
    report = SendReport()
    if not ids:
        return report
    with mail_connection() as connection:
        for pk in ids:
            outcome = _send_one(pk, connection)
            report.count(outcome)
            if outcome == "away" or (outcome == "failed" and stop_on_failure):
                break
    return report


@contextmanager
def mail_connection():
    """One connection to the mail server for a run of sends, closed after it even if it broke."""
    connection = get_connection()
    try:
        yield connection
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection must not lose the report
            log.warning("Closing the mail connection failed", exc_info=True)


def _send_one(pk: int, connection) -> str | None:
    """Send one notification's e-mail under its row lock; None when another sender has it or it went."""
    with transaction.atomic():
        notification = (
            _unsent_instant()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "entry__proposal", "entry__response", "entry__milestone")
            .filter(pk=pk)
            .first()
        )
        if notification is None:
            return None
        recipient = notification.recipient
        address = recipient_address(recipient)
        readable = Proposal.objects.readable_by(recipient).filter(pk=notification.entry.proposal_id)
        coalesced = _coalesced_with(notification)
        if coalesced is None:
            return None
        rows = Notification.objects.filter(pk__in=[pk, *coalesced])
        if not (recipient.is_active and recipient.email_notifications and address and readable.exists()):
            rows.update(email_wanted=False)
            return "dropped"
        try:
            build_notification_email(notification, address, connection=connection, count=rows.count()).send()
        except Exception as error:  # noqa: BLE001 - any failure: keep the row for a retry
            return send_failed(error, rows, f"Notification {pk}")
        rows.update(emailed_at=timezone.now())
        return "sent"


def _coalesced_with(notification: Notification) -> list[int] | None:
    """The other notifications that go in this one's e-mail, locked; None when it is not time yet.

    Other kinds go one e-mail each. Comments go one e-mail per proposal ("3 new comments on ..."), with
    every comment on it waiting for the person, and at most one every COMMENT_EMAIL_INTERVAL: a proposal
    with 500 comments a day sends its author at most 24 e-mails, not 500, the first within a run of
    `send_notifications` (every 5 minutes) of the first comment."""
    if notification.entry.action != AuditAction.COMMENT_PUBLISHED:
        return []
    same = Q(
        recipient_id=notification.recipient_id,
        entry__action=AuditAction.COMMENT_PUBLISHED,
        entry__proposal_id=notification.entry.proposal_id,
    )
    recent = timezone.now() - COMMENT_EMAIL_INTERVAL
    if Notification.objects.filter(same, emailed_at__gt=recent).exists():
        return None
    waiting = _unsent_instant().filter(same).exclude(pk=notification.pk)
    return list(waiting.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True))


def recipient_address(user) -> str | None:
    """The confirmed primary address, the only one notifications go to."""
    return _verified_primary(user.pk).values_list("email", flat=True).first()


# E-mail contents ----------------------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    return urljoin(settings.SITE_URL.rstrip("/") + "/", path.lstrip("/"))


def unsubscribe_headers(token: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail programs show an unsubscribe button that POSTs to the one-click URL."""
    one_click = absolute_url(reverse("unsubscribe_one_click", args=[token]))
    return {"List-Unsubscribe": f"<{one_click}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _email_context(notification: Notification) -> dict:
    entry = notification.entry
    proposal = entry.proposal
    response = entry.response
    context = {
        "recipient": notification.recipient,
        "entry": entry,
        "proposal": proposal,
        "proposal_url": absolute_url(proposal.get_absolute_url()),
        "is_author": proposal.author_id == notification.recipient_id,
    }
    if entry.action == AuditAction.RESPONSE_PUBLISHED and response is not None:
        context.update(
            response=response,
            responder=response.author_name or pgettext("author of an official response", "Official"),
            excerpt=Truncator(response.body).chars(EXCERPT_CHARS),
            decision_label=Status(response.decision).label if response.decision else "",
        )
    elif entry.action == AuditAction.THRESHOLD_REACHED:
        context.update(threshold=int(entry.to_value or 0))
    elif entry.milestone_id:
        context.update(milestone=entry.milestone)
    elif entry.action in MERGE_ACTIONS:
        other = merged_with(entry)
        context.update(other=other, other_url=absolute_url(other.get_absolute_url()) if other else "")
    return context


def render_email(template: str, context: dict, *, language: str, token: str) -> tuple[str, str]:
    """(subject, plain-text body) of `emails/<template>_subject.txt` and `emails/<template>.txt`,
    rendered in `language`."""
    with translation.override(language):
        context = {
            **context,
            "site_url": absolute_url("/"),
            "unsubscribe_url": absolute_url(reverse("unsubscribe", args=[token])) if token else "",
            "account_url": absolute_url(reverse("account")),
        }
        subject = render_to_string(f"emails/{template}_subject.txt", context)
        body = render_to_string(f"emails/{template}.txt", context)
    # One line, without touching the no-break spaces French puts before ":" (str.split() would take them
    # for spaces to collapse).
    return re.sub(r"[ \t\r\n]+", " ", subject).strip(), body


def _template(notification: Notification) -> str:
    """A personal notice (personal.py) has its own words, and says why it came to someone who follows
    nothing."""
    if told_as_follower(notification):  # a follower of a merged duplicate: a change of status
        return "notification"
    if notification.entry.action in MERGE_ACTIONS:
        return "merge_notice"
    return "support_notice" if notification.entry.action in PERSONAL_ACTIONS else "notification"


def build_notification_email(notification: Notification, address: str, *, connection=None, count: int = 1):
    """The e-mail of one notification; `count` is how many comments it tells of (coalesced: _send_one)."""
    recipient = notification.recipient
    token = unsubscribe_token(user_id=recipient.pk, proposal_id=notification.entry.proposal_id)
    context = {**_email_context(notification), "count": count}
    subject, body = render_email(
        _template(notification), context, language=email_language(recipient), token=token
    )
    return unsubscribable_email(subject, body, address=address, token=token, connection=connection)


def unsubscribable_email(subject: str, body: str, *, address: str, token: str, connection=None):
    """An e-mail to a citizen about what they follow, with the headers that let their mail program offer
    the one-click unsubscribe of `token`."""
    return EmailMultiAlternatives(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [address],
        headers=unsubscribe_headers(token),
        connection=connection,
    )
