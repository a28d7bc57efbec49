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
