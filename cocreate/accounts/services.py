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
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from cocreate.exceptions import NotAllowed, ServiceError

from .data import export_sections, when
from .models import EMAIL_KINDS, User, VerifiedIdentity
from .roles import holds_role

EXPORT_FORMAT = 1


def account_export(*, user) -> dict:
    """Everything stored about `user`, for them to download. Never the API token itself. The sections
    after "account" come from the apps that hold them (data.export_sections)."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": when(timezone.now()),
        "account": {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "display_name": user.display_name,
            "public_name": str(user.public_name),
            "department": user.department,
            "language": user.language,
            "email_notifications": user.email_notifications,
            "email_frequencies": {kind: getattr(user, f"email_{kind}") for kind in EMAIL_KINDS},
            "date_joined": when(user.date_joined),
            "last_login": when(user.last_login),
            "emails": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
            ],
            "api_token": Token.objects.filter(user=user).exists(),
            # Sign-in with an identity provider: each one linked, with the claims kept of it
            # (adapter.minimal_claims), and the verified identity the latest one recorded.
            "identity_providers": [
                {
                    "provider": a.provider,
                    "subject": a.uid,
                    "claims": a.extra_data,
                    "linked_at": when(a.date_joined),
                    "last_sign_in": when(a.last_login),
                }
                for a in SocialAccount.objects.filter(user=user).order_by("provider", "uid")
            ],
            "verified_identity": next(
                (
                    {
                        "provider": i.provider,
                        "verified_at": when(i.verified_at),
                        "postcode": i.postal_code,
                        "locality": i.locality,
                    }
                    for i in VerifiedIdentity.objects.filter(user=user)
                ),
                None,
            ),
        },
        **export_sections(user=user),
    }


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


# The API token: one per person; the account page shows a new key once, then only its date.


def token_create(*, user: User) -> Token:
    """A new API token for `user`, in place of the one they had: the old key stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def token_revoke(*, user: User) -> bool:
    """Delete `user`'s API token, so scripts using it no longer work. Returns whether there was one."""
    with transaction.atomic():
        deleted, _rows = Token.objects.filter(user=user).delete()
    return bool(deleted)
