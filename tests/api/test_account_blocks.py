"""The staff API of blocking: /api/v1/moderation/accounts/{id}/ (read), .../block/ and .../unblock/, for
each role both ways."""

import pytest
from django.core import mail

from cocreate.accounts.models import AccountBlock
from tests.support import factories
from tests.support.api import assert_error, client_for

pytestmark = pytest.mark.django_db


def url(user, action=""):
    return f"/api/v1/moderation/accounts/{user.pk}/" + (f"{action}/" if action else "")


@pytest.mark.parametrize("role", ["moderator", "official", "superuser"])
def test_staff_block_and_unblock_a_citizen(role, django_capture_on_commit_callbacks):
    actor = (
        factories.citizen(is_superuser=True, is_staff=True)
        if role == "superuser"
        else getattr(factories, role)()
    )
    user = factories.citizen()
    client = client_for(actor)

    with django_capture_on_commit_callbacks(execute=True):
        blocked = client.post(url(user, "block"), {"reason": "Spam."}, format="json")

    assert blocked.status_code == 201, blocked.content
    body = blocked.json()
    assert body["blocked"] is True
    assert body["blocks"][0]["reason"] == "Spam."
    assert body["blocks"][0]["lifted_at"] is None
    assert len(mail.outbox) == 1

    lifted = client.post(url(user, "unblock"), {"reason": "Sorry."}, format="json")

    assert lifted.status_code == 200
    assert lifted.json()["blocked"] is False
    assert lifted.json()["blocks"][0]["lift_reason"] == "Sorry."
    assert client.get(url(user)).json()["blocks"][0]["blocked_by"]


@pytest.mark.parametrize("role", ["anonymous", "unverified_citizen", "citizen"])
def test_citizens_cannot_block_or_read_blocks(role):
    actor = None if role == "anonymous" else getattr(factories, role)()
    user = factories.citizen()
    client = client_for(actor)
    status, code = (401, "not_authenticated") if actor is None else (403, "forbidden")

    assert_error(client.post(url(user, "block"), {"reason": "No."}, format="json"), status, code)
    assert_error(client.get(url(user)), status, code)
    assert not AccountBlock.objects.exists()


@pytest.mark.parametrize("target", ["moderator", "official"])
def test_a_moderator_cannot_block_staff_but_an_administrator_can(target):
    user = getattr(factories, target)()

    refused = client_for(factories.moderator()).post(url(user, "block"), {"reason": "No."}, format="json")
    assert_error(refused, 403, "forbidden")

    admin = factories.citizen(is_superuser=True, is_staff=True)
    assert client_for(admin).post(url(user, "block"), {"reason": "Abuse."}, format="json").status_code == 201


def test_bad_requests_are_named():
    moderator, user = factories.moderator(), factories.citizen()
    client = client_for(moderator)

    assert_error(client.post(url(user, "block"), {"reason": " "}, format="json"), 400, "invalid", ["reason"])
    assert_error(client.post(url(user, "block"), {}, format="json"), 400, "invalid", ["reason"])
    assert_error(
        client.post(url(user, "block"), {"reason": "x" * 501}, format="json"), 400, "invalid", ["reason"]
    )
    assert_error(
        client.post("/api/v1/moderation/accounts/999999/block/", {"reason": "x"}, format="json"),
        404,
        "not_found",
    )
    assert_error(client.post(url(user, "unblock"), {}, format="json"), 409, "not_blocked")
    client.post(url(user, "block"), {"reason": "Spam."}, format="json")
    assert_error(client.post(url(user, "block"), {"reason": "Again."}, format="json"), 409, "already_blocked")
    assert AccountBlock.objects.count() == 1
