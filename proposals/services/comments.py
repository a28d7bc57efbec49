"""Comments on proposals: citizens post and reply, authors edit (for a while) and delete, moderators approve,
hide and restore.

Every write locks the proposal's row first, so the writes on one proposal's comments (and the proposal's own
moderation) run one after the other, and `Proposal.comments_count` (published comments that were not
deleted, replies included) moves in the same transaction as the comment. Only published text is ever
broadcast, and only while the proposal itself is published.

In a pre-moderated consultation nothing reaches readers before a moderator: a new comment waits as
pending, and the author's edit of a published comment waits beside it (`Comment.pending_body`) while
everyone else keeps reading the approved text. Approving the edit publishes it (`comment.updated`);
rejecting it drops it and leaves the reason to its author. Both are in the audit trail.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cocreate.accounts.mfa import role_refused
from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError, refuse

from .. import audit, permissions
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import AuditAction, Comment, Proposal, Visibility
from ._common import _locked, _require_text, flags_resolve, merged_refusal
from .moderation import APPROVE, HIDE, MODERATION_CHOICES, _audit_action, _checked_reason

COMMENT_MAX = 2000
# A comment's moderation has one more decision than a proposal's: an author's edit held for moderation is
# approved with APPROVE, or rejected (with a reason for its author) with REJECT_EDIT.
REJECT_EDIT = "reject_edit"
COMMENT_MODERATION_CHOICES = [*MODERATION_CHOICES, (REJECT_EDIT, _lazy("Reject the edit"))]


def _move_count(proposal: Proposal, delta: int) -> int:
    """Call holding the proposal row lock (its loaded count is then the current one). The new count."""
    proposal.comments_count += delta
    Proposal.objects.filter(pk=proposal.pk).update(comments_count=proposal.comments_count)
    return proposal.comments_count


def _locked_comment(comment_id: int) -> tuple[Proposal, Comment]:
    """The comment, read again after locking its proposal's row: every comment write takes that lock first."""
    proposal_id = Comment.objects.filter(pk=comment_id).values_list("proposal_id", flat=True).first()
    if proposal_id is None:
        raise NotFound(_("No such comment."))
    proposal = _locked(proposal_id)
    comment = Comment.objects.select_related("author").get(pk=comment_id)
    comment.proposal = proposal
    return proposal, comment


def _refuse_comment(refusal: str | None) -> None:
    """A refusal of permissions.comment_refusal as this service's error; nothing when None."""
    refuse(refusal, _COMMENT_REFUSALS)


_COMMENT_REFUSALS = {
    permissions.EMAIL_UNVERIFIED: lambda: NotAllowed(
        _("Confirm your e-mail address before commenting."), code="email_unverified"
    ),
    permissions.PROPOSAL_NOT_PUBLISHED: lambda: Conflict(
        _("Only published proposals can be commented on."), code="proposal_not_published"
    ),
    permissions.PROPOSAL_MERGED: merged_refusal,
    permissions.CONSULTATION_CLOSED: lambda: Conflict(
        _("This consultation is closed: comments can no longer be added."), code="consultation_closed"
    ),
}


def _check_parent(proposal: Proposal, parent: Comment | None) -> Comment | None:
    """A reply answers a published, standing top-level comment of the same proposal: one level only."""
    if parent is None:
        return None
    found = (
        Comment.objects.published()
        .filter(pk=parent.pk, proposal=proposal, parent__isnull=True, deleted_at__isnull=True)
        .first()
    )
    if found is None:
        raise ServiceError(
            _("You cannot reply to this comment."),
            fields={"parent": [_("Reply to a published comment of this proposal, not to a reply.")]},
        )
    return found


