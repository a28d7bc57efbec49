"""What votes hands down to the floors below through Wagtail hooks (docs/architecture.md)."""

from wagtail import hooks

from cocreate.accounts.data import ACCOUNT_EXPORT_HOOK

from .account_data import account_export

hooks.register(ACCOUNT_EXPORT_HOOK, account_export)
