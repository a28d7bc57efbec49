"""Citizens report proposals and comments to the moderators; moderators resolve the reports.

One flag per citizen per item: the database's unique constraints decide, not a check in Python, so two
requests sent together make one flag and one Conflict. Enough reports hide an item pending review
(auto_hide). A moderator acting on an item (approve, hide, restore) resolves its open flags in the same
transaction (`flags_resolve`); dismissing them changes nothing else and is written to the audit trail
(refused on an item hidden pending review: it waits for a restore or a confirmed hide)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cocreate.accounts.mfa import role_refused
from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError
from cocreate.limits import at_most

from .. import audit, permissions
from ..models import AuditAction, Comment, Flag, FlagReason, Proposal
from ._common import REASON_MAX, _one_target, flags_resolve
from .auto_hide import hide_if_reported

DETAILS_MAX = 500


def _check_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if reason not in FlagReason.values:
        raise ServiceError(
            _("Choose a reason for the report."),
            fields={"reason": [_("Choose one of: %s.") % ", ".join(FlagReason.values)]},
        )
    return reason


def _check_details(details: str | None) -> str:
    details = (details or "").strip()
    if len(details) > DETAILS_MAX:
        raise ServiceError(
            _("The details are too long."),
            fields={"details": [at_most(DETAILS_MAX)]},
        )
    return details


def _locked_item(proposal: Proposal | None, comment: Comment | None) -> Proposal | Comment:
    """The item, read after locking the proposal's row: the moderation of a proposal and of its comments
    takes that lock too, so a report and a moderator's decision on the same item are ordered. A no-key
    lock: the flag's foreign key does not wait for it."""
    proposal_id = proposal.pk if proposal is not None else comment.proposal_id
    locked = Proposal.objects.select_for_update(of=("self",), no_key=True).defer("search_en", "search_fr")
    try:
        proposal = locked.get(pk=proposal_id)
        if comment is None:
            return proposal
        comment = Comment.objects.get(pk=comment.pk)
    except (Proposal.DoesNotExist, Comment.DoesNotExist):
        raise NotFound(_("No such item.")) from None
    comment.proposal = proposal
    return comment


def _check_flaggable(reporter, item: Proposal | Comment) -> None:
    """Call with the item's row locked: a published item of someone else's."""
    is_comment = isinstance(item, Comment)
    if item.author_id is not None and item.author_id == reporter.pk:
        raise NotAllowed(
            _("You cannot report your own comment.")
            if is_comment
            else _("You cannot report your own proposal."),
            code="own_item",
        )
    if is_comment and (item.is_deleted or not item.proposal.is_published):
        raise Conflict(_("This comment is no longer shown."), code="comment_not_published")
    if not item.is_published:
        code = "comment_not_published" if is_comment else "proposal_not_published"
        raise Conflict(_("Only published items can be reported."), code=code)


def flag_create(
    *,
    reporter,
    proposal: Proposal | None = None,
    comment: Comment | None = None,
    reason: str,
    details: str = "",
) -> Flag:
    """Report a published proposal or comment of someone else's to the moderators, once. The report that
    brings the item to its consultation's number of reports hides it pending review (auto_hide)."""
    _one_target(proposal, comment)
    if not permissions.can_flag(reporter):
        raise NotAllowed(_("Confirm your e-mail address before reporting content."), code="email_unverified")
    reason, details = _check_reason(reason), _check_details(details)
    with transaction.atomic():
        item = _locked_item(proposal, comment)
        _check_flaggable(reporter, item)
        target = {"comment": item} if isinstance(item, Comment) else {"proposal": item}
        try:
            with transaction.atomic():  # savepoint: a duplicate must not poison the outer transaction
                flag = Flag.objects.create(reporter=reporter, reason=reason, details=details, **target)
        except IntegrityError:
            raise Conflict(_already_flagged(comment is not None), code="already_flagged") from None
        hide_if_reported(item)
    return flag


def _already_flagged(is_comment: bool) -> str:
    if is_comment:
        return _("You have already reported this comment: moderators will look at it.")
    return _("You have already reported this proposal: moderators will look at it.")


def flags_dismiss(
    *, actor, proposal: Proposal | None = None, comment: Comment | None = None, reason: str = ""
) -> int:
    """The moderator read the reports and leaves the item as it is: its open flags are resolved and the
    decision is written to the audit trail. Returns how many flags were dismissed."""
    _one_target(proposal, comment)
    if not permissions.can_moderate(actor):
        raise role_refused(
            permissions.moderation_refusal(actor), _("Only moderators and officials can review reports.")
        )
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ServiceError(
            _("The reason is too long."),
            fields={"reason": [at_most(REASON_MAX)]},
        )
    with transaction.atomic():
        item = _locked_item(proposal, comment)
        is_comment = isinstance(item, Comment)
        if item.under_review:
            # Dismissing would leave it hidden with nothing left to decide on: restore it, or confirm.
            raise Conflict(
                _("It was hidden after reports and waits for your review: restore it or confirm the hide."),
                code="under_review",
            )
        dismissed = flags_resolve(**({"comment": item} if is_comment else {"proposal": item}))
        if not dismissed:
            raise Conflict(_("There are no open reports to dismiss."), code="no_open_flags")
        audit.audit_record(
            proposal=item.proposal if is_comment else item,
            comment=item if is_comment else None,
            actor=actor,
            action=AuditAction.FLAGS_DISMISSED,
            reason=reason,
        )
    return dismissed
