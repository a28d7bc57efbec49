"""Personal notices: a citizen told of what an official did to their own support, in the site and by e-mail.

A follower's notification (fanout) is about a proposal someone chose to hear of; a notice is about the
person's own participation, like an account notice. So it is written whatever their per-kind choices say,
always shown in the site, and e-mailed at once unless they turned every e-mail off with the master switch
(`email_notifications`): that switch is what the one-click unsubscribe of every e-mail turns off, and a
person who asked for no more e-mails from the site gets none. The notice still waits for them in the site,
and the proposal's page shows it with the form to ask for a review.

- supports set aside (votes.invalidations.supports_invalidate): each citizen whose support it set aside,
  with the official's reason;
- a support counted again (support_reinstate, after a review or not): its citizen, with the reply;
- a support kept set aside after a review (votes.reviews.support_review_decide): its citizen, with the reply;
- a proposal merged into another (votes.merging): its author, and the author of the one it went into.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from cocreate.transactions import after_commit

from ..models import AuditAction, AuditEntry
from .delivery import _send_after_commit, _verified_primary
from .fanout import _insert_notifications
from .preferences import MERGE_ACTIONS, PERSONAL_ACTIONS, merged_with


def notify_people(*, entry: AuditEntry, users) -> int:
    """Tell `users` (a queryset of accounts, never read into Python: an invalidation may set aside
    thousands of supports) of `entry`, one of preferences.PERSONAL_ACTIONS. Call inside the action's
    transaction: one INSERT ... SELECT, whatever the number of people; e-mails go after commit, the first
    SEND_AFTER_COMMIT_MAX at once and the rest by `send_notifications`. Returns how many were written."""
    if entry.action not in PERSONAL_ACTIONS:
        raise ValueError(f"{entry.action!r} is not a personal notice")
    users = users.filter(is_active=True).annotate(verified=Exists(_verified_primary(OuterRef("pk"))))
    written = _insert_notifications(entry, users, wanted=Q(email_notifications=True) & Q(verified=True))
    if written:
        after_commit(_send_after_commit, entry.pk)
    return written


def _merge_text(entry: AuditEntry, title: str) -> str:
    other = merged_with(entry)
    values = {"title": title, "other": other.title if other else "", "reason": entry.reason}
    if entry.action == AuditAction.MERGED_INTO:
        return (
            _(
                "Your proposal “%(title)s” was merged into “%(other)s”: its supports count "
                "there. Reason: %(reason)s"
            )
            % values
        )
    return (
        _("“%(other)s” was merged into your proposal “%(title)s”, with its supports. Reason: %(reason)s")
        % values
    )


def notice_text(entry: AuditEntry, title: str) -> str:
    """One line of the in-site list, in the active language."""
    if entry.action in MERGE_ACTIONS:
        return _merge_text(entry, title)
    values = {"title": title, "reason": entry.reason}
    if entry.action == AuditAction.SUPPORT_REINSTATED:
        if entry.reason:
            return _("Your support for “%(title)s” counts again. Reply: %(reason)s") % values
        return _("Your support for “%(title)s” counts again.") % values
    if entry.action == AuditAction.SUPPORT_KEPT_ASIDE:
        return (
            _("Your support for “%(title)s” was looked at again and stays set aside. Reply: %(reason)s")
            % values
        )
    text = _(
        "Your support for “%(title)s” was set aside and no longer counts: you can ask for a review on the "
        "proposal’s page. Reason: %(reason)s"
    )
    return text % values
