"""One mailbox, one account: the sign-up and add-address forms compare an address by its canonical form
(canonical.py) with every account's, as allauth compares it as typed.

A sign-up whose address's canonical form belongs to another account is answered as allauth answers an
address already taken, so that nothing more is told about who has an account than allauth tells: with
ACCOUNT_PREVENT_ENUMERATION off, or on with e-mail verification not mandatory (this site: "optional",
where allauth itself says "taken" at sign-up, uniqueness winning over hiding), the form says the address
is taken; where allauth hides it (verification mandatory, or "strict"), the sign-up looks as if it
worked and allauth e-mails the address that an account exists (the same mailbox, so its owner learns it).
Adding an address to one's account says "taken" in both cases: allauth lets an address already on
another account be added unconfirmed, but a canonical form can have only one owner.

A password-reset request for an address no account has as typed finds the account whose address has its
canonical form, and sends the link to that account's own address (CanonicalResetPasswordMixin).

The unique constraint decides a race between two sign-ups that both passed the check: the second one's
transaction rolls back whole, and it is answered as its check would have answered (back to the sign-up
page with allauth's "taken" message, or allauth's hidden answer), never a half-made account or a 500.
"""

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.internal import flows
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse

from .canonical import canonical_email
from .models import CanonicalEmail

CANONICAL_CONSTRAINT = "one_account_per_mailbox"  # models.CanonicalEmail


def canonical_owner(email: str) -> int | None:
    """The id of the account whose address has `email`'s canonical form, if any."""
    return (
        CanonicalEmail.objects.filter(canonical=canonical_email(email))
        .values_list("address__user_id", flat=True)
        .first()
    )


def canonical_twin(email: str):
    """The active account's allauth EmailAddress (its user read with it) that has `email`'s canonical form,
    if any."""
    return (
        EmailAddress.objects.select_related("user")
        .filter(canonical_form__canonical=canonical_email(email), user__is_active=True)
        .first()
    )


def allauth_hides_taken_addresses() -> bool:
    """Whether allauth's sign-up hides that an address is taken (flows.manage_email.assess_unique_email)."""
    prevent = allauth_settings.PREVENT_ENUMERATION
    mandatory = allauth_settings.EMAIL_VERIFICATION == allauth_settings.EmailVerificationMethod.MANDATORY
    return prevent == "strict" or (bool(prevent) and mandatory)


def _lost_race(error: IntegrityError) -> bool:
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None) == CANONICAL_CONSTRAINT


class CanonicalSignupMixin:
    """For allauth's SignupForm (after its own clean_email, which lowercases and checks the exact address)."""

    def clean_email(self) -> str:
        email = super().clean_email()
        if email and not self.account_already_exists and canonical_owner(email) is not None:
            if not allauth_hides_taken_addresses():
                raise get_adapter().validation_error("email_taken")
            self.account_already_exists = True
        return email

    def try_save(self, request):
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError as error:
            if not _lost_race(error):
                raise
        # Another sign-up took the mailbox between this one's check and its insert: answered as the check
        # would have answered, on the sign-up page rather than on this form, which the view now ignores.
        if allauth_hides_taken_addresses():
            return None, flows.signup.prevent_enumeration(request, email=self.cleaned_data.get("email"))
        messages.error(request, get_adapter().error_messages["email_taken"])
        return None, HttpResponseRedirect(reverse("account_signup"))


class CanonicalAddEmailMixin:
    """For allauth's AddEmailForm: `self.user` adds an address."""

    def clean_email(self) -> str:
        email = super().clean_email()
        owner = canonical_owner(email) if email else None
        if owner == self.user.pk:
            raise get_adapter().validation_error("duplicate_email")
        if owner is not None:
            raise get_adapter().validation_error("email_taken")
        return email

    def save(self, request):
        with transaction.atomic():
            return super().save(request)


class CanonicalResetPasswordMixin:
    """For allauth's ResetPasswordForm: someone who types "jdoe@gmail.com" when their account has
    "J.Doe+x@gmail.com" gets the link, at the account's own address (the one it proved it receives mail at),
    never at the address typed. allauth's lookup of the address as typed goes first; the answer on the page
    is allauth's in every case (ACCOUNT_PREVENT_ENUMERATION: the same whether or not an account was found).
    """

    def clean_email(self) -> str:
        email = super().clean_email()
        self.reset_address = email
        if not self.users:
            twin = canonical_twin(email)
            if twin is not None:
                self.users, self.reset_address = [twin.user], twin.email
        return email

    def save(self, request, **kwargs) -> str:
        typed = self.cleaned_data["email"]
        self.cleaned_data["email"] = self.reset_address  # whom allauth mails
        try:
            super().save(request, **kwargs)
        finally:
            self.cleaned_data["email"] = typed
        return typed
