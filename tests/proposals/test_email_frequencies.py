"""E-mails per kind of notification: at once, in a daily or weekly summary (send_citizen_digests), or none.
The in-site list gets every notification whatever the choice; a summary groups by consultation, is written
in the reader's language, carries the unsubscribe link and headers, and tells of each notification once."""

import importlib
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from proposals import notifications
from proposals.models import Follow, Notification, Status
from proposals.services import milestone_add, proposal_set_status, response_publish
from tests.support import factories
from tests.support.mail import MAIL_SERVER_AWAY, RECIPIENT_REFUSED
from votes.services import support_add

pytestmark = pytest.mark.django_db

SITE_URL = "https://participate.example.org"
KINDS = ("status", "response", "threshold", "milestone")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def benefits():
    return factories.consultation(title="Unemployment benefit", slug="benefits", support_threshold=1)


def person_following(proposal, **frequencies):
    person = factories.citizen(first_name="Ada", last_name="Lovelace")
    Follow.objects.create(user=person, proposal=proposal)
    if frequencies:
        notifications.email_settings_set(user=person, email_notifications=True, frequencies=frequencies)
    return person


def proposal_for(kind, consultation, title="Pay within two weeks"):
    if kind == "milestone":  # only an accepted proposal has implementation steps
        return factories.ProposalFactory(consultation=consultation, title=title, status=Status.ACCEPTED)
    return factories.ProposalFactory(consultation=consultation, title=title)


def happen(kind, proposal, official, capture):
    """The event of `kind` on `proposal`, its after-commit sends run."""
    with capture(execute=True):
        if kind == "status":
            proposal_set_status(actor=official, proposal=proposal, status=Status.UNDER_REVIEW)
        elif kind == "response":
            response_publish(actor=official, proposal=proposal, body="We will pay within ten days.")
        elif kind == "threshold":
            support_add(user=factories.citizen(), proposal=proposal)  # the threshold is 1
        else:
            milestone_add(
                actor=official,
                proposal=proposal,
                title="New form tested",
                planned_for=timezone.localdate() + timedelta(days=30),
            )


def mails_to(person) -> list:
    return [m for m in mail.outbox if m.to == [person.email]]


def digests(period) -> str:
    out = StringIO()
    call_command("send_citizen_digests", period=period, stdout=out)
    return out.getvalue()


def in_site(person) -> int:
    return notifications.notification_list(user=person).count()


# Each choice, each kind


@pytest.mark.parametrize("kind", KINDS)
def test_instant_is_sent_at_once_and_never_again(
    kind, benefits, official, django_capture_on_commit_callbacks
):
    proposal = proposal_for(kind, benefits)
    person = person_following(proposal)  # the default: every kind at once, as before
    happen(kind, proposal, official, django_capture_on_commit_callbacks)

    assert len(mails_to(person)) == 1
    assert in_site(person) == 1
    digests("daily")
    digests("weekly")
    call_command("send_notifications", stdout=StringIO())
    assert len(mails_to(person)) == 1


