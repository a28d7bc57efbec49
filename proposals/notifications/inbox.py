"""The in-site list of a person's notifications: what it shows, the unread count, marking read."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from ..models import AuditAction, Notification, Proposal
from .personal import notice_text
from .preferences import PERSONAL_ACTIONS, merged_with, told_as_follower


def _readable_notifications(user):
    """The person's notifications about proposals they may still open: one hidden by moderation (or whose
    consultation went offline or private) since it was notified disappears from the list and the count."""
    return Notification.objects.filter(recipient=user, entry__proposal__in=Proposal.objects.readable_by(user))


def notification_list(*, user):
    """The person's notifications, newest first, with what the list shows loaded."""
    return (
        _readable_notifications(user)
        .select_related("entry__proposal", "entry__response", "entry__milestone")
        .defer("entry__proposal__search_en", "entry__proposal__search_fr")
        .order_by("-created_at", "-id")
    )


def unread_count(*, user) -> int:
    """The header's count, on every signed-in page. Most people have nothing unread: their own unread
    rows are looked for first, and the full rule (which PostgreSQL takes longer to plan, and Django to
    build, than to run: about 2.5 ms a page) only counted when there are some."""
    if not user.is_authenticated:
        return 0
    if not Notification.objects.filter(recipient=user, read_at__isnull=True).exists():
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
    if entry.action == AuditAction.COMMENT_PUBLISHED:
        return comments_text(title, 1)
    if told_as_follower(notification):
        other = merged_with(entry)
        return _(
            "“%(other)s”, which you follow, was merged into “%(title)s”: you follow that one now. "
            "Reason: %(reason)s"
        ) % {"other": other.title if other else "", "title": title, "reason": entry.reason}
    if entry.action in PERSONAL_ACTIONS:
        return notice_text(entry, title)
    if entry.action == AuditAction.COAUTHOR_INVITED:
        return _("%(name)s invited you to co-author “%(title)s”.") % {
            "name": entry.actor_name or _("A citizen"),
            "title": title,
        }
    if entry.milestone_id:
        return _milestone_text(entry, title)
    return _("The status of “%(title)s” changed to “%(status)s”.") % {
        "title": title,
        "status": entry.to_label,
    }


def notification_url(notification: Notification) -> str:
    """Where a notification leads: the invitation's page for an invitation to co-author, else the
    proposal's page."""
    entry = notification.entry
    if entry.action == AuditAction.COAUTHOR_INVITED:
        return reverse("coauthor_invitation", args=[entry.proposal_id])
    return entry.proposal.get_absolute_url()


def comments_text(title: str, count: int) -> str:
    """`count` comments published on the reader's proposal (one line of the list, or of a summary)."""
    return ngettext(
        "A new comment on your proposal “%(title)s”.",
        "%(count)d new comments on your proposal “%(title)s”.",
        count,
    ) % {"title": title, "count": count}


def _milestone_text(entry, title: str) -> str:
    """An implementation step's change, named by the step's title (its current one: titles do not change)."""
    values = {"title": title, "step": entry.milestone.title}
    if entry.action == AuditAction.MILESTONE_STARTED:
        return _("Implementation of “%(title)s”: the step “%(step)s” has started.") % values
    if entry.action == AuditAction.MILESTONE_DONE:
        return _("Implementation of “%(title)s”: the step “%(step)s” is done.") % values
    values["date"] = formats.date_format(entry.milestone.planned_for, "DATE_FORMAT")
    if entry.action == AuditAction.MILESTONE_REPLANNED:
        return _("Implementation of “%(title)s”: the step “%(step)s” is now planned for %(date)s.") % values
    return _("Implementation of “%(title)s”: the step “%(step)s” is planned for %(date)s.") % values
