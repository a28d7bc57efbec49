"""Hidden pending review: a published proposal or comment reported by as many distinct accounts as its
consultation says (`ConsultationPage.auto_hide_reports`; never when empty) is hidden at once by the
platform, as a moderator's hide would (search, live pages, the public placeholder), and marked
`auto_hidden_at` until a moderator confirms the hide with a reason or restores it.

What counts is the item's open reports (a report per account per item, by the database's unique
constraints) from accounts that may report now (`permissions.can_flag`, and not blocked: an account
unverified or blocked since keeps its report in the queue, but it does not count). A moderator's
decision resolves the open reports, so after a restore only reports made since count, by accounts that
had not reported the item.
Moderators' and officials' own items are never hidden this way: their reports wait in the queue.

Called by `flag_create` in the report's transaction, holding the proposal row lock that every report and
every moderation of the proposal and its comments takes: concurrent reports count one after the other, so
the item is hidden once, with one audit entry and one event."""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import ngettext

from cocreate.accounts.blocking import is_blocked

from .. import audit, permissions, search
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import AuditAction, Comment, Proposal, Visibility
from ._common import open_flags
from .comments import _announce_moderation, _set_pending_edit


def _counted_reports(item: Proposal | Comment, threshold: int) -> int:
    """The item's open reports by accounts that may report now. Below `threshold` open reports (most
    reports) one COUNT decides; from there, each reporter is asked the permission predicate."""
    target = {"comment": item} if isinstance(item, Comment) else {"proposal": item}
    reports = open_flags(**target)
    if reports.count() < threshold:
        return 0
    return sum(_may_report_now(flag.reporter) for flag in reports.select_related("reporter"))


def _may_report_now(reporter) -> bool:
    """Who may report (`permissions.can_flag`), and is not blocked: a block refuses their writes on the
    way in, so it must also take back the weight of a report they made before it."""
    return permissions.can_flag(reporter) and not is_blocked(reporter)


def _holds_staff_role(author) -> bool:
    """A moderator or an official (admins included), second factor set up or not yet: what they write is
    written in that role either way."""
    return permissions.moderation_refusal(author) != permissions.FORBIDDEN


def _reason(reports: int, threshold: int) -> str:
    """The audit entry's reason, in the site's language as the moderators' own reasons are written."""
    with translation.override(settings.LANGUAGE_CODE):
        return ngettext(
            "Reported by %(n)d different account (this consultation hides at %(threshold)d).",
            "Reported by %(n)d different accounts (this consultation hides at %(threshold)d).",
            reports,
        ) % {"n": reports, "threshold": threshold}


def hide_if_reported(item: Proposal | Comment) -> bool:
    """Call holding the proposal row lock, in the transaction of a new report on `item` (published, its
    proposal published too if it is a comment). Hide it pending review if its counted reports reached its
    consultation's number; whether it did."""
    proposal = item.proposal if isinstance(item, Comment) else item
    # The one setting, not the whole page (its body and fields): every report asks.
    mine = Proposal.objects.filter(pk=proposal.pk)
    threshold = mine.values_list("consultation__auto_hide_reports", flat=True).get()
    if threshold is None:
        return False
    reports = _counted_reports(item, threshold)
    if reports < threshold:
        return False
    if item.author is not None and _holds_staff_role(item.author):
        return False  # accountable staff: a moderator decides, from the queue
    before = item.visibility
    item.visibility, item.auto_hidden_at, item.moderation_reason = Visibility.HIDDEN, timezone.now(), ""
    fields = ["visibility", "auto_hidden_at", "moderation_reason"]
    if isinstance(item, Comment):
        _set_pending_edit(item, "")  # as a moderator's hide: the text judged is the one that stands
        item.edit_rejection_reason = ""
        fields += ["pending_body", "pending_at", "edit_rejection_reason"]
    item.save(update_fields=fields)
    audit.audit_record(
        proposal=proposal,
        comment=item if isinstance(item, Comment) else None,
        action=AuditAction.AUTO_HIDDEN,
        from_value=before,
        to_value=item.visibility,
        reason=_reason(reports, threshold),
    )
    if isinstance(item, Comment):
        _announce_moderation(proposal, item, before)
    else:
        search.index_on_commit(proposal.pk)
        broadcast_on_commit(proposal.consultation_id, events.proposal_hidden(proposal))
    return True
