"""Text a client sends must be a string, on every write endpoint: a number is a 400 naming the field, as a
boolean always was (DRF's own fields would store `{"title": 123}` as "123"), and nothing is written."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers

from cocreate.limits import StringsOnly
from proposals.models import (
    AuditEntry,
    CheckIn,
    Comment,
    Flag,
    Milestone,
    OfficialResponse,
    Proposal,
    StageTally,
    Status,
)
from proposals.services import checkin_save, comment_post, flag_create, milestone_add
from tests.support import factories
from tests.support.api import assert_error, client_for

pytestmark = pytest.mark.django_db


@dataclass
class Write:
    user: object
    method: str
    url: str
    body: dict


def _published_comment() -> Comment:
    return comment_post(author=factories.citizen(), proposal=factories.ProposalFactory(), body="Good idea.")


def submit() -> Write:
    consultation = factories.consultation(categories=("123",))  # a category whose slug is a number's digits
    body = {"consultation": consultation.pk, "title": "Opening hours", "summary": "Later.", "body": "Please."}
    return Write(factories.citizen(), "post", "/api/v1/proposals/", {**body, "category": "123"})


def _flagged(item: dict) -> None:
    flag_create(reporter=factories.citizen(), reason="spam", **item)


# Writes on one published proposal or comment, by the URL's kind and action: who sends it, a good body, and
# what the item needs first (an open report, to dismiss one).
ON_ITEM = {
    "proposal-moderation": (factories.moderator, {"action": "hide", "reason": "Spam."}, None),
    "proposal-status": (factories.official, {"status": "under_review", "note": "Looking."}, None),
    "proposal-responses": (factories.official, {"body": "We will do it."}, None),
    "proposal-comments": (factories.citizen, {"body": "Yes."}, None),
    "proposal-flag": (factories.citizen, {"reason": "spam", "details": "An advert."}, None),
    "proposal-dismiss-flags": (factories.moderator, {"reason": "Fine as it is."}, _flagged),
    "comment-moderation": (factories.moderator, {"action": "hide", "reason": "Abuse."}, None),
    "comment-flag": (factories.citizen, {"reason": "spam", "details": "An advert."}, None),
    "comment-dismiss-flags": (factories.moderator, {"reason": "Fine as it is."}, _flagged),
}


def on_item(name: str) -> Callable[[], Write]:
    kind, action = name.split("-", 1)
    user, body, prepare = ON_ITEM[name]

    def make() -> Write:
        item = factories.ProposalFactory() if kind == "proposal" else _published_comment()
        if prepare:
            prepare({kind: item})
        return Write(user(), "post", f"/api/v1/{kind}s/{item.pk}/{action}/", body)

    make.__name__ = name
    return make


def comment_edit() -> Write:
    comment = _published_comment()
    return Write(comment.author, "patch", f"/api/v1/comments/{comment.pk}/", {"body": "Better idea."})


def _accepted():
    return factories.ProposalFactory(status=Status.ACCEPTED)


def milestone_plan() -> Write:
    body = {"title": "Form tested", "planned_for": "2027-03-01", "note": "With ten claimants."}
    return Write(factories.official(), "post", f"/api/v1/proposals/{_accepted().pk}/milestones/", body)


def milestone_move() -> Write:
    official = factories.official()
    step = milestone_add(
        actor=official, proposal=_accepted(), title="Form tested", planned_for=date(2027, 3, 1)
    )
    return Write(official, "patch", f"/api/v1/milestones/{step.pk}/", {"state": "done", "note": "Live."})


def checkin_put() -> Write:
    consultation = factories.consultation(stages=("Apply",))
    body = {"frustration": 4, "motivation": 2, "story": "Slow."}
    return Write(factories.citizen(), "put", f"/api/v1/consultations/{consultation.pk}/checkins/apply/", body)


def checkin_moderation() -> Write:
    consultation = factories.consultation(stages=("Apply",))
    checkin, _created = checkin_save(
        author=factories.citizen(),
        consultation=consultation,
        stage_id=consultation.stages.get().pk,
        frustration=3,
        motivation=3,
        gave_up=False,
        story="Rude words.",
    )
    body = {"action": "hide", "reason": "Rude."}
    return Write(factories.moderator(), "post", f"/api/v1/checkins/{checkin.pk}/moderation/", body)


def account_delete_by_password() -> Write:
    user = factories.citizen()
    user.set_password("123")
    user.save()
    return Write(user, "post", "/api/v1/me/delete/", {"password": "123"})


def account_delete_by_username() -> Write:
    user = factories.citizen(username="123")
    user.set_unusable_password()
    user.save()
    return Write(user, "post", "/api/v1/me/delete/", {"username": "123"})


WRITES: list[tuple[Callable[[], Write], str]] = [
    (submit, "title"),
    (submit, "summary"),
    (submit, "body"),
    (submit, "category"),
    (on_item("proposal-moderation"), "reason"),
    (on_item("proposal-status"), "note"),
    (on_item("proposal-responses"), "body"),
    (on_item("proposal-comments"), "body"),
    (comment_edit, "body"),
    (on_item("comment-moderation"), "reason"),
    (on_item("proposal-flag"), "details"),
    (on_item("comment-flag"), "details"),
    (on_item("proposal-dismiss-flags"), "reason"),
    (on_item("comment-dismiss-flags"), "reason"),
    (milestone_plan, "title"),
    (milestone_plan, "note"),
    (milestone_move, "note"),
    (checkin_put, "story"),
    (checkin_moderation, "reason"),
    (account_delete_by_password, "password"),
    (account_delete_by_username, "username"),
]
IDS = [f"{make.__name__}-{field}" for make, field in WRITES]


def stored() -> list:
    """Every row a write above could add, change or remove (the accounts: which exist; each request
    records its reader's language on their account)."""
    models = (Proposal, Comment, Flag, AuditEntry, OfficialResponse, Milestone, CheckIn, StageTally)
    rows = [list(model.objects.order_by("pk").values()) for model in models]
    return [*rows, list(get_user_model().objects.order_by("pk").values_list("pk", flat=True))]


def send(write: Write, body: dict):
    return getattr(client_for(write.user), write.method)(write.url, body, format="json")


@pytest.mark.parametrize("number", [123, 1.5])
@pytest.mark.parametrize(("make", "field"), WRITES, ids=IDS)
def test_a_number_for_text_is_refused(make, field, number):
    write = make()
    before = stored()

    error = assert_error(send(write, {**write.body, field: number}), 400, "invalid", [field])

    assert error["fields"][field] == ["Not a valid string."]
    assert stored() == before


@pytest.mark.parametrize(("make", "field"), WRITES, ids=IDS)
def test_the_same_text_as_a_string_is_taken(make, field):
    """The requests above are good ones once the number is its string: only the type was refused."""
    write = make()
    response = send(write, write.body)
    assert response.status_code in (200, 201, 204), response.content


def test_the_message_is_in_the_readers_language():
    write = submit()
    body = {**write.body, "title": 123}
    response = client_for(write.user).post(write.url, body, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert assert_error(response, 400, "invalid", ["title"])["fields"]["title"] == [
        "Chaîne de caractère invalide."
    ]


def request_serializers() -> dict[str, serializers.Serializer]:
    """Each write operation's request body, as the schema generator finds it: "POST /api/v1/proposals/"."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    found = {}
    for path, _, method, view in generator._get_paths_and_endpoints():
        if method in ("POST", "PUT", "PATCH"):
            view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
            view.schema.method, view.schema.path = method, path
            serializer = view.schema.get_request_serializer()
            # One serializer, or one per media type (a multipart form for a file).
            by_media = serializer if isinstance(serializer, dict) else {"": serializer}
            for media, each in by_media.items():
                if each is not None:
                    operation = f"{method} {path} {media}".rstrip()
                    found[operation] = each() if isinstance(each, type) else each
    return found


def text_fields(serializer: serializers.Serializer, prefix: str = ""):
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.Serializer):
            yield from text_fields(field, f"{prefix}{name}.")
        elif isinstance(field, serializers.CharField) and not field.read_only:
            yield f"{prefix}{name}", field


def test_every_request_body_reads_text_as_strings_only():
    """The same rule for the writes to come: a serializer field that reads a client's text is Text or Slug
    (cocreate.limits), not DRF's CharField, SlugField or EmailField, which take a number for its digits."""
    bodies = request_serializers()
    assert len(bodies) >= 12  # the schema generator found the writes
    lax = [
        f"{operation}: {name} ({type(field).__name__})"
        for operation, serializer in bodies.items()
        for name, field in text_fields(serializer)
        if not isinstance(field, StringsOnly)
    ]
    assert lax == []
