"""Abuse: allauth's sign-up and log-in limits (through the real views), the failed-log-in lock-out, the
disposable-address check, the site's forms limited per address too, and e-mail verification before any
write (API and site forms alike)."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from cocreate.accounts.forms import disposable_domain
from proposals.models import Comment, Flag, Proposal
from tests.support import factories
from tests.support.api import assert_error
from tests.support.pages import visible_text
from votes.models import Support

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_allauth_limits")]

PASSWORD = "a long pass phrase 42"  # noqa: S105


@pytest.fixture
def account_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed": "100/m/ip,3/5m/key",
        "signup": "2/h/ip",
    }


def person(email="ada@example.org"):
    user = factories.citizen(email=email)
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def sign_up(client, email):
    return client.post("/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD})


# Failed log-ins lock the account


def test_under_the_limit_a_mistyped_password_still_lets_the_right_one_in(account_limits):
    person()
    client = Client()
    for _ in range(2):
        assert log_in(client, "ada@example.org", "wrong").status_code == 200
    assert log_in(client, "ada@example.org", PASSWORD).status_code == 302


def test_repeated_failures_lock_the_account_even_to_the_right_password(account_limits):
    person()
    person("grace@example.org")
    for n in range(3):
        # From several addresses: the lock is on the account, not on one address.
        assert log_in(Client(REMOTE_ADDR=f"203.0.113.{n}"), "ada@example.org", "wrong").status_code == 200

    locked = log_in(Client(REMOTE_ADDR="198.51.100.7"), "ada@example.org", PASSWORD)

    assert locked.status_code == 200
    assert "Too many failed log-in attempts for this account" in visible_text(locked)
    assert "_auth_user_id" not in locked.client.session
    # Another account is not affected.
    assert log_in(Client(REMOTE_ADDR="198.51.100.7"), "grace@example.org", PASSWORD).status_code == 302


# Sign-ups per address


def test_many_sign_ups_from_one_address_are_refused_with_the_429_page(account_limits):
    assert sign_up(Client(REMOTE_ADDR="203.0.113.5"), "one@example.org").status_code == 302
    assert sign_up(Client(REMOTE_ADDR="203.0.113.5"), "two@example.org").status_code == 302

    refused = sign_up(Client(REMOTE_ADDR="203.0.113.5"), "three@example.org")

    assert refused.status_code == 429
    text = visible_text(refused)
    assert "Too many requests" in text
    assert f"Please wait {refused['Retry-After']} seconds and try again." in text  # the hour's remainder
    assert "See all consultations" in text  # the site's own layout, not allauth's bare page
    assert not EmailAddress.objects.filter(email="three@example.org").exists()
    # Another address may still sign up.
    assert sign_up(Client(REMOTE_ADDR="198.51.100.7"), "three@example.org").status_code == 302


def test_the_sign_up_429_page_is_in_french_for_french_readers(account_limits):
    for n in range(2):
        sign_up(Client(REMOTE_ADDR="203.0.113.5"), f"p{n}@example.org")

    refused = sign_up(Client(REMOTE_ADDR="203.0.113.5", headers={"accept-language": "fr"}), "p3@example.org")

    assert refused.status_code == 429
    assert '<html lang="fr"' in refused.content.decode()
    assert "Trop de demandes" in visible_text(refused)


def test_a_forged_forwarded_for_header_does_not_buy_more_sign_ups(account_limits):
    for n in range(2):
        sign_up(Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), f"p{n}@example.org")

    refused = sign_up(Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="192.0.2.9"), "p9@example.org")

    assert refused.status_code == 429


# Disposable addresses


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("someone@mailinator.com", "mailinator.com"),
        ("Someone@MAILINATOR.COM", "mailinator.com"),
        ("someone@inbox.mailinator.com", "mailinator.com"),
        ("someone@example.org", None),
        ("someone@gmail.com", None),
    ],
)
def test_disposable_domains_are_recognised(email, domain):
    assert disposable_domain(email) == domain


def test_sign_up_with_a_disposable_address_is_refused_with_a_form_error():
    response = sign_up(Client(), "someone@mailinator.com")

    assert response.status_code == 200
    assert "Addresses at mailinator.com are temporary" in visible_text(response)
    assert not EmailAddress.objects.filter(email="someone@mailinator.com").exists()
    assert sign_up(Client(), "someone@example.org").status_code == 302


def test_adding_a_disposable_address_is_refused():
    user = person()
    client = Client()
    client.force_login(user)

    refused = client.post("/accounts/email/", {"action_add": "", "email": "ada@mailinator.com"})

    assert "Addresses at mailinator.com are temporary" in visible_text(refused)
    assert not EmailAddress.objects.filter(email="ada@mailinator.com").exists()
    client.post("/accounts/email/", {"action_add": "", "email": "ada@example.net"})
    assert EmailAddress.objects.filter(user=user, email="ada@example.net").exists()


def test_an_account_whose_address_is_disposable_may_still_reset_its_password():
    """Accounts accepted before their domain joined the list are not locked out of their password."""
    factories.citizen(email="old@mailinator.com")
    response = Client().post("/accounts/password/reset/", {"email": "old@mailinator.com"})
    assert response.status_code == 302


# The site's forms, per address


def test_the_site_forms_share_one_address_budget_across_accounts(monkeypatch):
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"support": "1000/minute", "support_address": "2/minute"}
    )
    proposals = factories.ProposalFactory.create_batch(3)

    def supporter():
        client = Client(REMOTE_ADDR="203.0.113.5")
        client.force_login(factories.citizen())
        return client

    for proposal in proposals[:2]:
        assert supporter().post(f"/proposals/{proposal.pk}/support/").status_code == 302

    refused = supporter().post(f"/proposals/{proposals[2].pk}/support/")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Please wait" in visible_text(refused)
    assert not Support.objects.filter(proposal=proposals[2]).exists()
    other = Client(REMOTE_ADDR="198.51.100.7")
    other.force_login(factories.citizen())
    assert other.post(f"/proposals/{proposals[2].pk}/support/").status_code == 302


# E-mail verification before any write


def _written():
    return (Proposal.objects.count(), Support.objects.count(), Comment.objects.count(), Flag.objects.count())


WRITES = {
    "submit": (
        "/api/v1/proposals/",
        lambda c, p: {"consultation": c.pk, "title": "T", "summary": "S", "body": "B"},
    ),
    "support": ("/api/v1/proposals/{p}/support/", lambda c, p: {}),
    "comment": ("/api/v1/proposals/{p}/comments/", lambda c, p: {"body": "Hi"}),
    "flag": ("/api/v1/proposals/{p}/flag/", lambda c, p: {"reason": "spam"}),
}


@pytest.mark.parametrize("write", WRITES)
def test_an_unverified_citizen_writes_nothing_through_the_api(write, consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    path, payload = WRITES[write]
    api = APIClient()
    api.force_authenticate(factories.unverified_citizen())
    before = _written()

    response = api.post(path.format(p=proposal.pk), payload(consultation, proposal), format="json")

    assert_error(response, 403, "email_unverified")
    assert _written() == before


SITE_WRITES = {
    # The submission form is not even offered: the page asks to confirm the address first.
    "submit": (
        "/consultations/{c}/propose/",
        {"title": "T", "summary": "S", "body": "B"},
        "Confirm your e-mail",
    ),
    "support": ("/proposals/{p}/support/", {}, "Confirm your e-mail address before supporting"),
    "comment": ("/proposals/{p}/comments/", {"body": "Hi"}, "Confirm your e-mail address before commenting"),
    "flag": ("/proposals/{p}/report/", {"reason": "spam"}, "Confirm your e-mail address before reporting"),
}


@pytest.mark.parametrize("write", SITE_WRITES)
def test_an_unverified_citizen_writes_nothing_through_the_site_and_is_told_why(write, consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    path, data, explanation = SITE_WRITES[write]
    client = Client()
    client.force_login(factories.unverified_citizen())
    before = _written()

    response = client.post(path.format(c=consultation.pk, p=proposal.pk), data, follow=True)

    assert explanation in visible_text(response)
    assert _written() == before


def test_an_unverified_citizen_may_follow_a_proposal_which_publishes_nothing():
    """Following writes no public content (only whom to notify), so it does not wait for the address."""
    proposal = factories.ProposalFactory()
    api = APIClient()
    api.force_authenticate(factories.unverified_citizen())

    assert api.post(f"/api/v1/proposals/{proposal.pk}/follow/").status_code in (200, 201)
