"""The check-in API: a consultation's stages, a citizen's own check-ins (give, change, delete) and the
moderators' decisions on a check-in's story, for each role both ways; every refusal writes nothing."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.crypto import get_random_string
from rest_framework.test import APIClient

from cms.models import ConsultationStage, ModerationMode
from proposals.models import CheckIn, StageTally, Visibility
from proposals.services import checkin_save
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for, make_user

pytestmark = pytest.mark.django_db

STAGES = ("Find out", "Apply online", "Wait for the decision")
GOOD = {"frustration": 4, "motivation": 2, "gave_up": True, "story": "The form <b>lost</b> my answers."}


@pytest.fixture
def journey():
    return factories.consultation(stages=STAGES)


def stages_url(consultation) -> str:
    return f"/api/v1/consultations/{consultation.pk}/stages/"


def mine_url(consultation) -> str:
    return f"/api/v1/consultations/{consultation.pk}/checkins/"


def checkin_url(consultation, slug: str = "apply-online") -> str:
    return f"/api/v1/consultations/{consultation.pk}/checkins/{slug}/"


def moderation_url(checkin) -> str:
    return f"/api/v1/checkins/{checkin.pk}/moderation/"


def check_in(consultation, author=None, slug: str = "apply-online", **fields) -> CheckIn:
    fields = {"frustration": 3, "motivation": 3, "gave_up": False, **fields}
    stage = consultation.stages.get(slug=slug)
    return checkin_save(
        author=author or factories.citizen(), consultation=consultation, stage_id=stage.pk, **fields
    )[0]


def stored() -> list:
    """Every row a check-in write may add, change or remove."""
    return [
        list(CheckIn.objects.order_by("pk").values()),
        list(StageTally.objects.order_by("pk").values()),
    ]


def put(user, consultation, body, slug: str = "apply-online", **extra):
    return client_for(user).put(checkin_url(consultation, slug), body, format="json", **extra)


# --- the stages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "citizen"])
def test_anyone_reads_the_stages_in_journey_order(journey, role):
    response = client_for(make_user(role)).get(stages_url(journey))
    assert response.status_code == 200, response.content
    ids = list(journey.stages.order_by("sort_order").values_list("pk", flat=True))
    assert response.json() == [
        {"id": ids[0], "slug": "find-out", "name": "Find out", "description": "", "position": 1},
        {"id": ids[1], "slug": "apply-online", "name": "Apply online", "description": "", "position": 2},
        {
            "id": ids[2],
            "slug": "wait-for-the-decision",
            "name": "Wait for the decision",
            "description": "",
            "position": 3,
        },
    ]


def test_the_stages_are_named_in_the_readers_language(journey):
    french = factories.translation(journey, factories.french(), title="Refaire le parcours")
    ConsultationStage.objects.filter(page=french, slug="apply-online").update(
        name="Déposer la demande", description="En ligne"
    )
    response = client_for(None).get(stages_url(journey), HTTP_ACCEPT_LANGUAGE="fr")
    names = [(stage["slug"], stage["name"], stage["description"]) for stage in response.json()]
    assert names[1] == ("apply-online", "Déposer la demande", "En ligne")
    assert names[0] == ("find-out", "Find out", "")  # not translated: the original's name
    # The translation is no consultation of its own.
    assert_error(client_for(None).get(stages_url(french)), 404, "not_found")


def test_a_consultation_without_stages_has_an_empty_journey():
    assert client_for(None).get(stages_url(factories.consultation())).json() == []


@pytest.mark.parametrize("method", ["get stages", "get checkins", "put", "delete"])
def test_a_draft_or_unknown_consultation_is_not_found(journey, citizen, method):
    def send(consultation_id: int):
        client, base = client_for(citizen), f"/api/v1/consultations/{consultation_id}/"
        if method.startswith("get"):
            return client.get(base + method.split()[1] + "/")
        return getattr(client, method)(base + "checkins/apply-online/", GOOD, format="json")

    journey.unpublish()
    assert_error(send(journey.pk), 404, "not_found")
    assert_error(send(journey.pk + 1000), 404, "not_found")
    assert not CheckIn.objects.exists()


# --- one's own check-ins -----------------------------------------------------------------------------------


def test_anonymous_has_no_check_ins_to_read(journey):
    assert_error(client_for(None).get(mine_url(journey)), 401, "not_authenticated")


def test_a_citizen_reads_only_their_own_check_ins_in_journey_order(journey, citizen):
    check_in(journey, citizen, slug="wait-for-the-decision", frustration=5, motivation=1, story="Weeks.")
    check_in(journey, citizen, slug="find-out", frustration=1, motivation=5)
    check_in(journey, slug="apply-online", story="Someone else's story")  # another citizen's
    other = factories.consultation(stages=STAGES)
    check_in(other, citizen, slug="apply-online")  # theirs, on another consultation

    body = client_for(citizen).get(mine_url(journey)).json()

    assert [c["stage"] for c in body] == ["find-out", "wait-for-the-decision"]
    last = body[1]
    assert (last["frustration"], last["frustration_label"]) == (5, "Extremely frustrating")
    assert (last["motivation"], last["motivation_label"]) == (1, "Not motivated at all")
    assert (last["story"], last["visibility"], last["moderation_reason"]) == ("Weeks.", "published", "")
    assert last["consultation"] == journey.pk
    assert "Someone else's story" not in str(body)


def test_labels_are_in_the_readers_language(journey, citizen):
    check_in(journey, citizen, frustration=5, motivation=1)
    body = client_for(citizen).get(mine_url(journey), HTTP_ACCEPT_LANGUAGE="fr").json()
    assert body[0]["frustration_label"] == "Extrêmement frustrant"
    assert body[0]["motivation_label"] == "Plus aucune motivation"


def test_another_citizen_sees_none_of_mine(journey, citizen):
    check_in(journey, citizen, story="Mine.")
    assert client_for(factories.citizen()).get(mine_url(journey)).json() == []


# --- giving and changing a check-in ------------------------------------------------------------------------


def test_a_citizen_gives_then_changes_a_check_in(journey, citizen):
    response = put(citizen, journey, GOOD)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["stage"], created["frustration"], created["motivation"], created["gave_up"]) == (
        "apply-online",
        4,
        2,
        True,
    )
    assert created["story"] == GOOD["story"]  # stored as written; escaped where it is shown
    stage = journey.stages.get(slug="apply-online")
    assert StageTally.objects.get(stage=stage, day__isnull=True).frustration_4 == 1

    response = put(citizen, journey, {"frustration": 1, "motivation": 5})
    assert response.status_code == 200, response.content
    changed = response.json()
    assert (changed["id"], changed["gave_up"], changed["story"]) == (created["id"], False, "")
    totals = StageTally.objects.get(stage=stage, day__isnull=True)
    assert (totals.checkins, totals.frustration_4, totals.frustration_1, totals.gave_up) == (1, 0, 1, 0)
    assert CheckIn.objects.filter(author=citizen).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_who_may_check_in(journey, role):
    user = make_user(role)
    before = stored()
    response = put(user, journey, GOOD)
    if role == "anonymous":
        assert_error(response, 401, "not_authenticated")
    elif role == "unverified_citizen":
        assert_error(response, 403, "email_unverified")
    else:  # moderators and officials are people who go through the journey too
        assert response.status_code == 201, response.content
        assert CheckIn.objects.get().author == user
        return
    assert stored() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "frustration": 0}, "frustration"),
        ({**GOOD, "frustration": 6}, "frustration"),
        ({**GOOD, "frustration": "3"}, "frustration"),
        ({**GOOD, "frustration": 3.5}, "frustration"),
        ({**GOOD, "frustration": 3.0}, "frustration"),
        ({**GOOD, "frustration": True}, "frustration"),
        ({**GOOD, "frustration": None}, "frustration"),
        ({**GOOD, "motivation": -1}, "motivation"),
        ({**GOOD, "motivation": [3]}, "motivation"),
        ({"frustration": 3}, "motivation"),
        ({**GOOD, "gave_up": "perhaps"}, "gave_up"),
        ({**GOOD, "story": "x" * 1001}, "story"),
        ({**GOOD, "story": 123}, "story"),
        ({**GOOD, "story": {"text": "nested"}}, "story"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(journey, citizen, body, field):
    check_in(journey, citizen, frustration=2)  # an existing check-in stays as it was
    before = stored()
    error = assert_error(put(citizen, journey, body), 400, "invalid", [field])
    assert stored() == before
    if body.get(field) is not None and field in ("frustration", "motivation"):
        assert error["fields"][field] == ["Choose a point from 1 to 5."]


def test_a_story_at_the_limit_is_taken(journey, citizen):
    assert put(citizen, journey, {**GOOD, "story": "x" * 1000}).status_code == 201


def test_a_body_that_is_not_an_object_is_refused(journey, citizen):
    response = client_for(citizen).put(checkin_url(journey), [GOOD], format="json")
    assert_error(response, 400, "malformed_request")
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("slug", ["no-such-stage", "APPLY-ONLINE"])
def test_an_unknown_stage_is_not_found(journey, citizen, slug):
    assert_error(put(citizen, journey, GOOD, slug=slug), 404, "not_found")
    assert not CheckIn.objects.exists()


def test_a_stage_of_another_consultation_is_not_found(journey, citizen):
    other = factories.consultation(stages=("Renew a licence",))
    assert_error(put(citizen, journey, GOOD, slug="renew-a-licence"), 404, "not_found")
    assert_error(client_for(citizen).delete(checkin_url(journey, "renew-a-licence")), 404, "not_found")
    assert not CheckIn.objects.exists()
    assert put(citizen, other, GOOD, slug="renew-a-licence").status_code == 201


def closed(consultation):
    consultation.closes_at = timezone.now() - timedelta(minutes=1)
    consultation.opens_at = consultation.closes_at - timedelta(days=10)
    consultation.save()
    return consultation


def test_a_closed_consultation_takes_no_check_in_change_or_deletion(journey, citizen):
    check_in(journey, citizen, frustration=2)
    closed(journey)
    before = stored()
    assert_error(put(citizen, journey, GOOD), 409, "consultation_closed")
    assert_error(put(factories.citizen(), journey, GOOD), 409, "consultation_closed")
    assert_error(client_for(citizen).delete(checkin_url(journey)), 409, "consultation_closed")
    assert stored() == before
    assert len(client_for(citizen).get(mine_url(journey)).json()) == 1  # still theirs to read


def test_an_upcoming_consultation_takes_no_check_in(citizen):
    now = timezone.now()
    upcoming = factories.consultation(
        stages=STAGES, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=9)
    )
    assert_error(put(citizen, upcoming, GOOD), 409, "consultation_closed")
    assert not CheckIn.objects.exists()


def test_a_story_waits_for_a_moderator_in_a_pre_moderated_consultation(citizen):
    journey = factories.consultation(stages=STAGES, moderation=ModerationMode.PRE)
    body = put(citizen, journey, GOOD).json()
    assert body["visibility"] == "pending"
    # The scores count at once: only the story waits.
    stage = journey.stages.get(slug="apply-online")
    assert StageTally.objects.get(stage=stage, day__isnull=True).checkins == 1


# --- CSRF and rate limits ----------------------------------------------------------------------------------


def csrf_client(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username=user.username, password=factories.PASSWORD)
    return client


@pytest.mark.parametrize("method", ["put", "delete"])
def test_a_session_write_without_the_csrf_token_is_refused(journey, citizen, method):
    check_in(journey, citizen, frustration=2)
    before = stored()
    response = getattr(csrf_client(citizen), method)(checkin_url(journey), GOOD, format="json")
    assert_error(response, 403, "csrf_failed")
    assert stored() == before


def test_a_session_write_with_the_csrf_token_succeeds(journey, citizen):
    client = csrf_client(citizen)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    response = client.put(checkin_url(journey), GOOD, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
    response = client.delete(checkin_url(journey), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 204


def test_check_ins_are_rate_limited(journey, citizen, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"checkins": "2/minute"})
    assert put(citizen, journey, GOOD).status_code == 201
    assert put(citizen, journey, {**GOOD, "frustration": 1}).status_code == 200
    before = stored()
    assert_error(put(citizen, journey, {**GOOD, "frustration": 5}), 429, "rate_limited")
    assert stored() == before
    assert client_for(citizen).get(mine_url(journey)).status_code == 200  # reads are not limited


# --- deleting one's check-in -------------------------------------------------------------------------------


def test_the_author_deletes_their_check_in(journey, citizen):
    check_in(journey, citizen, frustration=5, story="Gone soon.")
    response = client_for(citizen).delete(checkin_url(journey))
    assert response.status_code == 204
    assert not CheckIn.objects.exists()
    stage = journey.stages.get(slug="apply-online")
    assert StageTally.objects.get(stage=stage, day__isnull=True).checkins == 0
    assert_error(client_for(citizen).delete(checkin_url(journey)), 404, "not_found")  # nothing left


def test_another_citizen_cannot_delete_mine(journey, citizen):
    mine = check_in(journey, citizen)
    before = stored()
    # The same address names the other person's own check-in, which they do not have.
    assert_error(client_for(factories.citizen()).delete(checkin_url(journey)), 404, "not_found")
    assert_error(client_for(factories.moderator()).delete(checkin_url(journey)), 404, "not_found")
    assert stored() == before
    assert CheckIn.objects.get().pk == mine.pk


def test_anonymous_cannot_delete(journey, citizen):
    check_in(journey, citizen)
    before = stored()
    assert_error(client_for(None).delete(checkin_url(journey)), 401, "not_authenticated")
    assert stored() == before


def test_an_address_no_longer_confirmed_cannot_delete(journey, citizen):
    check_in(journey, citizen)
    EmailAddress.objects.filter(user=citizen).update(verified=False)
    before = stored()
    fresh = get_user_model().objects.get(pk=citizen.pk)
    assert_error(client_for(fresh).delete(checkin_url(journey)), 403, "email_unverified")
    assert stored() == before


# --- moderating a story ------------------------------------------------------------------------------------


def moderate(user, checkin, action: str, reason: str = ""):
    return client_for(user).post(moderation_url(checkin), {"action": action, "reason": reason}, format="json")


@pytest.mark.parametrize("role", ROLES)
def test_who_may_moderate_a_story(journey, role):
    checkin = check_in(journey, story="A rude story.")
    before = stored()
    response = moderate(make_user(role), checkin, "hide", "Rude.")
    if role == "anonymous":
        assert_error(response, 401, "not_authenticated")
    elif role in ("unverified_citizen", "citizen"):
        assert_error(response, 403, "forbidden")
    else:
        assert response.status_code == 200, response.content
        assert (response.json()["visibility"], response.json()["moderation_reason"]) == (
            "hidden",
            "Rude.",
        )
        return
    assert stored() == before


def test_the_author_cannot_moderate_their_own_story(citizen):
    journey = factories.consultation(stages=STAGES, moderation=ModerationMode.PRE)
    checkin = check_in(journey, citizen, story="Approve me.")
    assert_error(moderate(citizen, checkin, "approve"), 403, "forbidden")
    assert CheckIn.objects.get().visibility == Visibility.PENDING


def test_hiding_needs_a_reason_and_leaves_the_tallies(journey, citizen, moderator):
    checkin = check_in(journey, citizen, frustration=5, story="Off topic.")
    before = stored()
    assert_error(moderate(moderator, checkin, "hide"), 400, "invalid", ["reason"])
    assert_error(moderate(moderator, checkin, "hide", "x" * 501), 400, "invalid", ["reason"])
    assert_error(moderate(moderator, checkin, "delete", "Spam."), 400, "invalid", ["action"])
    assert stored() == before

    assert moderate(moderator, checkin, "hide", "Not about this stage.").status_code == 200
    tallies = list(StageTally.objects.order_by("pk").values())
    assert tallies == before[1]  # the scores still count
    mine = client_for(citizen).get(mine_url(journey)).json()[0]
    assert (mine["visibility"], mine["moderation_reason"]) == ("hidden", "Not about this stage.")
    assert CheckIn.objects.get().updated_at == checkin.updated_at  # the author did not change it

    restored = moderate(moderator, checkin, "restore").json()
    assert (restored["visibility"], restored["moderation_reason"]) == ("published", "")
    assert list(StageTally.objects.order_by("pk").values()) == before[1]


def test_a_moderator_approves_a_pending_story(citizen, official):
    journey = factories.consultation(stages=STAGES, moderation=ModerationMode.PRE)
    checkin = check_in(journey, citizen, story="It went well.")
    body = moderate(official, checkin, "approve").json()
    assert body["visibility"] == "published"
    assert CheckIn.objects.get().visibility == Visibility.PUBLISHED


def test_a_check_in_without_a_story_has_nothing_to_moderate(journey, moderator):
    checkin = check_in(journey)
    before = stored()
    assert_error(moderate(moderator, checkin, "hide", "Why?"), 409, "no_story")
    assert stored() == before


def test_an_unknown_check_in_is_not_found(moderator):
    assert_error(
        client_for(moderator).post(
            "/api/v1/checkins/999999/moderation/", {"action": "approve"}, format="json"
        ),
        404,
        "not_found",
    )


# --- the moderation queue ----------------------------------------------------------------------------------


def test_pending_stories_are_in_the_moderators_queue(citizen, moderator):
    journey = factories.consultation(stages=STAGES, moderation=ModerationMode.PRE)
    pending = check_in(journey, citizen, story="The <i>queue</i> was long.")
    check_in(journey, slug="find-out")  # no story: nothing to judge
    published = check_in(factories.consultation(stages=STAGES), story="Fine.")  # post-moderated

    results = client_for(moderator).get("/api/v1/moderation/queue/").json()["results"]

    assert [(item["kind"], item["id"]) for item in results] == [("checkin", pending.pk)]
    item = results[0]
    assert item["text"] == "The <i>queue</i> was long."
    assert item["title"] == "Apply online"
    assert item["proposal"] is None
    assert item["consultation"] == {"id": journey.pk, "title": journey.title}
    assert item["author_name"] == str(citizen.public_name)
    assert (item["visibility"], item["open_flags"], item["reports"]) == ("pending", 0, [])
    assert published.pk not in [i["id"] for i in results if i["kind"] == "checkin"]

    moderate(moderator, pending, "approve")
    assert client_for(moderator).get("/api/v1/moderation/queue/").json()["results"] == []


def test_citizens_do_not_see_the_queue_of_stories(citizen):
    journey = factories.consultation(stages=STAGES, moderation=ModerationMode.PRE)
    check_in(journey, story="Pending.")
    assert_error(client_for(citizen).get("/api/v1/moderation/queue/"), 403, "forbidden")


@pytest.mark.parametrize("slug", ["apply-online", "no-such-stage"])
def test_options_describes_the_endpoint_without_an_error(journey, citizen, slug):
    response = client_for(citizen).options(checkin_url(journey, slug))
    assert response.status_code == 200
    assert set(response.json()["renders"]) >= {"application/json"}
    assert not CheckIn.objects.exists()
