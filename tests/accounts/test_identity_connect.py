"""Connecting an identity provider from the connections page (/accounts/3rdparty/, allauth's "connect" flow)
records the person's verified identity, as signing in through it does, with the same trimmed claims, and
once however often it is done; disconnecting it forgets that identity. Through allauth's own flow, from the
provider's answer on: a consultation asking for a verified identity lets the person support after the
connection, and no longer after the disconnection."""

import pytest
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import Client, RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cocreate.accounts.models import VerifiedIdentity
from tests.support import factories
from tests.support.api import assert_error
from tests.support.identity import configure_city_id

pytestmark = pytest.mark.django_db

CALLBACK = "/accounts/oidc/city-id/login/callback/"


@pytest.fixture(autouse=True)
def city_id(settings):
    configure_city_id(settings)


def answer(sub: str = "24601") -> dict:
    """City ID's answer as allauth reads it, with more than is kept."""
    claims = {
        "sub": sub,
        "email": "jean@example.org",
        "email_verified": True,
        "name": "Jean Valjean",
        "birthdate": "1769-01-01",
        "address": {"street_address": "Rue Plumet", "postal_code": "75007", "locality": "Paris"},
    }
    return {"userinfo": claims, "id_token": {**claims, "aud": "cocreate", "nonce": "n"}}


def callback_request(user):
    request = RequestFactory().get(CALLBACK)
    SessionMiddleware(lambda request: None).process_request(request)
    request.user = user
    request._messages = FallbackStorage(request)
    return request


def come_back_from_the_provider(user, *, process: str = "connect", sub: str = "24601"):
    """What allauth does as the provider sends `user` back to the callback: read its answer (our adapter
    trims the claims), then complete the connection (or the sign-in) through allauth's own flow."""
    request = callback_request(user)
    with allauth_context.request_context(request):
        provider = get_adapter(request).get_provider(request, "city-id")
        login = provider.sociallogin_from_response(request, answer(sub))
        login.state["process"] = process
        return complete_social_login(request, login)


def api_for(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def support(user, proposal):
    return api_for(user).post(f"/api/v1/proposals/{proposal.pk}/support/")


def identity_level_proposals(n: int):
    consultation = factories.consultation(participation_level="identity")
    return [factories.ProposalFactory(consultation=consultation) for _ in range(n)]


def test_connecting_then_disconnecting_the_provider_lets_the_person_support_then_not():
    first, second = identity_level_proposals(2)
    citizen = factories.citizen()
    assert_error(support(citizen, first), 403, "identity_required")

    response = come_back_from_the_provider(citizen)

    assert response.status_code == 302 and response["Location"] == "/accounts/3rdparty/"
    identity = VerifiedIdentity.objects.get(user=citizen)
    assert (identity.provider, identity.postal_code, identity.locality) == ("city-id", "75007", "Paris")
    account = SocialAccount.objects.get(user=citizen)
    assert account.extra_data == {  # the same trimmed claims as a sign-in's
        "sub": "24601",
        "email": "jean@example.org",
        "email_verified": True,
        "address": {"postal_code": "75007", "locality": "Paris"},
    }
    assert support(citizen, first).status_code == 201

    client = Client()
    client.force_login(citizen)
    assert client.post("/accounts/3rdparty/", {"account": account.pk}).status_code == 302

    assert not VerifiedIdentity.objects.filter(user=citizen).exists()
    assert_error(support(citizen, second), 403, "identity_required")


def test_connecting_again_records_the_identity_once_and_anew():
    citizen = factories.citizen()
    come_back_from_the_provider(citizen)
    before = VerifiedIdentity.objects.get(user=citizen).verified_at

    # The provider already linked: allauth updates the link ("updated"), and the identity with it.
    response = come_back_from_the_provider(citizen)

    assert response.status_code == 302
    assert SocialAccount.objects.filter(user=citizen).count() == 1
    assert VerifiedIdentity.objects.filter(user=citizen).count() == 1
    assert VerifiedIdentity.objects.get(user=citizen).verified_at > before


def test_a_provider_account_linked_to_someone_else_verifies_nobody():
    owner, other = factories.citizen(), factories.citizen()
    owner.socialaccount_set.create(provider="city-id", uid="24601", extra_data={"sub": "24601"})
    (proposal,) = identity_level_proposals(1)

    come_back_from_the_provider(other)

    assert SocialAccount.objects.get(uid="24601").user == owner
    assert not VerifiedIdentity.objects.exists()
    assert_error(support(other, proposal), 403, "identity_required")


def test_a_sign_in_records_nothing_before_the_person_is_signed_in():
    """allauth updates a linked account as it looks it up, before the sign-in is done (a second factor may
    still be asked): the identity is recorded only once the person is signed in (user_logged_in)."""
    citizen = factories.citizen()
    citizen.socialaccount_set.create(provider="city-id", uid="24601", extra_data={"sub": "24601"})
    request = callback_request(AnonymousUser())

    with allauth_context.request_context(request):
        provider = get_adapter(request).get_provider(request, "city-id")
        provider.sociallogin_from_response(request, answer()).lookup()

    assert not VerifiedIdentity.objects.exists()
