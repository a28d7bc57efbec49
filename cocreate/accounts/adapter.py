"""allauth's account adapter, with the failed-log-in lock-out explained in our words (and so in French)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed log-in attempts for this account: it is locked for a few minutes, even to the "
            "right password. Try again later, or reset your password."
        ),
    }
