"""Staff must use two-factor authentication (cocreate/accounts/mfa.py): without an activated authenticator
app a moderator, an official, a staff member or an administrator is sent from the admin to set one up, and
the staff API answers 403 `mfa_required`; with one, they go on as before; citizens never notice. Signing in
then asks for the app's code, or a recovery code, which works once."""

from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cocreate.accounts.mfa import MFA_REQUIRED
from proposals import permissions
from proposals.models import AuditEntry, Proposal, Visibility
from tests.support import factories
from tests.support.api import assert_error, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_allauth_limits")]

SET_UP = "/accounts/2fa/totp/activate/"
CODE_PAGE = "/accounts/2fa/authenticate/"

STAFF = {
    "moderator": lambda mfa: factories.moderator(second_factor=mfa),
    "official": lambda mfa: factories.official(second_factor=mfa),
    "superuser": lambda mfa: factories.citizen(is_superuser=True, is_staff=True, second_factor=mfa),
    "staff": lambda mfa: factories.citizen(is_staff=True, second_factor=mfa),
    "admin editor": lambda mfa: factories.admin_only_user(second_factor=mfa),
}


def signed_in(user, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


# The admin ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(STAFF))
@pytest.mark.parametrize("path", ["/cms/", "/cms/pages/", "/cms/account/", "/cms/backoffice/proposals/"])
def test_staff_without_a_second_factor_are_sent_from_every_admin_page_to_set_one_up(role, path):
    response = signed_in(STAFF[role](False)).get(path)
    assert response.status_code == 302
    assert response["Location"] == SET_UP


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Staff accounts (moderators, officials, administrators) need two-factor authentication."),
        ("fr", "Les comptes de l’équipe (modération, agents, administration) doivent utiliser"),
    ],
)
def test_the_admin_says_why_in_the_persons_language(language, said):
    client = signed_in(factories.official(second_factor=False), language)
    page = client.get("/cms/", follow=True)
    assert page.redirect_chain[0] == (SET_UP, 302)
    assert said in page.content.decode()


def test_the_set_up_page_shows_the_qr_code_and_the_key_after_the_password_again():
    official = factories.official(second_factor=False)
    client = Client()
    sign_in(client, official)
    html = reauthenticated(client).get(SET_UP).content.decode()
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code
    assert 'id="authenticator-secret"' in html
    assert 'autocomplete="one-time-code"' in html


@pytest.mark.parametrize("role", [role for role in STAFF if role != "staff"])  # is_staff alone: no admin
def test_staff_with_a_second_factor_reach_the_admin(role):
    assert signed_in(STAFF[role](True)).get("/cms/").status_code == 200


def test_a_citizen_is_not_sent_to_set_up_a_second_factor(citizen):
    client = signed_in(citizen)
    response = client.get("/cms/")
    assert response.status_code == 302
    assert not response["Location"].startswith("/accounts/2fa/")  # Wagtail's own refusal, as before
    assert client.get("/account/").status_code == 200
    assert client.get(SET_UP)["Location"].startswith("/accounts/reauthenticate/")  # theirs to choose


