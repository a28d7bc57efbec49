"""Moderators block an account, and lift the block: the person keeps reading but can no longer write
(cocreate.accounts.blocking says which writes and where the check stands). Who may is
permissions.can_block_account; the AccountBlock row is the audit record (who, when, why; who lifted it,
when, why). The person is told by e-mail, in their language, after the commit."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate.accounts.models import AccountBlock, User
from cocreate.exceptions import Conflict, NotAllowed, ServiceError
from cocreate.limits import at_most
from cocreate.transactions import after_commit

from .. import permissions
from ..notifications import email_language, recipient_address, render_email
from ._common import REASON_MAX


def _checked_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ServiceError(
            _("Say why the account is blocked: the person is told."),
            fields={"reason": [_("A reason is required.")]},
        )
    if len(reason) > REASON_MAX:
        raise ServiceError(_("The reason is too long."), fields={"reason": [at_most(REASON_MAX)]})
    return reason


def _check_allowed(actor, user: User) -> None:
    if not permissions.can_block_account(actor, user):
        raise NotAllowed(
            _(
                "Moderators and officials block citizens' accounts; only an administrator blocks an "
                "account with a role, and nobody their own."
            )
        )


def _name(actor) -> str:
    return actor.get_full_name() or actor.display_name or actor.get_username()


def account_block(*, actor, user: User, reason: str) -> AccountBlock:
    """Block `user`'s account with a reason, which they are told. 409 `already_blocked` if a block
    stands (the database's partial unique constraint decides between two moderators at once)."""
    _check_allowed(actor, user)
    reason = _checked_reason(reason, required=True)
    try:
        with transaction.atomic():
            block = AccountBlock.objects.create(
                user=user, reason=reason, blocked_by=actor, blocked_by_name=_name(actor)
            )
            after_commit(_tell, block.pk, "account_blocked")
    except IntegrityError:
        raise Conflict(_("This account is already blocked."), code="already_blocked") from None
    return block


def account_unblock(*, actor, user: User, reason: str = "") -> AccountBlock:
    """Lift the block standing on `user`'s account (the reason is optional, kept with the block). 409
    `not_blocked` if none stands."""
    _check_allowed(actor, user)
    reason = _checked_reason(reason, required=False)
    with transaction.atomic():
        block = AccountBlock.objects.select_for_update().filter(user=user, lifted_at__isnull=True).first()
        if block is None:
            raise Conflict(_("This account is not blocked."), code="not_blocked")
        block.lifted_at, block.lifted_by, block.lifted_by_name = timezone.now(), actor, _name(actor)
        block.lift_reason = reason
        block.save(update_fields=["lifted_at", "lifted_by", "lifted_by_name", "lift_reason"])
        after_commit(_tell, block.pk, "account_unblocked")
    return block


def _tell(block_id: int, template: str) -> None:
    """E-mail the person at their confirmed primary address, in their language (after the commit)."""
    block = AccountBlock.objects.select_related("user").get(pk=block_id)
    address = recipient_address(block.user)
    if not address:
        return
    subject, body = render_email(
        template, {"block": block, "recipient": block.user}, language=email_language(block.user), token=""
    )
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]).send()
