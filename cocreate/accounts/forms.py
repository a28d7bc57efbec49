"""allauth's sign-up forms (with a password, or through an identity provider) and add-address form, refusing
addresses from disposable-mail services; the sign-up with a password and the password-reset request ask the
browser for a proof of work.

Only where an address is chosen: logging in and resetting a password keep working for an account whose
address was accepted before a domain joined the list.
"""

import json

from allauth.account.forms import AddEmailForm, ResetPasswordForm, SignupForm
from allauth.core import context, ratelimit
from allauth.socialaccount.forms import SignupForm as SocialSignupForm
from disposable_email_domains import blocklist
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .proof import ProofRefused, challenge_create, proof_verify
from .unique_email import CanonicalAddEmailMixin, CanonicalResetPasswordMixin, CanonicalSignupMixin


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
    or the browser could not solve it) the form still works, under the stricter `limit_without_proof`
    allauth limit per client address, so a citizen without JavaScript can still send it while a script
    that skips the work sends it few times. A proof that is there but does not hold (tampered, wrong,
    expired, replayed) is refused: the page comes back with a new challenge."""

    limit_without_proof = "signup_without_proof"
    without_proof_refusal = gettext_lazy(
        "Your browser did not run the automatic check (it needs JavaScript), and many accounts were made "
        "from your connection without it lately. Please turn JavaScript on, or try again in an hour."
    )

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
        elif not ratelimit.consume(context.request, action=self.limit_without_proof):
            raise forms.ValidationError(self.without_proof_refusal, code="proof_missing")
        return cleaned


class CitizenSignupForm(NoDisposableEmailMixin, CanonicalSignupMixin, ProofOfWorkMixin, SignupForm):
    pass


class CitizenResetPasswordForm(ProofOfWorkMixin, CanonicalResetPasswordMixin, ResetPasswordForm):
    """The request for a reset link, found by the address as typed or by its canonical form. allauth's
    answer stays the same whether or not an account has the address (ACCOUNT_PREVENT_ENUMERATION): the
    proof is asked of every request alike."""

    limit_without_proof = "reset_password_without_proof"
    without_proof_refusal = gettext_lazy(
        "Your browser did not run the automatic check (it needs JavaScript), and many links were asked for "
        "from your connection without it lately. Please turn JavaScript on, or try again in an hour."
    )


class CitizenAddEmailForm(NoDisposableEmailMixin, CanonicalAddEmailMixin, AddEmailForm):
    pass


class CitizenSocialSignupForm(NoDisposableEmailMixin, CanonicalSignupMixin, SocialSignupForm):
    """Shown when an identity provider's address cannot make the account by itself: another account has it
    (as typed, or in its canonical form) and the provider does not vouch for it, or it is disposable. The
    person gives another address."""
