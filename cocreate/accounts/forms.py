"""allauth's sign-up forms (with a password, or through an identity provider) and add-address form, refusing
addresses from disposable-mail services; the sign-up with a password asks the browser for a proof of work.

Only where an address is chosen: logging in and resetting a password keep working for an account whose
address was accepted before a domain joined the list.
"""

import json

from allauth.account.forms import AddEmailForm, SignupForm
from allauth.core import context, ratelimit
from allauth.socialaccount.forms import SignupForm as SocialSignupForm
from disposable_email_domains import blocklist
from django import forms
from django.utils.translation import gettext as _

from .proof import ProofRefused, challenge_create, proof_verify
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


class ProofInput(forms.HiddenInput):
    """The solved challenge, filled in by proof.js; never rendered back, since each page gets a new one."""

    def format_value(self, value: object) -> None:
        return None


class ProofOfWorkMixin:
    """A `proof` field carrying a fresh challenge (cocreate/accounts/proof.py). Without a proof (no script,
    or the browser could not solve it) the form still works, under the stricter "signup_without_proof"
    limit per client address, so a citizen without JavaScript can sign up while a script that skips the
    work makes few accounts. A proof that is there but does not hold (tampered, wrong, expired, replayed)
    is refused: the page comes back with a new challenge."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proof"] = forms.CharField(
            required=False,
            widget=ProofInput(attrs={"data-challenge": json.dumps(challenge_create())}),
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned  # the page comes back anyway: keep the proof unspent, and the limit
        if cleaned.get("proof"):
            try:
                proof_verify(payload=cleaned["proof"])
            except ProofRefused:
                raise forms.ValidationError(
                    _(
                        "The automatic check of your browser did not pass (it may have taken too long). "
                        "It has been renewed: please send the form again."
                    ),
                    code="proof_refused",
                ) from None
        elif not ratelimit.consume(context.request, action="signup_without_proof"):
            raise forms.ValidationError(
                _(
                    "Your browser did not run the automatic check (it needs JavaScript), and many "
                    "accounts were made from your connection without it lately. Please turn JavaScript "
                    "on, or try again in an hour."
                ),
                code="proof_missing",
            )
        return cleaned


class CitizenSignupForm(NoDisposableEmailMixin, CanonicalSignupMixin, ProofOfWorkMixin, SignupForm):
    pass


class CitizenAddEmailForm(NoDisposableEmailMixin, CanonicalAddEmailMixin, AddEmailForm):
    pass


class CitizenSocialSignupForm(NoDisposableEmailMixin, CanonicalSignupMixin, SocialSignupForm):
    """Shown when an identity provider's address cannot make the account by itself: another account has it
    (as typed, or in its canonical form) and the provider does not vouch for it, or it is disposable. The
    person gives another address."""
