from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cocreate.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from allauth.account.signals import user_logged_in

        from .language import on_user_logged_in

        # A signal, as allauth's log-in is not ours to call into: the person's language for their e-mails.
        user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.remember_language")

        from allauth.socialaccount.signals import social_account_removed

        from . import identity

        # allauth's too: a sign-in through an identity provider records the person's verified identity, and
        # disconnecting the provider forgets it.
        user_logged_in.connect(identity.on_user_logged_in, dispatch_uid="accounts.verified_identity")
        social_account_removed.connect(identity.on_social_account_removed, dispatch_uid="accounts.identity")
