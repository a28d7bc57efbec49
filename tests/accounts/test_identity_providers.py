"""Sign-in with an identity provider, short of the browser (tests/e2e/test_identity_provider.py runs the
whole flow against a real provider): the environment that configures the providers, the claims kept of
what a provider sends, the verified identity read with the person, and the sign-in page's buttons."""

import environ
import pytest
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from cocreate.accounts.forms import CitizenSocialSignupForm
from cocreate.accounts.identity import identity_forget, identity_record
from cocreate.accounts.models import VerifiedIdentity
from cocreate.accounts.selectors import token_with_roles, user_with_roles, verified_identity_get
from cocreate.accounts.services import account_export
from cocreate.settings.base import openid_connect_providers
from tests.support import factories
from tests.support.pages import visible_text
from tests.support.servers import free_port

CITY = {
    "OIDC_PROVIDERS": "city-id",
    "OIDC_CITY_ID_NAME": "City ID",
    "OIDC_CITY_ID_SERVER_URL": "https://id.example.org/realms/city",
    "OIDC_CITY_ID_CLIENT_ID": "cocreate",
    "OIDC_CITY_ID_SECRET": "s3cret",
}


def providers_from(monkeypatch, variables: dict[str, str]) -> list[dict]:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return openid_connect_providers(environ.Env())


# The environment


def test_no_provider_configured_means_none(monkeypatch):
    monkeypatch.delenv("OIDC_PROVIDERS", raising=False)

    assert openid_connect_providers(environ.Env()) == []


def test_a_provider_from_its_variables(monkeypatch):
    apps = providers_from(monkeypatch, {**CITY, "OIDC_PROVIDERS": " city-id , national", **national()})

    assert [app["provider_id"] for app in apps] == ["city-id", "national"]
    assert apps[0] == {
        "provider_id": "city-id",
        "name": "City ID",
        "client_id": "cocreate",
        "secret": "s3cret",
        "settings": {"server_url": "https://id.example.org/realms/city", "scope": ["openid", "email"]},
    }
    assert apps[1]["settings"]["scope"] == ["openid", "email", "address"]


def national() -> dict[str, str]:
    return {
        "OIDC_NATIONAL_NAME": "National ID",
        "OIDC_NATIONAL_SERVER_URL": "https://national.example.org",
        "OIDC_NATIONAL_CLIENT_ID": "abc",
        "OIDC_NATIONAL_SECRET": "def",
        "OIDC_NATIONAL_SCOPE": "openid email address",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"OIDC_CITY_ID_SECRET": ""}, "OIDC_CITY_ID_SECRET must be set for the identity provider 'city-id'"),
        ({"OIDC_CITY_ID_NAME": "  "}, "OIDC_CITY_ID_NAME must be set"),
        ({"OIDC_PROVIDERS": "City_ID"}, "'City_ID' is not an identity provider id"),
        ({"OIDC_PROVIDERS": "city-id,city-id"}, "OIDC_PROVIDERS names 'city-id' twice"),
        (
            {"OIDC_CITY_ID_SERVER_URL": "http://id.example.org"},
            "OIDC_CITY_ID_SERVER_URL must be an https:// URL",
        ),
        ({"OIDC_CITY_ID_SERVER_URL": "id.example.org"}, "OIDC_CITY_ID_SERVER_URL must be an https:// URL"),
        ({"OIDC_CITY_ID_SCOPE": "email profile"}, "OIDC_CITY_ID_SCOPE must include openid"),
        ({"OIDC_CITY_ID_NAME": "x" * 41}, "OIDC_CITY_ID_NAME must be at most 40 characters"),
    ],
)
def test_a_bad_environment_stops_the_site_saying_what_is_wrong(monkeypatch, change, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        providers_from(monkeypatch, {**CITY, **change})


def test_plain_http_only_on_the_machine_itself(monkeypatch):
    apps = providers_from(monkeypatch, {**CITY, "OIDC_CITY_ID_SERVER_URL": "http://127.0.0.1:8001"})

    assert apps[0]["settings"]["server_url"] == "http://127.0.0.1:8001"


# The claims kept


def city_provider(server_url: str) -> dict:
    """SOCIALACCOUNT_PROVIDERS with one provider, "City ID", at `server_url`."""
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "city-id",
                    "name": "City ID",
                    "client_id": "cocreate",
                    "secret": "s3cret",
                    "settings": {"server_url": server_url, "scope": ["openid", "email"]},
                }
            ],
        }
    }


@pytest.fixture
def city(settings):
    settings.SOCIALACCOUNT_PROVIDERS = city_provider("https://id.example.org")
    request = RequestFactory().get("/")
    return get_adapter(request).get_provider(request, "city-id")


