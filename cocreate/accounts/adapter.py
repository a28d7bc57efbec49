"""allauth's adapters: the account adapter, with the failed-log-in lock-out explained in our words (and so
in French), and the social-account adapter of sign-in with an identity provider (settings: OIDC_PROVIDERS).
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.emailkit import valid_email_or_none
from allauth.account.utils import user_email
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter, _build_apps_from_settings
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .forms import disposable_domain
from .language import email_language
from .unique_email import canonical_owner


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed log-in attempts for this account: it is locked for a few minutes, even to the "
            "right password. Try again later, or reset your password."
        ),
    }

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        """allauth's e-mail telling the owner of a change to how they sign in (ACCOUNT_EMAIL_NOTIFICATIONS),
        written in their language whatever the request's (an administrator's, another browser's), with
        what the site's wording needs (frontend/templates/account/email/base_notification.txt)."""
        context = {
            "recipient": user,
            "account_url": settings.SITE_URL.rstrip("/") + reverse("account"),
            "reset_url": settings.SITE_URL.rstrip("/") + reverse("account_reset_password"),
            **(context or {}),
        }
        # allauth sends some after the commit (an authenticator app set up): the request it renders with is
        # then this adapter's, should allauth's own have been let go by the time the commit came.
        request = allauth_context.request or self.request
        with translation.override(email_language(user)), allauth_context.request_context(request):
            super().send_notification_mail(template_prefix, user, context, email)


# What is kept of the claims a provider sends (its ID token and user info): the stable subject, the e-mail
# address and whether the provider vouches for it, and a postcode and locality from the standard `address`
# claim if it sends one (what a consultation open to residents needs). Names, birth dates, phone numbers,
# pictures and the rest are dropped before anything is stored or logged in with: we have no use for them.
ADDRESS_CLAIMS = {"postal_code": 16, "locality": 100}  # and their longest kept length


def minimal_claims(*, uid: str, data: dict) -> dict:
    """The claims kept of `data`, a provider's answer as allauth stores it (`userinfo` and `id_token`, the
    user info first, as allauth reads them). `email_verified` is true only for a JSON true: some providers
    send the string "false", which Python would take for true."""
    claims = data.get("userinfo") or data.get("id_token") or {}
    email = valid_email_or_none(claims.get("email")) if isinstance(claims.get("email"), str) else None
    kept: dict = {"sub": uid}
    if email:
        kept["email"] = email
        kept["email_verified"] = claims.get("email_verified") is True
    address = claims.get("address")
    if isinstance(address, dict):
        place = {
            name: address[name].strip()[:length]
            for name, length in ADDRESS_CLAIMS.items()
            if isinstance(address.get(name), str) and address[name].strip()
        }
        if place:
            kept["address"] = place
    return kept


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        """The providers of settings.SOCIALACCOUNT_PROVIDERS (the environment's), never ones stored in the
        database: none can be added behind the operator's back, and a sign-in page sends no query for them.
        (allauth's own function that builds them from the settings, the way allauth itself does.)"""
        apps = _build_apps_from_settings(provider=provider, client_id=client_id)
        return [app for provider_apps in apps.values() for app in provider_apps]

    def populate_user(self, request, sociallogin, data):
        """Called as allauth reads the provider's answer, before it looks for an account to sign in to or
        stores anything: the claims are cut down to minimal_claims here, so the account the person signs in
        to, the social account's `extra_data` and the addresses allauth links or confirms all come from
        them. The new user gets the e-mail address and nothing else (no name: people choose their public
        name themselves)."""
        account = sociallogin.account
        claims = account.extra_data = minimal_claims(uid=account.uid, data=account.extra_data)
        email = claims.get("email", "")
        # Only the address the claims name, confirmed only if the provider vouches for it: allauth links an
        # existing account by a confirmed address (SOCIALACCOUNT_EMAIL_AUTHENTICATION).
        sociallogin.email_addresses = [
            address for address in sociallogin.email_addresses if address.email.lower() == email.lower()
        ]
        for address in sociallogin.email_addresses:
            address.verified = claims["email_verified"]
            address.primary = True
        user_email(sociallogin.user, email)
        return sociallogin.user

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        """A new person whose provider gives an address at a disposable-mail service, or one whose canonical
        form another account has (unique_email: allauth links by the exact address only), goes to the
        sign-up form, which says why and asks for another address (forms.CitizenSocialSignupForm)."""
        email = user_email(sociallogin.user) or ""
        if email and (disposable_domain(email) or canonical_owner(email) is not None):
            return False
        return super().is_auto_signup_allowed(request, sociallogin)

    def save_user(self, request, sociallogin, form=None):
        """The account, its link to the provider and its address in one transaction: nothing half-made if
        one of them fails (a mailbox another sign-up took meanwhile: unique_email)."""
        with transaction.atomic():
            return super().save_user(request, sociallogin, form=form)
