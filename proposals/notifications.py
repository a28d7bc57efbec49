"""Follows and notifications: who is told of a proposal's public events, in the site and by e-mail.

A public audit entry (proposals.audit) fans out to Notification rows in the action's own transaction, so a
notification exists exactly when the action does. E-mails go after commit; a row keeps `emailed_at` empty
until its e-mail went, so `manage.py send_notifications` sends what the request could not (a failure, a
down mail server, more followers than one request should wait for). Sending is at least once: a crash
between a delivered e-mail and its commit sends it again on the next run.

Which entries notify whom:
- a status change set by an official, and an official response: the proposal's followers, except the
  official who did it;
- the support threshold: the author and the followers, because the petition's promise (a response by a
  date) is what its supporters were waiting for. The status change to "awaiting response" that the
  platform makes with it, and a status change carried by a response, are said in that one notification
  rather than in a second one.
Nothing is notified about a proposal that is not published: its followers could not open it.
"""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from urllib.parse import urljoin

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cms.models import ConsultationPage
from cocreate.exceptions import Conflict, NotAllowed, NotFound

from . import permissions
from .models import AuditAction, AuditEntry, Follow, Notification, Proposal, Status

log = logging.getLogger(__name__)

# After this many failed attempts a notification's e-mail is given up (it stays in the in-site list).
MAX_ATTEMPTS = 5
# E-mails sent right after the action's commit, in the request; the command sends any beyond these.
SEND_AFTER_COMMIT_MAX = 50
EXCERPT_CHARS = 600
UNSUBSCRIBE_SALT = "cocreate.notifications.unsubscribe"


# Follows ------------------------------------------------------------------------------------------------


def follow_add(*, user, proposal: Proposal) -> bool:
    """Follow a published proposal; returns False if already following (an idempotent repeat)."""
    if not permissions.can_follow(user):
        raise NotAllowed(_("Sign in to follow proposals."), code="not_authenticated")
    if not proposal.is_published:
        raise Conflict(_("Only published proposals can be followed."), code="proposal_not_published")
    _follow, created = Follow.objects.get_or_create(user=user, proposal=proposal)
    return created


def follow_remove(*, user, proposal: Proposal) -> bool:
    """Stop following; always allowed. Returns False if the person was not following."""
    deleted, _rows = Follow.objects.filter(user=user, proposal=proposal).delete()
    return bool(deleted)


def follow_ensure(*, user, proposal: Proposal) -> None:
    """Supporting follows by default: call in the support's transaction. A conflict is a follow already
    there, which is fine."""
    Follow.objects.bulk_create([Follow(user=user, proposal=proposal)], ignore_conflicts=True)


def is_following(*, user, proposal: Proposal) -> bool:
    return user.is_authenticated and Follow.objects.filter(user=user, proposal=proposal).exists()


# Fan-out ------------------------------------------------------------------------------------------------


def _recipients_query(entry: AuditEntry, proposal: Proposal):
    """The users an entry notifies, or None when it notifies nobody (see the module docstring)."""
    if not proposal.is_published or not entry.public:
        return None
    if entry.action == AuditAction.STATUS_CHANGED and (entry.response_id or entry.actor_id is None):
        return None
    if entry.action not in (
        AuditAction.STATUS_CHANGED,
        AuditAction.RESPONSE_PUBLISHED,
        AuditAction.THRESHOLD_REACHED,
    ):
        return None
    who = Exists(Follow.objects.filter(proposal_id=proposal.pk, user_id=OuterRef("pk")))
    if entry.action == AuditAction.THRESHOLD_REACHED and proposal.author_id:
        who |= Q(pk=proposal.author_id)
    users = get_user_model().objects.filter(who, is_active=True)
    if entry.actor_id:
        users = users.exclude(pk=entry.actor_id)
    return users.annotate(verified=Exists(_verified_primary(OuterRef("pk"))))


