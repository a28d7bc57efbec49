"""Sign-in with an identity provider, in a browser, against a real OpenID Connect provider: django-allauth's
own, in a process of its own (tests/support/oidc_provider), and the site in another, configured for it by
the environment alone (OIDC_PROVIDERS). The authorization-code flow with PKCE, the provider's sign-in and
consent pages, its token and user-info endpoints: nothing mocked."""

import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken
from playwright.sync_api import Page, expect

from cocreate.accounts.models import User, VerifiedIdentity
from tests.support import factories, servers
from tests.support.axe import axe_violations, describe_violations, horizontal_overflow, target_problems
from tests.support.factories import PASSWORD
from tests.support.oidc_provider import running_provider

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_allauth_limits"),
]

EMAILS = "/accounts/email/"
CALLBACK = "/accounts/oidc/testid/login/callback/"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    with running_provider(tmp_path_factory.mktemp("identity-provider")) as provider:
        yield provider


@pytest.fixture(scope="module")
def site(provider, asgi_server_env):
    """The site, in a process of its own that knows the provider from its environment only; registered
    at the provider as a confidential client with its callback."""
    secret = secrets.token_urlsafe(32)
    env = {
        **asgi_server_env,
        "OIDC_PROVIDERS": "testid",
        "OIDC_TESTID_NAME": "Test ID",
        "OIDC_TESTID_SERVER_URL": provider.issuer,
        "OIDC_TESTID_CLIENT_ID": "cocreate",
        "OIDC_TESTID_SECRET": secret,
        "OIDC_TESTID_SCOPE": "openid email address",
    }
    with servers.serving(env) as server:
        provider.add_client("cocreate", secret, server.http_url(CALLBACK))
        yield server


@pytest.fixture
def visitor(browser, site):
    context = browser.new_context(base_url=site.base_url)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    ("path", "language", "button"),
    [
        ("/accounts/login/", "en", "Sign in with Test ID"),
        ("/accounts/signup/", "fr", "Se connecter avec Test ID"),
    ],
)
def test_the_providers_button_is_accessible_at_phone_width(browser, site, path, language, button):
    context = browser.new_context(
        base_url=site.base_url, locale=language, viewport={"width": 320, "height": 640}
    )
    page = context.new_page()
    try:
        page.goto(path)
        expect(page.get_by_role("button", name=button)).to_be_visible()
        problems = [describe_violations(found)] if (found := axe_violations(page)) else []
        problems += [overflow] if (overflow := horizontal_overflow(page)) else []
        problems += target_problems(page, [".identity-providers button"])
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def sign_in_at_the_provider(page: Page, provider, email: str) -> list[dict]:
    """From the site's sign-in page, through the provider's sign-in and consent pages; returns the query of
    each authorization request the browser sent the provider."""
    authorizations: list[dict] = []
    authorize = f"{provider.issuer}/identity/o/authorize"
    page.on(
        "request",
        lambda request: (
            authorizations.append(parse_qs(urlsplit(request.url).query))
            if request.url.startswith(authorize)
            else None
        ),
    )
    page.goto(f"/accounts/login/?next={EMAILS}")
    page.get_by_role("button", name="Sign in with Test ID").click()

    page.wait_for_url(f"{provider.issuer}/accounts/login/**")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action^='/accounts/login/'] [type=submit]").click()
    page.get_by_role("button", name="Authorize").click()
    return authorizations


def test_a_new_citizen_signs_in_with_the_provider(provider, site, visitor):
    provider.add_user("jean@example.org", PASSWORD)

    authorizations = sign_in_at_the_provider(visitor, provider, "jean@example.org")

    expect(visitor).to_have_url(site.http_url(EMAILS))
    expect(visitor.get_by_text("jean@example.org").first).to_be_visible()
    # The authorization-code flow, with a PKCE challenge the provider checked against the verifier.
    assert authorizations, "the browser never reached the provider's authorization endpoint"
    first = authorizations[0]
    assert first["response_type"] == ["code"] and first["code_challenge_method"] == ["S256"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", first["code_challenge"][0])
    user = User.objects.get(email="jean@example.org")
    assert [(a.email, a.verified) for a in EmailAddress.objects.filter(user=user)] == [
        ("jean@example.org", True)
    ]
    assert not user.has_usable_password() and (user.first_name, user.last_name) == ("", "")
    account = SocialAccount.objects.get(user=user)
    assert account.provider == "testid"
    # Of the name, birth date, phone number and street the provider sent, nothing is kept.
    assert account.extra_data == {
        "sub": account.uid,
        "email": "jean@example.org",
        "email_verified": True,
        "address": {"postal_code": "75007", "locality": "Paris"},
    }
    assert not SocialToken.objects.exists()
    identity = VerifiedIdentity.objects.get(user=user)
    assert (identity.provider, identity.postal_code, identity.locality) == ("testid", "75007", "Paris")


def test_an_existing_citizen_with_the_vouched_for_address_is_linked_not_duplicated(provider, site, visitor):
    citizen = factories.citizen(email="cosette@example.org")
    provider.add_user("cosette@example.org", PASSWORD)

    sign_in_at_the_provider(visitor, provider, "cosette@example.org")

    expect(visitor).to_have_url(site.http_url(EMAILS))
    expect(visitor.get_by_text("cosette@example.org").first).to_be_visible()
    assert list(User.objects.filter(email__iexact="cosette@example.org")) == [citizen]
    assert SocialAccount.objects.get(provider="testid").user == citizen
    assert VerifiedIdentity.objects.get().user == citizen
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)  # their own way in still works


