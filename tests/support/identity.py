"""A verified identity (signed in through an identity provider) for the tests, and a provider configured."""

from django.utils import timezone

from cocreate.accounts.models import VerifiedIdentity

CITY_ID = {
    "provider_id": "city-id",
    "name": "City ID",
    "client_id": "cocreate",
    "secret": "s3cret",
    "settings": {"server_url": "https://id.example.org", "scope": ["openid", "email", "address"]},
}


def configure_city_id(settings) -> None:
    """One identity provider set up, "City ID", as OIDC_PROVIDERS would set it (pytest-django's settings)."""
    settings.OIDC_APPS = [CITY_ID]
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [CITY_ID]}}


def with_identity(user, *, postal_code: str = "", locality: str = ""):
    """`user` as a request reads them after they signed in through City ID, which vouched for this address."""
    VerifiedIdentity.objects.create(
        user=user, provider="city-id", verified_at=timezone.now(), postal_code=postal_code, locality=locality
    )
    return type(user).objects.get(pk=user.pk)
