"""The account page's e-mail settings without JavaScript: the master switch, and per kind of notification
a fieldset of radios (at once, daily summary, weekly summary, none), in English and in French."""

import re

import pytest
from django.urls import reverse

from tests.support.pages import visible_text, visible_text_with_nbsp

pytestmark = pytest.mark.django_db

KINDS = ("status", "response", "threshold", "milestone", "comments")
URL = "/account/notifications/"


def fieldsets(html: str) -> list[str]:
    return re.findall(r'<fieldset class="email-kind[^"]*"[^>]*>(.*?)</fieldset>', html, re.S)


def checked(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="radio" name="(\w+)" value="(\w+)" id="[^"]+" checked>', html))


def test_each_kind_is_a_fieldset_of_radios_with_the_choice_checked(client_for, citizen):
    citizen.email_threshold = "weekly"
    citizen.save(update_fields=["email_threshold"])
    html = client_for(citizen).get(reverse("account")).content.decode()

    groups = fieldsets(html)
    assert len(groups) == 5
    legends = [re.search(r"<legend>(.*?)</legend>", group).group(1) for group in groups]
    assert legends == [
        "When an official changes the status of a proposal I follow",
        "When an official responds to a proposal I follow",
        "When a proposal I wrote or follow reaches its support threshold",
        "When an accepted proposal I follow moves on in its implementation",
        "When someone comments on a proposal I wrote",
    ]
    for group, kind in zip(groups, KINDS, strict=True):
        labels = re.findall(r'<label for="id_(\w+)_\d">(.*?)</label>', group)
        assert labels == [
            (kind, "At once, one e-mail each"),
            (kind, "In a daily summary"),
            (kind, "In a weekly summary"),
            (kind, "No e-mail"),
        ]
    assert checked(html) == {
        "status": "instant",
        "response": "instant",
        "threshold": "weekly",
        "milestone": "instant",
        "comments": "daily",
    }


def test_saving_the_choices(client_for, citizen):
    body = {"email_notifications": "on", "status": "daily", "response": "instant", "threshold": "weekly"}
    response = client_for(citizen).post(URL, {**body, "milestone": "none", "comments": "none"}, follow=True)

    assert "Your e-mail settings are saved." in visible_text(response)
    citizen.refresh_from_db()
    assert (
        citizen.email_status,
        citizen.email_response,
        citizen.email_threshold,
        citizen.email_milestone,
        citizen.email_comments,
    ) == (
        "daily",
        "instant",
        "weekly",
        "none",
        "none",
    )
    assert checked(response.content.decode())["milestone"] == "none"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "hourly", **dict.fromkeys(("response", "threshold", "milestone", "comments"), "instant")},
        dict.fromkeys(("response", "threshold", "milestone", "comments"), "instant"),
    ],
    ids=["unknown frequency", "kind missing"],
)
def test_a_bad_form_is_shown_again_with_the_error_in_its_fieldset(client_for, citizen, body):
    response = client_for(citizen).post(URL, {"email_notifications": "on", **body})

    assert response.status_code == 400
    [status] = [group for group in fieldsets(response.content.decode()) if 'name="status"' in group]
    assert '<ul class="field__errors" id="id_status_error">' in status
    assert 'aria-describedby="id_status_error"' in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.email_status == "instant" and citizen.email_notifications is True


def test_the_form_needs_an_account_and_a_post(client, client_for, citizen):
    response = client.post(URL, dict.fromkeys(KINDS, "none"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_for(citizen).get(URL).status_code == 405


def test_the_settings_in_french(client_for, citizen):
    citizen.email_response = "daily"
    citizen.save(update_fields=["email_response"])
    client = client_for(citizen)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})

    text = visible_text_with_nbsp(client.get(reverse("account")))

    assert "Quand l’administration répond à une proposition que je suis" in text
    assert "Quand quelqu’un commente une proposition que j’ai écrite" in text
    assert "Tout de suite, un e-mail à chaque fois" in text
    assert "Dans un résumé quotidien" in text and "Dans un résumé hebdomadaire" in text
    assert "Pas d’e-mail" in text
    assert "Enregistrer les réglages des e-mails" in text
    assert "When an official" not in text
    saved = client.post(URL, {"email_notifications": "on", **dict.fromkeys(KINDS, "weekly")}, follow=True)
    assert "Vos réglages d’e-mail sont enregistrés." in visible_text(saved)