def comment_post(*, author, proposal: Proposal, body: str, parent: Comment | None = None) -> Comment:
    """Post a comment, or a reply to `parent`. In a pre-moderated consultation it waits for a moderator
    (its author sees it, marked so); otherwise it is published and announced at once."""
    # The person's part of the rule first, before the text; the proposal's on its locked row below.
    if not permissions.can_participate(author):
        _refuse_comment(permissions.EMAIL_UNVERIFIED)
    body = _require_text({"body": body}, {"body": COMMENT_MAX})["body"]
    with transaction.atomic():
        proposal = _locked(proposal.pk)
        _refuse_comment(permissions.comment_refusal(author, proposal))
        parent = _check_parent(proposal, parent)
        published = not proposal.consultation.pre_moderated
        comment = Comment.objects.create(
            proposal=proposal,
            parent=parent,
            author=author,
            author_is_official=permissions.is_official(author),
            body=body,
            language=(get_language() or "en")[:8],
            visibility=Visibility.PUBLISHED if published else Visibility.PENDING,
        )
        if published:
            count = _move_count(proposal, +1)
            broadcast_on_commit(proposal.consultation_id, events.comment_published(comment, comments=count))
            audit.comment_published_record(proposal=proposal, comment=comment)
    return comment


def comment_edit(*, actor, comment: Comment, body: str) -> Comment:
    """The author corrects their comment within settings.COMMENT_EDIT_MINUTES of posting; it is then shown
    as edited. A hidden comment keeps the text its moderator judged. In a pre-moderated consultation the
    edit of a published comment waits for a moderator (`has_pending_edit`): readers keep the approved text
    and nothing is announced until it is approved."""
    if not permissions.is_comment_author(actor, comment):
        raise NotAllowed(_("Only its author can edit a comment."))
    body = _require_text({"body": body}, {"body": COMMENT_MAX})["body"]
    with transaction.atomic():
        proposal, comment = _locked_comment(comment.pk)
        if comment.is_deleted:
            raise Conflict(_("This comment was deleted."), code="comment_deleted")
        if comment.visibility == Visibility.HIDDEN:
            raise Conflict(_("A comment hidden by moderation cannot be edited."), code="comment_hidden")
        if not permissions.can_edit_comment(actor, comment):
            raise Conflict(
                _("Comments can be edited for %(n)d minutes after posting.")
                % {"n": settings.COMMENT_EDIT_MINUTES},
                code="edit_window_closed",
            )
        if comment.is_published and proposal.consultation.pre_moderated:
            _hold_edit(comment, body)
        elif body != comment.body or comment.has_pending_edit:
            comment.body, comment.edited_at = body, timezone.now()
            _set_pending_edit(comment, "")
            comment.save(update_fields=["body", "edited_at", "pending_body", "pending_at"])
            if comment.is_published and proposal.is_published:
                broadcast_on_commit(proposal.consultation_id, events.comment_updated(comment))
    return comment


def _set_pending_edit(comment: Comment, body: str) -> None:
    """The edit waiting for moderation becomes `body` (since now), or none when empty: text and time are set
    together, as the table's check constraint `comment_pending_edit_whole` requires. Not saved."""
    comment.pending_body, comment.pending_at = body, (timezone.now() if body else None)


def _hold_edit(comment: Comment, body: str) -> None:
    """Call holding the proposal row lock. The edit waits for a moderator beside the approved text; a newer
    edit replaces the one waiting, and going back to the approved text withdraws it."""
    if body == (comment.pending_body if comment.has_pending_edit else comment.body):
        return
    _set_pending_edit(comment, "" if body == comment.body else body)
    comment.edit_rejection_reason = ""
    comment.save(update_fields=["pending_body", "pending_at", "edit_rejection_reason"])


def comment_delete(*, actor, comment: Comment) -> Comment:
    """The author deletes their comment: its text goes, the row stays so that replies keep their place.
    Deleting again changes nothing."""
    if not permissions.is_comment_author(actor, comment):
        raise NotAllowed(_("Only its author can delete a comment."))
    with transaction.atomic():
        proposal, comment = _locked_comment(comment.pk)
        if comment.is_deleted:
            return comment
        comment.body, comment.deleted_at = "", timezone.now()
        _set_pending_edit(comment, "")
        comment.save(update_fields=["body", "pending_body", "pending_at", "deleted_at"])
        if comment.is_published:
            count = _move_count(proposal, -1)
            if proposal.is_published:
                broadcast_on_commit(
                    proposal.consultation_id,
                    events.comment_removed(comment, reason="deleted", comments=count),
                )
    return comment