@pytest.mark.parametrize("period", ["daily", "weekly"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_summary_kind_waits_for_its_own_command(
    kind, period, benefits, official, django_capture_on_commit_callbacks
):
    proposal = proposal_for(kind, benefits)
    person = person_following(proposal, **{kind: period})
    happen(kind, proposal, official, django_capture_on_commit_callbacks)

    assert mails_to(person) == []
    assert in_site(person) == 1  # the site's list has it at once
    call_command("send_notifications", stdout=StringIO())
    digests("weekly" if period == "daily" else "daily")
    assert mails_to(person) == []

    assert digests(period).startswith("Sent 1,")
    [summary] = mails_to(person)
    assert "Pay within two weeks" in summary.body
    assert "== Unemployment benefit ==" in summary.body
    assert f"Your {period} summary: 1 update on proposals you follow" == summary.subject

    assert digests(period).startswith("Sent 0,")  # a second run sends nothing twice
    call_command("send_notifications", stdout=StringIO())
    assert len(mails_to(person)) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_none_sends_nothing_but_the_site_still_tells(
    kind, benefits, official, django_capture_on_commit_callbacks
):
    proposal = proposal_for(kind, benefits)
    person = person_following(proposal, **{kind: "none"})
    happen(kind, proposal, official, django_capture_on_commit_callbacks)

    call_command("send_notifications", stdout=StringIO())
    digests("daily")
    digests("weekly")
    assert mails_to(person) == []
    assert in_site(person) == 1
    assert Notification.objects.get(recipient=person).email_wanted is False


def test_each_kind_keeps_its_own_choice(benefits, official, django_capture_on_commit_callbacks):
    proposal = proposal_for("status", benefits)
    person = person_following(proposal, status="daily", response="instant")
    happen("status", proposal, official, django_capture_on_commit_callbacks)
    happen("response", proposal, official, django_capture_on_commit_callbacks)

    [response] = mails_to(person)
    assert response.subject == "Official response to “Pay within two weeks”"
    digests("daily")
    assert "changed to “Under review”" in mails_to(person)[1].body


# The summary: grouped, in the reader's language, with a way out


def test_one_summary_per_person_grouped_by_consultation(official, django_capture_on_commit_callbacks):
    housing = factories.consultation(title="Housing allowance", slug="housing")
    benefits = factories.consultation(title="Unemployment benefit", slug="benefits")
    rent = factories.ProposalFactory(consultation=housing, title="Pay the rent directly")
    pay = factories.ProposalFactory(consultation=benefits, title="Pay within two weeks")
    form = factories.ProposalFactory(consultation=benefits, title="One form for all")
    person = person_following(rent, status="daily", response="daily")
    Follow.objects.create(user=person, proposal=pay)
    Follow.objects.create(user=person, proposal=form)
    other = person_following(pay, status="daily", response="daily")
    for proposal in (pay, rent, form):
        happen("status", proposal, official, django_capture_on_commit_callbacks)
    happen("response", pay, official, django_capture_on_commit_callbacks)

    digests("daily")

    [summary] = mails_to(person)
    assert summary.subject == "Your daily summary: 4 updates on proposals you follow"
    body = summary.body
    housing_at, benefits_at = body.index("== Housing allowance =="), body.index("== Unemployment benefit ==")
    assert housing_at < benefits_at  # by the consultations' names
    assert housing_at < body.index("Pay the rent directly") < benefits_at
    assert benefits_at < body.index("“Pay within two weeks” changed") < body.index("“One form for all”")
    assert "published an official response to “Pay within two weeks”" in body
    assert f"{SITE_URL}/proposals/{pay.pk}/" in body
    [theirs] = mails_to(other)
    assert "Pay the rent" not in theirs.body


def test_the_summary_is_in_the_readers_language(benefits, official, django_capture_on_commit_callbacks):
    factories.translation(benefits, factories.french(), title="Allocation chômage")
    proposal = proposal_for("status", benefits)
    person = person_following(proposal, status="weekly")
    person.language = "fr"
    person.save(update_fields=["language"])
    happen("status", proposal, official, django_capture_on_commit_callbacks)

    digests("weekly")

    [summary] = mails_to(person)
    assert (
        summary.subject == "Votre résumé hebdomadaire\u00a0: 1 nouvelle sur les propositions que vous suivez"
    )
    assert "Bonjour Ada Lovelace," in summary.body
    assert "== Allocation chômage ==" in summary.body
    assert "Le statut de «\u00a0Pay within two weeks\u00a0» est passé à" in summary.body
    assert "Unemployment benefit" not in summary.body


def test_the_summary_carries_the_unsubscribe_link_and_headers(
    benefits, official, django_capture_on_commit_callbacks
):
    proposal = proposal_for("status", benefits)
    person = person_following(proposal, status="daily")
    happen("status", proposal, official, django_capture_on_commit_callbacks)
    digests("daily")
    [summary] = mails_to(person)

    assert summary.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = summary.extra_headers["List-Unsubscribe"].strip("<>").removeprefix(SITE_URL)
    line = next(line for line in summary.body.splitlines() if "/unsubscribe/" in line)
    assert line.startswith("Stop all e-mails about proposals: ")  # all of them: not only the ones followed
    page = line.split(": ")[-1]
    assert Client().get(page.removeprefix(SITE_URL)).status_code == 200

    client = Client(enforce_csrf_checks=True)
    assert client.post(one_click, "List-Unsubscribe=One-Click", content_type="text/plain").status_code == 200
    person.refresh_from_db()
    assert person.email_notifications is False
    # Turned off: what waits for the next summary is not sent.
    another = proposal_for("status", benefits, "Another one")
    Follow.objects.create(user=person, proposal=another)
    happen("status", another, official, django_capture_on_commit_callbacks)
    assert digests("daily").startswith("Sent 0,")
    assert len(mails_to(person)) == 1


# Nothing sent twice, nothing lost


def test_a_failed_summary_is_sent_by_the_next_run_and_only_once(
    benefits, official, django_capture_on_commit_callbacks, settings
):
    proposal = proposal_for("status", benefits)
    person = person_following(proposal, status="daily")
    happen("status", proposal, official, django_capture_on_commit_callbacks)

    settings.EMAIL_BACKEND = RECIPIENT_REFUSED
    assert digests("daily").startswith("Sent 0, failed 1,")
    row = Notification.objects.get(recipient=person)
    assert (row.emailed_at, row.email_attempts) == (None, 1)
    settings.EMAIL_BACKEND = MAIL_SERVER_AWAY  # costs no attempt
    assert digests("daily").endswith("The mail server did not answer: the rest waits for the next run.\n")
    assert Notification.objects.get(recipient=person).email_attempts == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert digests("daily").startswith("Sent 1,")
    assert digests("daily").startswith("Sent 0,")
    assert len(mails_to(person)) == 1
    assert Notification.objects.get(recipient=person).emailed_at is not None


def test_a_notification_made_after_a_summary_goes_in_the_next_one(
    benefits, official, django_capture_on_commit_callbacks
):
    proposal = proposal_for("status", benefits)
    person = person_following(proposal, status="daily")
    happen("status", proposal, official, django_capture_on_commit_callbacks)
    digests("daily")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_set_status(actor=official, proposal=proposal, status=Status.ACCEPTED)
    digests("daily")

    first, second = mails_to(person)
    assert "“Under review”" in first.body and "“Accepted”" not in first.body
    assert "“Accepted”" in second.body and "“Under review”" not in second.body


def test_a_proposal_hidden_before_the_summary_is_left_out(
    benefits, official, django_capture_on_commit_callbacks
):
    proposal = proposal_for("status", benefits)
    person = person_following(proposal, status="daily")
    happen("status", proposal, official, django_capture_on_commit_callbacks)
    type(proposal).objects.filter(pk=proposal.pk).update(visibility="hidden")

    assert digests("daily").startswith("Sent 0, failed 0, not wanted any more 1.")
    assert mails_to(person) == []
    assert Notification.objects.get(recipient=person).email_wanted is False


# Changing one's mind


def test_moving_a_kind_from_daily_to_instant_sends_what_waited(
    benefits, official, django_capture_on_commit_callbacks
):
    proposal = proposal_for("status", benefits)
    person = person_following(proposal, status="daily")
    happen("status", proposal, official, django_capture_on_commit_callbacks)
    notifications.email_settings_set(user=person, email_notifications=True, frequencies={"status": "instant"})

    call_command("send_notifications", stdout=StringIO())
    assert len(mails_to(person)) == 1
    digests("daily")
    assert len(mails_to(person)) == 1


def test_moving_a_kind_to_none_drops_what_waited(benefits, official, django_capture_on_commit_callbacks):
    proposal = proposal_for("status", benefits)
    person = person_following(proposal, status="weekly", response="weekly")
    happen("status", proposal, official, django_capture_on_commit_callbacks)
    happen("response", proposal, official, django_capture_on_commit_callbacks)
    changed = notifications.email_settings_set(
        user=person, email_notifications=True, frequencies={"status": "none"}
    )

    assert changed is True
    digests("weekly")
    [summary] = mails_to(person)
    assert "official response" in summary.body and "changed to" not in summary.body
    assert in_site(person) == 2


def test_saving_the_same_choices_changes_nothing(citizen):
    settings_now = notifications.email_settings(citizen)
    frequencies = {kind: settings_now[kind] for kind in KINDS}
    assert not notifications.email_settings_set(
        user=citizen, email_notifications=True, frequencies=frequencies
    )


def test_the_database_refuses_an_unknown_frequency(citizen):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        type(citizen).objects.filter(pk=citizen.pk).update(email_status="hourly")


def test_people_who_had_turned_e_mails_off_get_none_for_every_kind():
    on, off = factories.citizen(), factories.citizen(email_notifications=False)
    for name in ("0008_email_frequencies", "0009_email_comments"):
        migration = importlib.import_module(f"cocreate.accounts.migrations.{name}")
        migration.none_for_those_who_said_no(apps, connection.schema_editor())

    assert notifications.email_settings(type(on).objects.get(pk=on.pk)) == {
        "email_notifications": True,
        **dict.fromkeys(KINDS, "instant"),
        "comments": "daily",
    }
    assert notifications.email_settings(type(off).objects.get(pk=off.pk)) == {
        "email_notifications": False,
        **dict.fromkeys(KINDS, "none"),
        "comments": "none",
    }
