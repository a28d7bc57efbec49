"""A person's own data: export it all as JSON, or delete the account.

Deleting keeps what the person gave to the public debate and removes what is only theirs:
- proposals and comments stay, with no author (pages show "a former member");
- supports stay and keep counting, with no citizen (votes.Support.user becomes NULL), so every proposal's
  stored count still equals its support rows and nothing needs to go live;
- audit entries keep the actor's name as it was written (AuditEntry.actor becomes NULL);
- e-mail addresses, follows, notifications, reports, the API token and the account go.

People holding a role (moderators, officials, superusers) cannot delete their own account: their
moderation decisions and official responses answer to the public, so an administrator removes the role
first, a deliberate act, and the account then goes like anyone's.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from cocreate.exceptions import NotAllowed, ServiceError
from proposals import permissions
from proposals.models import Comment, Flag, Follow, Notification, Proposal
from votes.models import Support

EXPORT_FORMAT = 1


def _when(value):
    return value.isoformat() if value else None


def _about(proposal: Proposal, readable: set[int]) -> dict:
    """A proposal named in the export: its title only while the person may still open it (one hidden by
    moderation since, or in a consultation taken offline or made private, is named by its id alone)."""
    return {"id": proposal.pk, "title": proposal.title if proposal.pk in readable else None}


def _dated(rows, readable: set[int]) -> list[dict]:
    """Supports and follows: which proposal, since when."""
    return [
        {"proposal": _about(row.proposal, readable), "created_at": _when(row.created_at)}
        for row in rows.order_by("created_at", "pk")
    ]


def account_export(*, user) -> dict:
    """Everything stored about `user`, for them to download. Never the API token itself."""
    proposals = Proposal.objects.filter(author=user).select_related("consultation", "category")
    comments = Comment.objects.filter(author=user).select_related("proposal")
    supports = Support.objects.filter(user=user).select_related("proposal")
    follows = Follow.objects.filter(user=user).select_related("proposal")
    notices = Notification.objects.filter(recipient=user).select_related("entry__proposal")
    named = [rows.order_by().values("proposal_id") for rows in (comments, supports, follows)]
    named.append(notices.order_by().values("entry__proposal_id"))
    readable = set(
        Proposal.objects.readable_by(user)
        .filter(pk__in=named[0].union(*named[1:]))
        .values_list("pk", flat=True)
    )
    flags = Flag.objects.filter(reporter=user)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _when(timezone.now()),
        "account": {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "display_name": user.display_name,
            "public_name": str(user.public_name),
            "department": user.department,
            "language": user.language,
            "email_notifications": user.email_notifications,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "emails": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
            ],
            "api_token": Token.objects.filter(user=user).exists(),
        },
        "proposals": [
            {
                "id": p.pk,
                "consultation": {"id": p.consultation_id, "title": p.consultation.title},
                "category": p.category.name if p.category else None,
                "title": p.title,
                "summary": p.summary,
                "body": p.body,
                "language": p.language,
                "visibility": p.visibility,
                "moderation_reason": p.moderation_reason,
                "status": p.status,
                "supports": p.supports_count,
                "created_at": _when(p.created_at),
                "published_at": _when(p.published_at),
            }
            for p in proposals.order_by("created_at", "pk")
        ],
        "supports": _dated(supports, readable),
        "comments": [
            {
                "id": c.pk,
                "proposal": _about(c.proposal, readable),
                "parent": c.parent_id,
                "body": c.body,
                "language": c.language,
                "visibility": c.visibility,
                "moderation_reason": c.moderation_reason,
                # Their own edit waiting for moderation, and why their last one was rejected.
                "pending_edit": c.pending_body or None,
                "pending_edit_at": _when(c.pending_at),
                "edit_rejection_reason": c.edit_rejection_reason,
                "created_at": _when(c.created_at),
                "edited_at": _when(c.edited_at),
                "deleted_at": _when(c.deleted_at),
            }
            for c in comments.order_by("created_at", "pk")
        ],
        "follows": _dated(follows, readable),
        "notifications": [
            {
                "proposal": _about(n.entry.proposal, readable),
                "action": n.entry.action,
                "from": n.entry.from_value,
                "to": n.entry.to_value,
                "created_at": _when(n.created_at),
                "read_at": _when(n.read_at),
                "emailed_at": _when(n.emailed_at),
            }
            for n in notices.order_by("created_at", "pk")
        ],
        "reports": [
            {
                "proposal": f.proposal_id,
                "comment": f.comment_id,
                "reason": f.reason,
                "details": f.details,
                "created_at": _when(f.created_at),
                "resolved_at": _when(f.resolved_at),
            }
            for f in flags.order_by("created_at", "pk")
        ],
    }


def holds_role(user) -> bool:
    return user.is_superuser or user.is_staff or permissions.can_moderate(user)


def account_delete(*, user, password: str = "", username: str = "") -> None:
    """Delete `user`'s account after they confirmed it: with their password, or, for an account without a
    usable one (signed up through another site), by typing their username."""
    if not user.is_authenticated:
        raise NotAllowed(_("Sign in to delete your account."), code="not_authenticated")
    if holds_role(user):
        raise NotAllowed(
            _(
                "Accounts with a role (moderator, official, administrator) cannot be deleted by their "
                "holder: moderation decisions and official responses answer to the public. Ask an "
                "administrator to remove your role first."
            ),
            code="account_has_role",
        )
    if user.has_usable_password():
        if not user.check_password(password or ""):
            raise ServiceError(
                _("The password is not right."),
                code="wrong_confirmation",
                fields={"password": [_("The password is not right.")]},
            )
    elif not username or not constant_time_compare(username.strip(), user.get_username()):
        raise ServiceError(
            _("Type your username exactly to confirm."),
            code="wrong_confirmation",
            fields={"username": [_("Type your username exactly to confirm.")]},
        )
    with transaction.atomic():
        # The row lock orders this against the person's own requests elsewhere (a support being added
        # holds the proposal, then inserts a row pointing at this user, which waits for the lock).
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        locked.delete()


def export_filename(user) -> str:
    return f"cocreate-{user.get_username()}-{timezone.localdate().isoformat()}.json"


def export_allowed(request) -> tuple[bool, int | None]:
    """The `account_export` budget (per account), shared by the site and the API: an export reads much,
    so a script cannot loop on it. Returns (allowed, seconds to wait)."""
    from types import SimpleNamespace

    from rest_framework.throttling import ScopedRateThrottle

    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope="account_export")):
        return True, None
    return False, max(1, int(throttle.wait() or 1))