def _verified_primary(user_ref):
    return EmailAddress.objects.filter(user_id=user_ref, primary=True, verified=True)


def notify_entry(*, entry: AuditEntry, proposal: Proposal) -> int:
    """Write the notifications of one audit entry and send their e-mails after commit. Call inside the
    action's transaction, with `proposal` as the action left it. Returns how many were written."""
    users = _recipients_query(entry, proposal)
    if users is None:
        return 0
    written = _insert_notifications(entry, users)
    if written:
        transaction.on_commit(partial(_send_after_commit, entry.pk), robust=True)
    return written


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


def _insert_notifications(entry: AuditEntry, users) -> int:
    """One INSERT ... SELECT: the rows never travel to Python and back. The action holds the proposal's
    row lock meanwhile (supports to it wait), so for a proposal with 50,000 followers this is the
    difference between seconds and a fraction of one (bench/fanout.py)."""
    recipients = users.annotate(
        recipient=F("pk"),
        wanted=ExpressionWrapper(Q(email_notifications=True) & Q(verified=True), output_field=BooleanField()),
    ).values("recipient", "wanted")
    select_sql, select_params = recipients.query.sql_with_params()
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(Notification._meta.get_field(name).column)
        for name in ("recipient", "entry", "created_at", "email_wanted", "email_attempts")
    )
    with connection.cursor() as cursor:
        # WHERE true: SQLite reads an ON or a bare end after a sub-select as ambiguous without it.
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names from the model, values as parameters
            f"SELECT r.recipient, %s, %s, r.wanted, 0 FROM ({select_sql}) AS r WHERE true",
            (entry.pk, timezone.now(), *select_params),
        )
        return cursor.rowcount


# Sending ------------------------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    dropped: int = 0  # the recipient turned e-mails off, or has no confirmed address any more


def _unsent():
    return Notification.objects.filter(
        emailed_at__isnull=True, email_wanted=True, email_attempts__lt=MAX_ATTEMPTS
    )


def notifications_send(
    *, entry_id: int | None = None, limit: int | None = None, stop_on_failure: bool = False
) -> SendReport:
    """Send the wanted, unsent e-mails (of one entry, or all), oldest first. Never raises for a failed
    send: it is logged and counted on the row. Safe to run concurrently: each row is sent under its row
    lock, and rows another sender holds are skipped. `stop_on_failure` stops at the first failure (after
    a commit, the request should not wait on a mail server that is down)."""
    pending = _unsent()
    if entry_id is not None:
        pending = pending.filter(entry_id=entry_id)
    ids = list(pending.order_by("created_at", "id").values_list("pk", flat=True)[:limit])
    report = SendReport()
    if not ids:
        return report
    connection = get_connection()
    try:
        for pk in ids:
            outcome = _send_one(pk, connection)
            if outcome is not None:
                setattr(report, outcome, getattr(report, outcome) + 1)
            if outcome == "failed" and stop_on_failure:
                break
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection must not lose the report
            log.warning("Closing the mail connection failed", exc_info=True)
    return report


def _send_one(pk: int, connection) -> str | None:
    """Send one notification's e-mail under its row lock; None when another sender has it or it went."""
    with transaction.atomic():
        notification = (
            _unsent()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "entry__proposal", "entry__response")
            .filter(pk=pk)
            .first()
        )
        if notification is None:
            return None
        recipient = notification.recipient
        address = recipient_address(recipient)
        readable = Proposal.objects.readable_by(recipient).filter(pk=notification.entry.proposal_id)
        if not (recipient.is_active and recipient.email_notifications and address and readable.exists()):
            notification.email_wanted = False
            notification.save(update_fields=["email_wanted"])
            return "dropped"
        try:
            build_notification_email(notification, address, connection=connection).send()
        except Exception:  # noqa: BLE001 - any transport error: keep the row for a retry
            log.exception("Notification %s: the e-mail could not be sent", pk)
            Notification.objects.filter(pk=pk).update(email_attempts=F("email_attempts") + 1)
            return "failed"
        Notification.objects.filter(pk=pk).update(emailed_at=timezone.now())
        return "sent"