def answer(**userinfo) -> dict:
    """A provider's answer as allauth reads it: the user info and the ID token."""
    claims = {
        "sub": "24601",
        "email": "Jean@Example.org",
        "email_verified": True,
        "name": "Jean Valjean",
        "given_name": "Jean",
        "family_name": "Valjean",
        "preferred_username": "prisoner24601",
        "birthdate": "1769-01-01",
        "phone_number": "+33 1 23 45 67 89",
        "picture": "https://id.example.org/jean.png",
        "address": {
            "street_address": "Rue Plumet",
            "postal_code": " 75007 ",
            "locality": "Paris",
            "country": "FR",
        },
        **userinfo,
    }
    return {"userinfo": claims, "id_token": {**claims, "aud": "cocreate", "nonce": "n"}}


@pytest.mark.django_db
def test_only_the_subject_the_address_and_a_place_are_kept(city):
    login = city.sociallogin_from_response(RequestFactory().get("/"), answer())

    assert login.account.uid == "24601"
    assert login.account.extra_data == {
        "sub": "24601",
        "email": "jean@example.org",
        "email_verified": True,
        "address": {"postal_code": "75007", "locality": "Paris"},
    }
    assert [(a.email, a.verified, a.primary) for a in login.email_addresses] == [
        ("jean@example.org", True, True)
    ]
    user = login.user
    assert (user.email, user.first_name, user.last_name, user.username) == ("jean@example.org", "", "", "")


@pytest.mark.django_db
@pytest.mark.parametrize("claim", [False, "false", "true", 1, None])
def test_an_address_is_vouched_for_only_by_a_json_true(city, claim):
    login = city.sociallogin_from_response(RequestFactory().get("/"), answer(email_verified=claim))

    assert login.account.extra_data["email_verified"] is False
    assert [a.verified for a in login.email_addresses] == [False]


@pytest.mark.django_db
def test_no_address_and_no_place_keep_only_the_subject(city):
    data = answer(address="Paris")
    del data["userinfo"]["email"]

    login = city.sociallogin_from_response(RequestFactory().get("/"), data)

    assert login.account.extra_data == {"sub": "24601"}
    assert login.email_addresses == []


@pytest.mark.django_db
def test_an_existing_link_is_rewritten_with_the_kept_claims_only(city, citizen):
    """allauth updates a linked account's data as it looks it up, before our signals: already cut down."""
    citizen.socialaccount_set.create(provider="city-id", uid="24601", extra_data={"old": "everything"})
    login = city.sociallogin_from_response(RequestFactory().get("/"), answer())

    login.lookup()

    assert login.user == citizen
    assert citizen.socialaccount_set.get().extra_data["sub"] == "24601"
    assert "name" not in citizen.socialaccount_set.get().extra_data


@pytest.mark.django_db
def test_only_the_environments_providers_are_listed(city, settings):
    SocialApp.objects.create(provider="openid_connect", provider_id="rogue", name="Rogue", client_id="x")

    apps = get_adapter().list_apps(None)

    assert [app.provider_id for app in apps] == ["city-id"]


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["jean.valjean+id@gmail.com", "jean@mailinator.com"])
def test_a_mailbox_taken_or_disposable_asks_for_another_address(city, email):
    """An account has the mailbox in its canonical form, or the address is disposable: no account is made
    from it; the sign-up form asks for another address, and refuses this one."""
    factories.citizen(email="jeanvaljean@gmail.com")
    request = RequestFactory().get("/")
    login = city.sociallogin_from_response(request, answer(email=email))

    assert get_adapter(request).is_auto_signup_allowed(request, login) is False
    form = CitizenSocialSignupForm(data={"email": email}, sociallogin=login)
    assert not form.is_valid() and form.errors["email"]


@pytest.mark.django_db
def test_a_new_mailbox_makes_the_account_at_once(city):
    request = RequestFactory().get("/")
    login = city.sociallogin_from_response(request, answer(email="jean@example.org"))

    assert get_adapter(request).is_auto_signup_allowed(request, login) is True


# The verified identity


@pytest.mark.django_db
def test_the_latest_sign_in_is_the_identity_recorded(citizen):
    identity_record(
        user=citizen, provider="city-id", claims={"sub": "1", "address": {"postal_code": "75007"}}
    )
    identity_record(user=citizen, provider="national", claims={"sub": "2"})

    identity = VerifiedIdentity.objects.get()
    assert (identity.user, identity.provider, identity.postal_code, identity.locality) == (
        citizen,
        "national",
        "",
        "",
    )


@pytest.mark.django_db
def test_disconnecting_the_provider_forgets_the_identity(citizen):
    identity_record(user=citizen, provider="city-id", claims={"sub": "1"})

    identity_forget(user=citizen, provider="national")
    assert VerifiedIdentity.objects.filter(user=citizen).exists()
    identity_forget(user=citizen, provider="city-id")
    assert not VerifiedIdentity.objects.filter(user=citizen).exists()