def comment_moderate(*, actor, comment: Comment, action: str, reason: str = "") -> Comment:
    """Approve (publish a pending comment, or the author's edit waiting for moderation), hide (with a
    reason, shown to the author; an edit waiting goes with it), restore (publish a hidden one again) or
    reject_edit (drop the edit waiting, with a reason for its author); each change is recorded in the audit
    trail and resolves the comment's open reports (flags). Asking for the state a comment already has
    changes nothing, except that hiding a hidden comment again replaces the reason (on a comment hidden
    pending review, after reports, it confirms the hide)."""
    if not permissions.can_moderate_comments(actor):
        raise role_refused(
            permissions.moderation_refusal(actor), _("Only moderators and officials can moderate comments.")
        )
    if action == REJECT_EDIT:  # the rules of a reason to hide: required, since the author reads it
        reason = _checked_reason(
            HIDE, reason, missing=_("Say why the edit is rejected: its author will read it.")
        )
    else:
        reason = _checked_reason(
            action, reason, missing=_("Say why the comment is hidden: its author will read it.")
        )
    with transaction.atomic():
        proposal, comment = _locked_comment(comment.pk)
        if comment.is_deleted:
            raise Conflict(_("This comment was deleted by its author."), code="comment_deleted")
        if action == REJECT_EDIT or (action == APPROVE and comment.has_pending_edit and comment.is_published):
            return _moderate_edit(actor, proposal, comment, approve=action == APPROVE, reason=reason)
        before = comment.visibility
        after = Visibility.HIDDEN if action == HIDE else Visibility.PUBLISHED
        if before == after and (after == Visibility.PUBLISHED or reason == comment.moderation_reason):
            return comment
        comment.visibility = after
        comment.moderation_reason = reason if action == HIDE else ""
        comment.auto_hidden_at = None  # a hide pending review is decided either way
        if action == HIDE:  # the moderator judged the comment as it stands: an edit waiting goes
            _set_pending_edit(comment, "")
            comment.edit_rejection_reason = ""
        comment.save(
            update_fields=[
                "visibility",
                "moderation_reason",
                "auto_hidden_at",
                "pending_body",
                "pending_at",
                "edit_rejection_reason",
            ]
        )
        audit.audit_record(
            proposal=proposal,
            comment=comment,
            actor=actor,
            action=_audit_action(action, before),
            from_value=before,
            to_value=after,
            reason=reason,
        )
        flags_resolve(comment=comment)
        _announce_moderation(proposal, comment, before)
    return comment


def _moderate_edit(actor, proposal: Proposal, comment: Comment, *, approve: bool, reason: str) -> Comment:
    """Call holding the proposal row lock. Approving makes the edit waiting the comment's text, announced as
    `comment.updated`; rejecting drops it and keeps the reason for its author. Either is in the trail."""
    if not comment.has_pending_edit:
        raise Conflict(_("No edit of this comment is waiting for moderation."), code="no_pending_edit")
    if approve:
        comment.body, comment.edited_at, comment.edit_rejection_reason = (
            comment.pending_body,
            comment.pending_at,
            "",
        )
    else:
        comment.edit_rejection_reason = reason
    _set_pending_edit(comment, "")
    comment.save(update_fields=["body", "edited_at", "edit_rejection_reason", "pending_body", "pending_at"])
    audit.audit_record(
        proposal=proposal,
        comment=comment,
        actor=actor,
        action=AuditAction.EDIT_APPROVED if approve else AuditAction.EDIT_REJECTED,
        reason=reason,
    )
    flags_resolve(comment=comment)
    if approve and proposal.is_published:
        broadcast_on_commit(proposal.consultation_id, events.comment_updated(comment))
    return comment


def _announce_moderation(proposal: Proposal, comment: Comment, before: str) -> None:
    """Call holding the proposal row lock, after the comment's visibility changed from `before`."""
    if before != Visibility.PUBLISHED and comment.is_published:
        count = _move_count(proposal, +1)
        event = events.comment_published(comment, comments=count)
        audit.comment_published_record(proposal=proposal, comment=comment)  # its first time only
    elif before == Visibility.PUBLISHED and not comment.is_published:
        count = _move_count(proposal, -1)
        event = events.comment_removed(comment, reason="hidden", comments=count)
    else:
        return
    if proposal.is_published:
        broadcast_on_commit(proposal.consultation_id, event)
