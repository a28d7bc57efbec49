"""Template context every page gets."""

from django.utils.functional import SimpleLazyObject

from cocreate.accounts.blocking import is_blocked, refusal_message
from proposals.notifications import unread_count


def notifications(request):
    """The unread count in the header, counted only when a page shows it (signed-in people)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user=user))}


def blocked_account(request):
    """For a blocked person, the notice every page shows, with the reason (cocreate.accounts.blocking). No
    query for anyone else: whether a block stands is read with the person."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "account_blocked_notice": SimpleLazyObject(lambda: refusal_message(user) if is_blocked(user) else ""),
        # Where a control would be, the pages say it is not for this person (includes/account_blocked.html).
        "account_blocked": SimpleLazyObject(lambda: is_blocked(user)),
    }
