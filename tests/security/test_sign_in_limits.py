"""allauth's sign-in limits answer the site's 429 page with `Retry-After`, like every other 429 here: the
wait left on the counter that is full (per address, per account), or the per-key window when only the
address typed in is limited."""

import pytest
from django.test import Client

from tests.support import factories
from tests.support.security import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_allauth_limits")]  # no counters left


@pytest.fixture
def limits(settings):
    def set_(**rates):
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, **rates}

    return set_


def exhaust(post, times: int):
    responses = [post() for _ in range(times)]
    assert all(r.status_code != 429 for r in responses[:-1])
    return responses[-1]


def test_too_many_log_ins_from_one_address(limits):
    limits(login="2/m/ip")
    client = Client(REMOTE_ADDR="203.0.113.9")
    refused = exhaust(lambda: client.post("/accounts/login/", {"login": "a@example.org", "password": "x"}), 3)

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert f"Please wait {refused['Retry-After']} second" in refused.content.decode()
    # Another address is not limited.
    other = Client(REMOTE_ADDR="203.0.113.10").post(
        "/accounts/login/", {"login": "a@example.org", "password": "x"}
    )
    assert other.status_code == 200


def test_too_many_sign_ups_wait_for_the_hour_window(limits):
    limits(signup="1/h/ip")
    client = Client(REMOTE_ADDR="203.0.113.11")
    n = iter(range(10))
    refused = exhaust(
        lambda: client.post(
            "/accounts/signup/",
            {
                "email": f"new{next(n)}@example.org",
                "password1": "Cor-rect!horse9",
                "password2": "Cor-rect!horse9",
            },
        ),
        2,
    )
    assert refused.status_code == 429
    assert 3500 < int(refused["Retry-After"]) <= 3600


def test_too_many_password_changes_per_account(limits):
    limits(change_password="1/m/user")
    client = signed_in(factories.citizen(), REMOTE_ADDR="203.0.113.12")
    data = {"oldpassword": "wrong", "password1": "Cor-rect!horse9", "password2": "Cor-rect!horse9"}
    refused = exhaust(lambda: client.post("/accounts/password/change/", data), 2)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_a_limit_on_the_address_typed_in_gives_its_window(limits):
    limits(reset_password="100/m/ip,1/3m/key")
    factories.citizen(email="ada@example.org")
    client = Client(REMOTE_ADDR="203.0.113.13")
    refused = exhaust(lambda: client.post("/accounts/password/reset/", {"email": "ada@example.org"}), 2)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "180"
