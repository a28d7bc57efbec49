"""A person's verified identity: recorded each time they sign in through an identity provider (settings:
OIDC_PROVIDERS) or connect one to their account from the connections page, forgotten when they disconnect
that provider. allauth signs them in and connects it, so its signals call these (apps.py)."""

from django.utils import timezone

from .models import User, VerifiedIdentity


def identity_record(*, user: User, provider: str, claims: dict) -> VerifiedIdentity:
    """That `user` has just signed in through `provider`, with the postcode and locality of its `claims`
    (adapter.minimal_claims) if it sent any: one statement, whoever else signs in at the same moment."""
    place = claims.get("address") or {}
    identity = VerifiedIdentity(
        user=user,
        provider=provider,
        verified_at=timezone.now(),
        postal_code=place.get("postal_code", ""),
        locality=place.get("locality", ""),
    )
    VerifiedIdentity.objects.bulk_create(
        [identity],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["provider", "verified_at", "postal_code", "locality"],
    )
    return identity


def identity_forget(*, user: User, provider: str) -> None:
    """`user` disconnected `provider` from their account: the identity it vouched for no longer counts."""
    VerifiedIdentity.objects.filter(user=user, provider=provider).delete()


def on_user_logged_in(sender, request, user, sociallogin=None, **kwargs) -> None:
    """allauth's `user_logged_in`: a sign-in through an identity provider carries its `sociallogin`."""
    if sociallogin is not None:
        account = sociallogin.account
        identity_record(user=user, provider=account.provider, claims=account.extra_data)


def on_social_account_connected(sender, request, sociallogin, **kwargs) -> None:
    """allauth's `social_account_added` (a provider connected to an account) and `social_account_updated`
    (a provider's answer for an account already linked to it): recorded when the person signed in is the
    account's owner, which is the connections page's flow (/accounts/3rdparty/), a new link or one made
    again. A sign-in's lookup runs before anyone is signed in (on_user_logged_in records it once they
    are), and a provider account linked to someone else is not the signed-in person's to record.
    The claims were cut down as allauth read them (adapter.SocialAccountAdapter.populate_user)."""
    user = getattr(request, "user", None)
    owner = sociallogin.user
    if user is None or not user.is_authenticated or owner is None or owner.pk != user.pk:
        return
    account = sociallogin.account
    identity_record(user=owner, provider=account.provider, claims=account.extra_data)


def on_social_account_removed(sender, request, socialaccount, **kwargs) -> None:
    identity_forget(user=socialaccount.user, provider=socialaccount.provider)