def recipient_address(user) -> str | None:
    """The confirmed primary address, the only one notifications go to."""
    return _verified_primary(user.pk).values_list("email", flat=True).first()


# E-mail contents ----------------------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    return urljoin(settings.SITE_URL.rstrip("/") + "/", path.lstrip("/"))


def email_language(user) -> str:
    """The person's language if the site has it, else the site's default."""
    available = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in available else settings.LANGUAGE_CODE


def unsubscribe_token(*, user_id: int, proposal_id: int | None) -> str:
    """A signed, non-expiring token naming the person (and the proposal the e-mail was about): links in
    old e-mails must keep working, and the token grants nothing but stopping e-mails or a follow."""
    return signing.dumps({"u": user_id, "p": proposal_id}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_target(token: str) -> tuple[int, int | None]:
    """(user id, proposal id) from a token; NotFound if it was not signed by this site."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"]), (int(data["p"]) if data.get("p") is not None else None)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_("This link is not valid.")) from None


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
    return " ".join(subject.split()), body


def build_notification_email(notification: Notification, address: str, *, connection=None):
    recipient = notification.recipient
    token = unsubscribe_token(user_id=recipient.pk, proposal_id=notification.entry.proposal_id)
    subject, body = render_email(
        "notification", _email_context(notification), language=email_language(recipient), token=token
    )
    return EmailMultiAlternatives(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [address],
        headers=unsubscribe_headers(token),
        connection=connection,
    )


# Unsubscribing and the in-site list -----------------------------------------------------------------------


def email_notifications_set(*, user, enabled: bool) -> bool:
    """Turn e-mails about followed proposals on or off; returns whether it changed. Unsent e-mails already
    queued are dropped at send time when off."""
    changed = get_user_model().objects.filter(pk=user.pk).exclude(email_notifications=enabled)
    changed = bool(changed.update(email_notifications=enabled))
    user.email_notifications = enabled
    return changed


def unsubscribe_user(token: str):
    """The person a token names; NotFound if the token is bad or the account is gone."""
    user_id, proposal_id = unsubscribe_target(token)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(_("This link is not valid."))
    # A proposal hidden since the e-mail went is no longer named (nor can it be unfollowed here).
    proposal = Proposal.objects.readable_by(user).filter(pk=proposal_id).first() if proposal_id else None
    return user, proposal


def _readable_notifications(user):
    """The person's notifications about proposals they may still open: one hidden by moderation (or whose
    consultation went offline or private) since it was notified disappears from the list and the count."""
    return Notification.objects.filter(recipient=user, entry__proposal__in=Proposal.objects.readable_by(user))


def notification_list(*, user):
    """The person's notifications, newest first, with what the list shows loaded."""
    return (
        _readable_notifications(user)
        .select_related("entry__proposal", "entry__response")
        .defer("entry__proposal__search_en", "entry__proposal__search_fr")
        .order_by("-created_at", "-id")
    )


def unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return _readable_notifications(user).filter(read_at__isnull=True).count()


def notifications_mark_read(*, user) -> int:
    """Mark all of the person's notifications read; returns how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def notification_text(notification: Notification) -> str:
    """One line saying what happened, in the active language (the in-site list and the API)."""
    entry = notification.entry
    title = entry.proposal.title
    if entry.action == AuditAction.RESPONSE_PUBLISHED:
        response = entry.response
        name = (response.author_name if response else "") or pgettext(
            "author of an official response", "Official"
        )
        return _("%(name)s published an official response to “%(title)s”.") % {"name": name, "title": title}
    if entry.action == AuditAction.THRESHOLD_REACHED:
        return _("“%(title)s” reached its support threshold: an official response is due.") % {"title": title}
    return _("The status of “%(title)s” changed to “%(status)s”.") % {
        "title": title,
        "status": entry.to_label,
    }


# The officials' daily digest --------------------------------------------------------------------------------


@dataclass
class DigestGroup:
    consultation: object
    crossed: list
    overdue: list
    due_soon: list
    title: str = ""  # the consultation's, in the reader's language (digest_in_language)


def digest_in_language(groups: list[DigestGroup], language: str) -> list[DigestGroup]:
    """`groups` with their consultations named in `language` (their published translation in it, if they
    have one), in the order of those names."""
    with translation.override(language):
        pages = ConsultationPage.localized_list([group.consultation for group in groups])
    named = [replace(group, title=page.title) for group, page in zip(groups, pages, strict=True)]
    return sorted(named, key=lambda group: (group.title.lower(), group.consultation.pk))


def digest_groups(*, now=None) -> list[DigestGroup]:
    """Per consultation (by title): published proposals still without a response that crossed their
    threshold in the 24 hours before `now`, those whose response is overdue, and those due in the next 7
    days."""
    now = now or timezone.now()
    published = Proposal.objects.published().select_related("consultation").defer("search_en", "search_fr")
    unanswered = published.filter(responded_at__isnull=True)
    sections = {
        # Already answered (a response can come before the threshold): nothing left to ask of anyone.
        "crossed": unanswered.filter(
            threshold_reached_at__gt=now - timedelta(hours=24), threshold_reached_at__lte=now
        ).order_by("threshold_reached_at", "id"),
        "overdue": unanswered.filter(response_due_at__lte=now).order_by("response_due_at", "id"),
        "due_soon": unanswered.filter(
            response_due_at__gt=now, response_due_at__lte=now + timedelta(days=7)
        ).order_by("response_due_at", "id"),
    }
    groups: dict[int, DigestGroup] = {}
    for name, proposals in sections.items():
        for proposal in proposals:
            group = groups.get(proposal.consultation_id)
            if group is None:
                group = groups[proposal.consultation_id] = DigestGroup(proposal.consultation, [], [], [])
            proposal.admin_url = absolute_url(reverse("cms_proposals:detail", args=[proposal.pk]))
            proposal.site_url = absolute_url(proposal.get_absolute_url())
            getattr(group, name).append(proposal)
    return sorted(
        groups.values(), key=lambda group: (group.consultation.title.lower(), group.consultation.pk)
    )


def digest_recipients():
    """Active officials (the Officials group) and superusers with an e-mail address."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return (
        users.filter(Q(is_superuser=True) | Q(groups__name=permissions.OFFICIALS_GROUP))
        .distinct()
        .order_by("pk")
    )


def digest_send(*, now=None) -> int:
    """E-mail the digest to every official, each in their language; nothing when there is nothing to
    say. A failed send is logged and the others go on. Returns how many were sent."""
    now = now or timezone.now()
    groups = digest_groups(now=now)
    if not groups:
        return 0
    context = {
        "groups": groups,
        "now": now,
        "counts": {
            "crossed": sum(len(g.crossed) for g in groups),
            "overdue": sum(len(g.overdue) for g in groups),
            "due_soon": sum(len(g.due_soon) for g in groups),
        },
        "admin_url": absolute_url(reverse("cms_proposals:index")),
    }
    sent = 0
    connection = get_connection()
    in_language: dict[str, list[DigestGroup]] = {}
    for official in digest_recipients():
        language = email_language(official)
        if language not in in_language:
            in_language[language] = digest_in_language(groups, language)
        subject, body = render_email(
            "digest",
            {**context, "groups": in_language[language], "recipient": official},
            language=language,
            token="",
        )
        message = EmailMultiAlternatives(
            subject, body, settings.DEFAULT_FROM_EMAIL, [official.email], connection=connection
        )
        try:
            message.send()
        except Exception:  # noqa: BLE001 - one official's failure must not stop the others' digest
            log.exception("Digest: the e-mail to user %s could not be sent", official.pk)
        else:
            sent += 1
    return sent