def test_an_address_the_provider_does_not_vouch_for_takes_over_no_account(provider, site, visitor):
    citizen = factories.citizen(email="javert@example.org")
    provider.add_user("javert@example.org", PASSWORD, verified=False)

    sign_in_at_the_provider(visitor, provider, "javert@example.org")

    # Asked for another address instead: the one it gave belongs to an account it cannot vouch for.
    expect(visitor).to_have_url(site.http_url("/accounts/3rdparty/signup/"))
    expect(visitor.get_by_role("heading", name="Create an account")).to_be_visible()
    assert not SocialAccount.objects.exists() and not VerifiedIdentity.objects.exists()
    assert list(User.objects.filter(email__iexact="javert@example.org")) == [citizen]
    visitor.goto(EMAILS)
    expect(visitor).to_have_url(site.http_url(f"/accounts/login/?next={EMAILS}"))


def test_staff_signing_in_with_the_provider_still_give_their_second_factor(provider, site, visitor):
    """A provider vouching for a moderator's address signs in to the moderator's account: only once the
    code of their authenticator app is given, as with a password."""
    moderator = factories.moderator(email="inspector@example.org", second_factor=False)
    secret = factories.activate_totp(moderator)
    provider.add_user("inspector@example.org", PASSWORD)

    sign_in_at_the_provider(visitor, provider, "inspector@example.org")

    expect(visitor).to_have_url(site.http_url("/accounts/2fa/authenticate/"))
    assert not VerifiedIdentity.objects.exists()  # not signed in yet
    visitor.get_by_label("Code").fill(factories.totp_code(secret))
    visitor.get_by_role("button", name="Sign in").last.click()
    expect(visitor).to_have_url(site.http_url(EMAILS))
    assert VerifiedIdentity.objects.get().user == moderator


def test_connecting_the_provider_from_the_account_verifies_the_identity_and_removing_it_forgets(
    provider, site, visitor
):
    """A citizen signed in with their password connects the provider on the connections page (allauth's
    "connect" flow), at an address of the provider's that is not theirs here: their identity is verified
    from then on, with the trimmed claims; removing the connection forgets it."""
    citizen = factories.citizen(email="marius@example.org")
    provider.add_user("pontmercy@example.org", PASSWORD)
    visitor.goto("/accounts/login/")
    visitor.locator("input[name=login]").fill("marius@example.org")
    visitor.locator("input[name=password]").fill(PASSWORD)
    visitor.locator("form[action='/accounts/login/'] [type=submit]").click()
    expect(visitor).not_to_have_url(re.compile(r".*/accounts/login/.*"))

    visitor.goto("/accounts/3rdparty/")
    visitor.get_by_role("link", name="Test ID").click()
    visitor.get_by_role("button", name="Continue").click()  # allauth starts it on a POST only
    visitor.wait_for_url(f"{provider.issuer}/accounts/login/**")
    visitor.locator("input[name=login]").fill("pontmercy@example.org")
    visitor.locator("input[name=password]").fill(PASSWORD)
    visitor.locator("form[action^='/accounts/login/'] [type=submit]").click()
    visitor.get_by_role("button", name="Authorize").click()

    expect(visitor).to_have_url(site.http_url("/accounts/3rdparty/"))
    account = SocialAccount.objects.get(user=citizen)
    assert account.extra_data["address"] == {"postal_code": "75007", "locality": "Paris"}
    assert "name" not in account.extra_data
    identity = VerifiedIdentity.objects.get(user=citizen)
    assert (identity.provider, identity.postal_code, identity.locality) == ("testid", "75007", "Paris")

    visitor.get_by_role("radio").check()
    visitor.get_by_role("button", name="Remove").click()
    expect(visitor.get_by_text("You currently have no third-party accounts connected")).to_be_visible()
    assert not SocialAccount.objects.filter(user=citizen).exists()
    assert not VerifiedIdentity.objects.filter(user=citizen).exists()
