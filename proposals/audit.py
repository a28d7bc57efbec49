"""The audit trail: every action of a moderator, an official or the platform on a proposal or one of its
comments, written in the transaction of the action itself. Rows are append-only (a PostgreSQL trigger
refuses updates and deletes); nothing else writes AuditEntry."""

from django.utils.translation import gettext as _

from . import notifications, permissions
from .models import AuditAction, AuditEntry, AuditRole

PUBLIC_ACTIONS = frozenset(AuditEntry.PUBLIC_ACTIONS)


def _role(actor) -> str:
    if actor is None:
        return AuditRole.PLATFORM
    return AuditRole.OFFICIAL if permissions.is_official(actor) else AuditRole.MODERATOR


def _name(actor) -> str:
    if actor is None:
        return ""
    # Never the username: it is a sign-in name, not meant for the public history. Without a name the
    # history names the role ("by an official").
    return actor.get_full_name() or actor.display_name


def audit_record(
    *,
    proposal,
    action: AuditAction,
    actor=None,
    as_author: bool = False,
    comment=None,
    response=None,
    milestone=None,
    from_value: str = "",
    to_value: str = "",
    reason: str = "",
) -> AuditEntry:
    """Record one action; `actor=None` means the platform did it (the support threshold), `as_author` that
    the actor did it as the proposal's author (named as the proposal names them). Call inside the action's
    transaction."""
    if action not in AuditAction.values:
        raise ValueError(_("Unknown audit action %r.") % action)
    entry = AuditEntry.objects.create(
        proposal=proposal,
        comment=comment,
        response=response,
        milestone=milestone,
        actor=actor,
        actor_name=str(actor.public_name) if as_author else _name(actor),
        actor_role=AuditRole.AUTHOR if as_author else _role(actor),
        action=action,
        from_value=from_value,
        to_value=to_value,
        reason=reason,
        public=action in PUBLIC_ACTIONS,
    )
    if entry.public:
        # The followers' notifications, in this same transaction; their e-mails go after commit.
        notifications.notify_entry(entry=entry, proposal=proposal)
    return entry


def comment_published_record(*, proposal, comment) -> AuditEntry | None:
    """Call holding the proposal row lock (every comment write takes it), as `comment` becomes public.
    The first time, record it and tell the proposal's author; never for the author's own comment, nor
    again (a restore after a hide: the constraint `comment_published_once` backs the check). Recorded as
    the platform's, so the trail keeps no citizen's name; not public, so it is not in the history."""
    if proposal.author_id is None or comment.author_id == proposal.author_id or not proposal.is_published:
        return None
    action = AuditAction.COMMENT_PUBLISHED
    if AuditEntry.objects.filter(comment=comment, action=action).exists():
        return None
    entry = AuditEntry.objects.create(
        proposal=proposal, comment=comment, actor_role=AuditRole.PLATFORM, action=action, public=False
    )
    notifications.notify_comment_published(entry=entry, proposal=proposal, comment=comment)
    return entry
