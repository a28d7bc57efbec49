"""One's notification e-mails over the API (/api/v1/me/email-settings/): the master switch and, per kind,
instant, daily, weekly or none. A PUT replaces the whole setting; anything else is a 400 naming the field."""

import pytest
from rest_framework.throttling import ScopedRateThrottle

from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/email-settings/"
DEFAULTS = {
    "email_notifications": True,
    "status": "instant",
    "response": "instant",
    "threshold": "instant",
    "milestone": "instant",
    "comments": "daily",  # a busy proposal's comments, one e-mail each, would bury the rest
}
CHOSEN = {
    "email_notifications": True,
    "status": "daily",
    "response": "instant",
    "threshold": "weekly",
    "milestone": "none",
    "comments": "instant",
}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_anyone_signed_in_reads_and_sets_their_own(role):
    user = make_user(role)
    client = client_for(user)
    other = factories.citizen()

    assert client.get(URL).json() == DEFAULTS
    response = client.put(URL, CHOSEN, format="json")

    assert response.status_code == 200
    assert response.json() == CHOSEN
    assert client.get(URL).json() == CHOSEN
    user.refresh_from_db()
    assert (user.email_status, user.email_threshold, user.email_milestone, user.email_comments) == (
        "daily",
        "weekly",
        "none",
        "instant",
    )
    assert client_for(other).get(URL).json() == DEFAULTS  # nobody else's changed


def test_anonymous_is_refused():
    assert_error(client_for(None).get(URL), 401, "not_authenticated")
    assert_error(client_for(None).put(URL, CHOSEN, format="json"), 401, "not_authenticated")


def test_the_master_switch_off_is_kept_with_the_choices(citizen):
    client = client_for(citizen)
    body = {**CHOSEN, "email_notifications": False}
    assert client.put(URL, body, format="json").json() == body
    citizen.refresh_from_db()
    assert citizen.email_notifications is False
    assert citizen.email_status == "daily"


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"status": "hourly"}, {"status"}),
        ({"status": ""}, {"status"}),
        ({"status": None}, {"status"}),
        ({"status": 1}, {"status"}),
        ({"email_notifications": "maybe"}, {"email_notifications"}),
        ({"comments": "hourly"}, {"comments"}),
        ({"likes": "daily"}, {"likes"}),  # a kind there is no such e-mail for
        ({"status": "hourly", "colour": "blue"}, {"status", "colour"}),  # every problem at once
    ],
)
def test_a_bad_value_or_an_unknown_field_is_a_400_naming_it(citizen, change, fields):
    response = client_for(citizen).put(URL, {**CHOSEN, **change}, format="json")

    error = assert_error(response, 400, "invalid", fields)
    assert set(error["fields"]) == fields
    citizen.refresh_from_db()
    assert citizen.email_status == "instant"  # nothing saved


def test_a_partial_body_is_refused_naming_what_is_missing(citizen):
    body = {key: value for key, value in CHOSEN.items() if key != "milestone"}
    error = assert_error(client_for(citizen).put(URL, body, format="json"), 400, "invalid", {"milestone"})
    assert error["fields"]["milestone"] == ["This field is required."]


def test_a_body_that_is_not_an_object_is_refused(citizen):
    response = client_for(citizen).put(URL, ["daily"], format="json")
    assert_error(response, 400, "invalid")


def test_changing_the_settings_is_rate_limited(monkeypatch, citizen):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"follow": "2/minute"})
    client = client_for(citizen)
    assert client.put(URL, CHOSEN, format="json").status_code == 200
    assert client.put(URL, DEFAULTS, format="json").status_code == 200
    assert_error(client.put(URL, CHOSEN, format="json"), 429, "rate_limited")