def test_staff_without_a_second_factor_may_still_use_the_public_site_and_sign_out():
    client = signed_in(factories.moderator(second_factor=False))
    assert client.get("/account/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_admins_password_form_is_allauths_which_asks_for_the_code():
    official = factories.official()
    client = Client()
    assert client.get("/cms/login/?next=/cms/pages/")["Location"] == "/accounts/login/?next=%2Fcms%2Fpages%2F"
    response = client.post(
        "/cms/login/?next=/cms/pages/", {"username": official.username, "password": factories.PASSWORD}
    )
    assert response["Location"] == "/accounts/login/?next=%2Fcms%2Fpages%2F"
    assert "_auth_user_id" not in client.session


def test_the_admins_password_form_keeps_no_outside_next():
    response = Client().get("/cms/login/?next=https://elsewhere.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fcms%2F"


# The staff API ------------------------------------------------------------------------------------------


@pytest.fixture
def published(consultation):
    return factories.ProposalFactory(consultation=consultation)


def staff_calls(consultation, proposal):
    """Each family of the staff API: (role it needs, method, path, body). Ids the person may not see, or that
    do not exist, are answered the same way by the endpoints checked before any look-up."""
    comment = factories.a_comment(proposal)
    hide = {"action": "hide", "reason": "Off topic"}
    return [
        ("moderator", "get", "/api/v1/moderation/queue/", None),
        ("moderator", "post", f"/api/v1/proposals/{proposal.pk}/moderation/", hide),
        ("moderator", "post", f"/api/v1/comments/{comment.pk}/moderation/", hide),
        ("moderator", "post", "/api/v1/checkins/999999/moderation/", {"decision": "hide", "reason": "Off"}),
        ("moderator", "post", f"/api/v1/proposals/{proposal.pk}/dismiss-flags/", {"reason": "Fine"}),
        ("moderator", "post", f"/api/v1/comments/{comment.pk}/dismiss-flags/", {"reason": "Fine"}),
        ("official", "post", f"/api/v1/proposals/{proposal.pk}/status/", {"status": "accepted", "note": ""}),
        ("official", "post", f"/api/v1/proposals/{proposal.pk}/responses/", {"body": "Yes.", "decision": ""}),
        (
            "official",
            "post",
            f"/api/v1/proposals/{proposal.pk}/milestones/",
            {"title": "First step", "planned_for": "2027-03-01"},
        ),
        ("official", "get", "/api/v1/awaiting-responses/", None),
        ("official", "get", f"/api/v1/consultations/{consultation.pk}/dashboard/", None),
    ]


def _call(client, method, path, body):
    return getattr(client, method)(path, body, format="json") if body else getattr(client, method)(path)


def token_client(user) -> APIClient:
    """The way scripts call: the token, read with the person's roles in one statement."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.parametrize("how", ["token", "session"])
def test_every_staff_endpoint_answers_mfa_required_to_staff_without_one(consultation, published, how):
    people = {
        "moderator": factories.moderator(second_factor=False),
        "official": factories.official(second_factor=False),
    }
    before = (Proposal.objects.values_list("status", "visibility").get(), AuditEntry.objects.count())
    for role, method, path, body in staff_calls(consultation, published):
        user = people[role]
        client = token_client(user) if how == "token" else client_for(None)
        if how == "session":
            client.force_login(user)
        error = assert_error(_call(client, method, path, body), 403, MFA_REQUIRED)
        assert "two-factor authentication" in error["message"], path
        assert SET_UP in error["message"]
        Token.objects.filter(user=user).delete()
    assert (Proposal.objects.values_list("status", "visibility").get(), AuditEntry.objects.count()) == before


def test_the_refusal_is_in_french_for_a_french_script(consultation, published):
    client = token_client(factories.official(second_factor=False))
    response = client.get("/api/v1/awaiting-responses/", HTTP_ACCEPT_LANGUAGE="fr")
    error = assert_error(response, 403, MFA_REQUIRED)
    assert "double authentification" in error["message"]


def test_with_a_second_factor_every_staff_endpoint_lets_staff_in(consultation, published):
    people = {"moderator": factories.moderator(), "official": factories.official()}
    for role, method, path, body in staff_calls(consultation, published):
        response = _call(token_client(people[role]), method, path, body)
        assert response.status_code not in (401, 403), (path, response.content)
        Token.objects.filter(user=people[role]).delete()


def test_citizens_are_refused_as_before_not_asked_for_a_second_factor(consultation, published, citizen):
    for _role, method, path, body in staff_calls(consultation, published):
        response = _call(token_client(citizen), method, path, body)
        assert response.status_code in (403, 404), (path, response.content)
        assert response.json()["error"]["code"] != MFA_REQUIRED
        Token.objects.filter(user=citizen).delete()


def test_a_moderator_asking_for_an_officials_power_is_refused_for_the_role_not_the_second_factor(published):
    response = token_client(factories.moderator(second_factor=False)).post(
        f"/api/v1/proposals/{published.pk}/status/", {"status": "accepted", "note": ""}, format="json"
    )
    assert_error(response, 403, "forbidden")


def test_citizens_endpoints_still_serve_staff_without_a_second_factor(published):
    client = token_client(factories.official(second_factor=False))
    assert client.get(f"/api/v1/proposals/{published.pk}/").status_code == 200
    assert client.post(f"/api/v1/proposals/{published.pk}/support/").status_code == 201


# The predicates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["moderator", "official", "superuser"])
def test_a_role_counts_only_with_a_second_factor(role):
    without, with_one = STAFF[role](False), STAFF[role](True)
    assert not permissions.can_moderate(without)
    assert permissions.can_moderate(with_one)
    assert permissions.moderation_refusal(without) == MFA_REQUIRED
    assert permissions.moderation_refusal(with_one) is None
    assert permissions.moderation_refusal(factories.citizen()) == permissions.FORBIDDEN
    assert permissions.official_refusal(factories.moderator(second_factor=False)) == permissions.FORBIDDEN


def test_hidden_proposals_stay_hidden_from_a_moderator_without_a_second_factor(consultation):
    hidden = factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN)
    url = f"/api/v1/proposals/{hidden.pk}/"
    assert token_client(factories.moderator(second_factor=False)).get(url).status_code == 404
    assert token_client(factories.moderator()).get(url).status_code == 200


# API tokens ---------------------------------------------------------------------------------------------


def test_setting_up_the_app_revokes_a_token_made_with_the_password_alone(django_capture_on_commit_callbacks):
    official = factories.official(second_factor=False)
    old = Token.objects.create(user=official)
    client = Client()
    sign_in(client, official)
    secret = reauthenticated(client).get(SET_UP).context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):  # allauth sends its signal after the commit
        response = client.post(SET_UP, {"code": factories.totp_code(secret)}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=official, type="totp").exists()
    assert not Token.objects.filter(key=old.key).exists()
    stale = APIClient(HTTP_AUTHORIZATION=f"Token {old.key}")
    assert stale.get("/api/v1/awaiting-responses/").status_code == 401


# Signing in ---------------------------------------------------------------------------------------------


def sign_in(client, user, next_path: str = "/cms/"):
    return client.post(
        f"/accounts/login/?next={next_path}", {"login": user.email, "password": factories.PASSWORD}
    )


def reauthenticated(client):
    """allauth asks for the password again before an authenticator is set up, even right after signing in."""
    response = client.post(f"/accounts/reauthenticate/?next={SET_UP}", {"password": factories.PASSWORD})
    assert response["Location"] == SET_UP
    return client


def test_signing_in_asks_staff_for_the_apps_code_before_anything():
    official = factories.official(second_factor=False)
    secret = factories.activate_totp(official)
    client = Client()
    response = sign_in(client, official)
    assert response["Location"] == CODE_PAGE
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in
    assert client.get("/cms/")["Location"].startswith("/cms/login/")
    assert client.get("/account/")["Location"].startswith("/accounts/login/")

    right = factories.totp_code(secret)
    wrong = client.post(CODE_PAGE, {"code": f"{(int(right) + 1) % 10**6:06d}"})
    assert wrong.status_code == 200
    assert "Incorrect code." in wrong.content.decode()

    response = client.post(CODE_PAGE, {"code": right})
    assert response["Location"] == "/cms/"
    assert client.get("/cms/").status_code == 200


def test_the_code_page_is_the_sites_and_in_french():
    official = factories.official()
    client = Client(headers={"accept-language": "fr"})
    sign_in(client, official)
    html = client.get(CODE_PAGE).content.decode()
    assert "<h1>Double authentification</h1>" in html
    assert 'autocomplete="one-time-code"' in html


def test_citizens_sign_in_with_their_password_alone(citizen):
    client = Client()
    assert sign_in(client, citizen, "/account/")["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_a_recovery_code_signs_in_once():
    official = factories.official()
    code = RecoveryCodes.activate(official).generate_codes()[0]

    first = Client()
    assert sign_in(first, official)["Location"] == CODE_PAGE
    assert first.post(CODE_PAGE, {"code": code})["Location"] == "/cms/"
    assert first.get("/cms/").status_code == 200

    again = Client()
    sign_in(again, official)
    refused = again.post(CODE_PAGE, {"code": code})
    assert refused.status_code == 200
    assert "Incorrect code." in refused.content.decode()
    assert "_auth_user_id" not in again.session


# Lost phone and lost recovery codes ---------------------------------------------------------------------


def test_an_operator_takes_away_a_lost_second_factor_and_the_admin_asks_for_a_new_one():
    official = factories.official()
    RecoveryCodes.activate(official)
    client = signed_in(official)
    assert client.get("/cms/").status_code == 200
    out = StringIO()
    call_command("second_factor_reset", official.email.upper(), stdout=out)
    assert "Removed the authenticator app and recovery codes" in out.getvalue()
    assert not Authenticator.objects.filter(user=official).exists()
    assert client.get("/cms/")["Location"] == SET_UP
    call_command("second_factor_reset", official.email, stdout=out)
    assert "nothing changed" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("second_factor_reset", "nobody@example.org")


@pytest.mark.parametrize(
    ("path", "asks", "action"),
    [
        ("/accounts/reauthenticate/", "type your password again", "/accounts/reauthenticate/"),
        (
            "/accounts/2fa/reauthenticate/",
            "type the code your authenticator app",
            "/accounts/2fa/reauthenticate/",
        ),
    ],
)
def test_confirming_it_is_you_asks_the_password_or_the_code_on_the_sites_page(path, asks, action):
    page = signed_in(factories.official()).get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert asks in html and f'action="{action}"' in html
    assert "<h1>Confirm it is you</h1>" in html
