"""Unsubscribing: the signed links in e-mails, and the person's e-mail setting."""

from django.contrib.auth import get_user_model
from django.core import signing
from django.utils.translation import gettext as _

from cocreate.exceptions import NotFound

from ..models import Proposal

UNSUBSCRIBE_SALT = "cocreate.notifications.unsubscribe"


def unsubscribe_token(*, user_id: int, proposal_id: int | None) -> str:
    """A signed, non-expiring token naming the person (and the proposal the e-mail was about): links in
    old e-mails must keep working, and the token grants nothing but stopping e-mails or a follow."""
    return signing.dumps({"u": user_id, "p": proposal_id}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_target(token: str) -> tuple[int, int | None]:
    """(user id, proposal id) from a token; NotFound if it was not signed by this site."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"]), (int(data["p"]) if data.get("p") is not None else None)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_("This link is not valid.")) from None


def email_notifications_set(*, user, enabled: bool) -> bool:
    """Turn e-mails about followed proposals on or off; returns whether it changed. Unsent e-mails already
    queued are dropped at send time when off."""
    changed = get_user_model().objects.filter(pk=user.pk).exclude(email_notifications=enabled)
    changed = bool(changed.update(email_notifications=enabled))
    user.email_notifications = enabled
    return changed


def unsubscribe_user(token: str):
    """The person a token names; NotFound if the token is bad or the account is gone."""
    user_id, proposal_id = unsubscribe_target(token)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(_("This link is not valid."))
    # A proposal hidden since the e-mail went is no longer named (nor can it be unfollowed here).
    proposal = Proposal.objects.readable_by(user).filter(pk=proposal_id).first() if proposal_id else None
    return user, proposal
