"""Check-ins' stories in the Wagtail admin's moderation queue: the pending ones listed with their stage and
consultation, approved or hidden from there by moderators and officials only; a refusal writes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from cms.models import ModerationMode
from proposals.journey_selectors import stage_figures
from proposals.models import CheckIn, Visibility
from proposals.services import checkin_save
from tests.support import factories
from tests.support.factories import admin_only_user

pytestmark = pytest.mark.django_db

INDEX = reverse("cms_proposals:index")
LOGIN = reverse("wagtailadmin_login")


@pytest.fixture
def pending():
    journey = factories.consultation(
        stages=("Apply online",), moderation=ModerationMode.PRE, title="Benefits"
    )
    return checkin_save(
        author=factories.citizen(first_name="Ada", last_name="Byron"),
        consultation=journey,
        stage_id=journey.stages.get().pk,
        frustration=5,
        motivation=1,
        gave_up=True,
        story="The <b>form</b> timed out.",
    )[0]


def moderate_url(checkin) -> str:
    return reverse("cms_proposals:checkin_moderate", args=[checkin.pk])


def state(checkin) -> tuple:
    checkin.refresh_from_db()
    return checkin.visibility, checkin.moderation_reason


@pytest.mark.parametrize("role", ["moderator", "official"])
def test_a_pending_story_is_in_the_queue_with_its_buttons(client_as, pending, role):
    response = client_as(getattr(factories, role)()).get(INDEX)
    assert [(e.kind, e.item.pk) for e in response.context["items"]] == [("checkin", pending.pk)]
    html = response.content.decode()
    row = html[html.index(f'id="queue-checkin-{pending.pk}"') :].split("</tr>")[0]
    assert "Check-in story" in row and "On the stage “Apply online”" in row
    assert "The &lt;b&gt;form&lt;/b&gt; timed out." in row  # escaped
    assert "Benefits" in row and "Ada Byron" in row
    assert f'action="{moderate_url(pending)}"' in row
    assert 'value="approve"' in row and 'value="hide"' in row
    assert "Dismiss the reports" not in row


def test_approving_publishes_the_story_and_empties_the_queue(client_as, moderator, pending):
    client = client_as(moderator)
    response = client.post(
        moderate_url(pending), {"action": "approve", "reason": "", "next": INDEX}, follow=True
    )
    assert response.redirect_chain[-1][0] == INDEX
    assert "The story is published." in response.content.decode()
    assert state(pending) == (Visibility.PUBLISHED, "")
    assert response.context["items"] == []


def test_hiding_keeps_the_scores(client_as, official, pending):
    figures = stage_figures([pending.stage_id])
    response = client_as(official).post(moderate_url(pending), {"action": "hide", "reason": "Names a clerk."})
    assert response.status_code == 302
    assert state(pending) == (Visibility.HIDDEN, "Names a clerk.")
    assert stage_figures([pending.stage_id]) == figures


@pytest.mark.parametrize(
    "data", [{"action": "hide", "reason": ""}, {"action": "delete"}, {}], ids=["no reason", "unknown", "none"]
)
def test_a_refused_decision_is_a_message_and_writes_nothing(client_as, moderator, pending, data):
    response = client_as(moderator).post(moderate_url(pending), {**data, "next": INDEX}, follow=True)
    assert "The story was not changed:" in response.content.decode()
    assert state(pending) == (Visibility.PENDING, "")


def test_who_may_not(client_as, pending):
    for user in (None, factories.citizen(), pending.author):
        response = client_as(user).post(moderate_url(pending), {"action": "approve"})
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client_as(admin_only_user()).post(moderate_url(pending), {"action": "approve"}).status_code == 403
    assert state(pending) == (Visibility.PENDING, "")


def test_post_only_csrf_and_unknown(client_as, moderator, pending):
    assert client_as(moderator).get(moderate_url(pending)).status_code == 405
    assert (
        client_as(moderator).post(moderate_url(CheckIn(pk=987654)), {"action": "approve"}).status_code == 404
    )
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(moderator)
    assert strict.post(moderate_url(pending), {"action": "approve"}).status_code == 403
    assert state(pending) == (Visibility.PENDING, "")
