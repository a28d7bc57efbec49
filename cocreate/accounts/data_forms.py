"""The confirmation form for deleting one's account (see cocreate.accounts.services.account_delete)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class AccountDeleteForm(forms.Form):
    """The password, or, for an account without one, the username typed out."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.has_usable_password():
            self.fields["password"] = forms.CharField(
                label=_("Your password"),
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                strip=False,
            )
        else:
            self.fields["username"] = forms.CharField(
                label=_("Type your username to confirm"),
                help_text=_("Your account has no password: type your username, %(username)s.")
                % {"username": user.get_username()},
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )
