"""allauth's sign-up forms (with a password, or through an identity provider) and add-address form, refusing
addresses from disposable-mail services.

Only where an address is chosen: logging in and resetting a password keep working for an account whose
address was accepted before a domain joined the list.
"""

from allauth.account.forms import AddEmailForm, SignupForm
from allauth.socialaccount.forms import SignupForm as SocialSignupForm
from disposable_email_domains import blocklist
from django import forms
from django.utils.translation import gettext as _

from .unique_email import CanonicalAddEmailMixin, CanonicalSignupMixin


def disposable_domain(email: str) -> str | None:
    """The address's domain (or the listed domain it is a subdomain of) when a disposable-mail service
    owns it; a set lookup per label, so cheap on every sign-up."""
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    labels = domain.split(".")
    for start in range(len(labels) - 1):
        candidate = ".".join(labels[start:])
        if candidate in blocklist:
            return candidate
    return None


class NoDisposableEmailMixin:
    def clean_email(self) -> str:
        # Before allauth's own checks, which may already e-mail the owner of a taken address.
        domain = disposable_domain(self.cleaned_data["email"])
        if domain:
            raise forms.ValidationError(
                _(
                    "Addresses at %(domain)s are temporary (a disposable-mail service), so we could not "
                    "reach you later about your proposals. Please use an address you keep."
                )
                % {"domain": domain}
            )
        return super().clean_email()


class CitizenSignupForm(NoDisposableEmailMixin, CanonicalSignupMixin, SignupForm):
    pass


class CitizenAddEmailForm(NoDisposableEmailMixin, CanonicalAddEmailMixin, AddEmailForm):
    pass


class CitizenSocialSignupForm(NoDisposableEmailMixin, CanonicalSignupMixin, SocialSignupForm):
    """Shown when an identity provider's address cannot make the account by itself: another account has it
    (as typed, or in its canonical form) and the provider does not vouch for it, or it is disposable. The
    person gives another address."""
