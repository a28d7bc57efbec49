"""The citizens' summaries: one e-mail a day (or a week) to each person who chose to get some kinds of
notification that way (preferences), grouped by consultation, in the person's language.

`manage.py send_citizen_digests --period daily|weekly` sends them. Each person's summary is built and sent
under the row locks of the notifications it tells of, and those rows are marked sent in the same
transaction: a notification goes in one summary, once; two runs at once skip each other's rows. As with
the instant e-mails, sending is at least once: a crash between a delivered e-mail and its commit leaves the
rows unsent, and the next run sends them again; a crash before the send loses nothing.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone, translation

from cms.models import ConsultationPage

from ..models import AuditAction, Notification, Proposal
from .delivery import (
    SendReport,
    _unsent,
    absolute_url,
    email_language,
    mail_connection,
    recipient_address,
    render_email,
    send_failed,
    unsubscribable_email,
)
from .inbox import comments_text, notification_text
from .preferences import DIGEST_PERIODS, sent_by
from .unsubscribe import unsubscribe_token

log = logging.getLogger(__name__)


@dataclass
class DigestItem:
    text: str
    url: str


@dataclass
class ConsultationGroup:
    title: str
    items: list[DigestItem] = field(default_factory=list)


def _pending(period: str):
    if period not in DIGEST_PERIODS:
        raise ValueError(f"Not a summary period: {period!r}")
    return _unsent().filter(sent_by(period))


def citizen_digests_send(*, period: str) -> SendReport:
    """Send every person's `period` ("daily" or "weekly") summary of what waits for it; a person with
    nothing waiting gets nothing. Never raises for a failed send: it is logged and counted on the rows,
    which the next run tries again (up to MAX_ATTEMPTS)."""
    people = list(_pending(period).order_by("recipient_id").values_list("recipient_id", flat=True).distinct())
    report = SendReport()
    if not people:
        return report
    with mail_connection() as connection:
        for person in people:
            report.count(_send_digest(person, period, connection))
            if report.server_away:
                break
    return report


def _send_digest(person_id: int, period: str, connection) -> str | None:
    """One person's summary, under the row locks of its notifications; None when another run has them."""
    with transaction.atomic():
        rows = list(
            _pending(period)
            .filter(recipient_id=person_id)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "recipient", "entry__proposal__consultation", "entry__response", "entry__milestone"
            )
            .defer("entry__proposal__search_en", "entry__proposal__search_fr")
            .order_by("created_at", "id")
        )
        if not rows:
            return None
        recipient = rows[0].recipient
        address = recipient_address(recipient)
        readable = set(
            Proposal.objects.readable_by(recipient)
            .filter(pk__in={row.entry.proposal_id for row in rows})
            .values_list("pk", flat=True)
        )
        wanted = recipient.is_active and recipient.email_notifications and address
        told = [row for row in rows if wanted and row.entry.proposal_id in readable]
        told_ids = [row.pk for row in told]
        # E-mails off, no confirmed address, or a proposal hidden since: not to be sent, ever.
        Notification.objects.filter(pk__in=[row.pk for row in rows]).exclude(pk__in=told_ids).update(
            email_wanted=False
        )
        if not told:
            return "dropped"
        try:
            build_digest_email(recipient, told, period=period, address=address, connection=connection).send()
        except Exception as error:  # noqa: BLE001 - any failure: keep the rows for the next run
            told_rows = Notification.objects.filter(pk__in=told_ids)
            return send_failed(error, told_rows, f"Summary for user {person_id}")
        Notification.objects.filter(pk__in=told_ids).update(emailed_at=timezone.now())
        return "sent"


def digest_groups_for(notifications: list[Notification], language: str) -> list[ConsultationGroup]:
    """The notifications grouped by consultation, each named in `language` (its published translation,
    if it has one), groups by name and items in the order given, each item's text in `language`."""
    with translation.override(language):
        by_consultation: dict[int, list[Notification]] = {}
        for notification in notifications:
            by_consultation.setdefault(notification.entry.proposal.consultation_id, []).append(notification)
        consultations = [group[0].entry.proposal.consultation for group in by_consultation.values()]
        pages = ConsultationPage.localized_list(consultations)
        groups = []
        for page, members in zip(pages, by_consultation.values(), strict=True):
            groups.append(ConsultationGroup(page.title, _items(members)))
    return sorted(groups, key=lambda group: group.title.lower())


def _items(notifications: list[Notification]) -> list[DigestItem]:
    """One line per notification, except comments: one line per proposal with how many (a busy proposal
    would otherwise fill its author's summary), where its first comment was."""
    items: list[DigestItem] = []
    comments: dict[int, tuple[int, int]] = {}  # proposal id: (its line's index, how many comments)
    for n in notifications:
        proposal = n.entry.proposal
        url = absolute_url(proposal.get_absolute_url())
        if n.entry.action != AuditAction.COMMENT_PUBLISHED:
            items.append(DigestItem(notification_text(n), url))
            continue
        index, count = comments.get(proposal.pk, (len(items), 0))
        comments[proposal.pk] = (index, count + 1)
        item = DigestItem(comments_text(proposal.title, count + 1), f"{url}#comments")
        if count:
            items[index] = item
        else:
            items.append(item)
    return items


def build_digest_email(
    recipient, notifications: list[Notification], *, period: str, address: str, connection=None
):
    language = email_language(recipient)
    token = unsubscribe_token(user_id=recipient.pk, proposal_id=None)
    context = {
        "recipient": recipient,
        "period": period,
        "count": len(notifications),
        "groups": digest_groups_for(notifications, language),
    }
    subject, body = render_email("citizen_digest", context, language=language, token=token)
    return unsubscribable_email(subject, body, address=address, token=token, connection=connection)
