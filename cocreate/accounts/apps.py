from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cocreate.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from allauth.account.models import EmailAddress
        from allauth.account.signals import user_logged_in
        from django.db.models.signals import post_save

        from .language import on_user_logged_in
        from .signals import on_email_address_saved

        # A signal, as allauth's log-in is not ours to call into: the person's language for their e-mails.
        user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.remember_language")

        from allauth.mfa.signals import authenticator_added

        from .mfa import on_authenticator_added

        # allauth's too: an API token made before the account had its second factor goes (mfa.py).
        authenticator_added.connect(on_authenticator_added, dispatch_uid="accounts.mfa_token")
        # allauth's addresses: each gets its canonical form (signals.py).
        post_save.connect(
            on_email_address_saved, sender=EmailAddress, dispatch_uid="accounts.canonical_email"
        )

        from allauth.socialaccount.signals import (
            social_account_added,
            social_account_removed,
            social_account_updated,
        )

        from . import identity

        # allauth's too: a sign-in through an identity provider, or connecting one to the account, records
        # the person's verified identity, and disconnecting the provider forgets it.
        user_logged_in.connect(identity.on_user_logged_in, dispatch_uid="accounts.verified_identity")
        social_account_added.connect(
            identity.on_social_account_connected, dispatch_uid="accounts.identity_added"
        )
        social_account_updated.connect(
            identity.on_social_account_connected, dispatch_uid="accounts.identity_updated"
        )
        social_account_removed.connect(identity.on_social_account_removed, dispatch_uid="accounts.identity")