@pytest.mark.django_db
def test_the_identity_comes_with_the_person_in_the_same_query(citizen, django_assert_num_queries):
    identity_record(
        user=citizen, provider="city-id", claims={"address": {"postal_code": "75007", "locality": "Paris"}}
    )
    token = Token.objects.create(user=citizen)

    with django_assert_num_queries(2):
        by_session = user_with_roles(user_id=citizen.pk)
        by_token = token_with_roles(key=token.key).user
        identities = [verified_identity_get(user=by_session), verified_identity_get(user=by_token)]

    assert [(i.provider, i.postal_code, i.locality) for i in identities] == [
        ("city-id", "75007", "Paris")
    ] * 2


@pytest.mark.django_db
def test_no_identity_costs_no_query_either(citizen, django_assert_num_queries):
    with django_assert_num_queries(1):
        person = user_with_roles(user_id=citizen.pk)
        assert verified_identity_get(user=person) is None


@pytest.mark.django_db
def test_the_export_says_what_is_kept_of_each_provider(citizen):
    claims = {"sub": "24601", "email": citizen.email, "email_verified": True}
    claims["address"] = {"locality": "Paris"}
    citizen.socialaccount_set.create(provider="city-id", uid="24601", extra_data=claims)
    identity_record(user=citizen, provider="city-id", claims=claims)

    account = account_export(user=citizen)["account"]

    assert [(p["provider"], p["subject"], p["claims"]) for p in account["identity_providers"]] == [
        ("city-id", "24601", claims)
    ]
    identity = account["verified_identity"]
    assert (identity["provider"], identity["postcode"], identity["locality"]) == ("city-id", "", "Paris")


@pytest.mark.django_db
def test_the_export_of_someone_without_a_provider(citizen):
    account = account_export(user=citizen)["account"]

    assert (account["identity_providers"], account["verified_identity"]) == ([], None)


# The buttons


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["account_login", "account_signup"])
def test_one_button_per_provider_on_the_sign_in_and_sign_up_pages(client, city, page):
    response = client.get(reverse(page) + "?next=/account/")

    html = response.content.decode()
    assert "Sign in with City ID" in visible_text(response)
    assert 'action="/accounts/oidc/city-id/login/?process=login"' in html
    assert 'name="next" value="/account/"' in html


@pytest.mark.django_db
def test_the_button_in_french(city):
    response = Client(headers={"accept-language": "fr"}).get(reverse("account_login"))

    assert "Se connecter avec City ID" in visible_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["account_login", "account_signup"])
def test_no_provider_no_button(client, settings, page):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": []}}

    response = client.get(reverse(page))

    assert response.status_code == 200
    assert "identity-providers" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_provider_out_of_reach_is_a_page_not_a_server_error(settings, language):
    """The sign-in starts by reading the provider's discovery document: nobody answers at its address."""
    dead = f"http://127.0.0.1:{free_port()}"
    settings.SOCIALACCOUNT_PROVIDERS = city_provider(dead)
    client = Client(headers={"accept-language": language})

    response = client.post("/accounts/oidc/city-id/login/?process=login")

    assert response.status_code == 401  # allauth's answer to a sign-in that could not be made
    failure = {"en": "Third-Party Login Failure", "fr": "Échec de la connexion"}[language]
    assert failure in visible_text(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_disconnecting_the_provider_on_the_connections_page_forgets_the_identity(client, city, citizen):
    account = citizen.socialaccount_set.create(provider="city-id", uid="24601", extra_data={"sub": "24601"})
    identity_record(user=citizen, provider="city-id", claims={"sub": "24601"})
    client.force_login(citizen)

    assert "City ID" in visible_text(client.get("/accounts/3rdparty/"))
    response = client.post("/accounts/3rdparty/", {"account": account.pk})

    assert response.status_code == 302
    assert not citizen.socialaccount_set.exists()
    assert not VerifiedIdentity.objects.filter(user=citizen).exists()


@pytest.mark.django_db
def test_the_account_page_lists_the_linked_services_and_leads_to_linking_one(city, citizen):
    citizen.socialaccount_set.create(provider="city-id", uid="24601", extra_data={"sub": "24601"})
    citizen.socialaccount_set.create(provider="gone-id", uid="7", extra_data={"sub": "7"})  # not offered now
    client = Client()
    client.force_login(citizen)

    response = client.get(reverse("account"))

    text = visible_text(response)
    assert "Identity services" in text
    assert "Linked to City ID since" in text and "Linked to gone-id since" in text
    assert 'href="/accounts/3rdparty/">Link or unlink an identity service</a>' in response.content.decode()
    citizen.socialaccount_set.all().delete()
    text = visible_text(client.get(reverse("account"), headers={"accept-language": "fr"}))
    assert "Aucun service d’identité n’est relié à votre compte." in text
    assert "Relier ou délier un service d’identité" in text


@pytest.mark.django_db
def test_a_site_without_identity_services_shows_no_such_part(client, settings, citizen):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": []}}
    client.force_login(citizen)
    assert "Identity services" not in visible_text(client.get(reverse("account")))
