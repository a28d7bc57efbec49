"""/api/v1/proposals/{id}/comments/, /api/v1/comments/{id}/ and its moderation: each role both ways, bad
input in the common error body with nothing written, and the per-account rate limit."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from cms.models import ModerationMode
from proposals.models import AuditEntry, Comment, Proposal, Visibility
from proposals.services import comment_delete, comment_moderate, comment_post
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for

pytestmark = pytest.mark.django_db


def comments_url(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/comments/"


def comment_url(comment) -> str:
    return f"/api/v1/comments/{comment.pk}/"


def post(author, proposal, body="Could the form be saved halfway?", parent=None) -> Comment:
    return comment_post(author=author, proposal=proposal, body=body, parent=parent)


@pytest.fixture
def proposal():
    return factories.ProposalFactory()


# Reading the thread


def test_anyone_reads_the_thread_oldest_first_with_replies(api, proposal):
    first = post(factories.citizen(display_name="Ana"), proposal)
    second = post(factories.official(first_name="Claire", last_name="Martin"), proposal, body="We are on it.")
    reply = post(factories.citizen(), proposal, body="Thanks!", parent=first)

    response = api.get(comments_url(proposal))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [c["id"] for c in body["results"]] == [first.pk, second.pk]
    top = body["results"][0]
    assert (top["author_name"], top["is_official"], top["body"]) == ("Ana", False, first.body)
    assert [r["id"] for r in top["replies"]] == [reply.pk]
    assert body["results"][1]["is_official"] is True
    assert body["results"][1]["author_name"] == "Claire Martin"
    assert (top["can_edit"], top["can_delete"], top["moderation_reason"]) == (False, False, "")


def test_the_thread_is_paginated_on_top_level_comments(api, proposal):
    author = factories.citizen()
    for n in range(3):
        post(author, proposal, body=f"Comment {n}")
    response = api.get(comments_url(proposal), {"page_size": 2, "page": 2})
    assert response.json()["count"] == 3
    assert [c["body"] for c in response.json()["results"]] == ["Comment 2"]


def test_pending_and_hidden_comments_for_their_author_and_moderators(api):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    author = factories.citizen()
    pending = post(author, proposal, body="Pending text")
    hidden = post(author, proposal, body="Hidden text")
    moderator = factories.moderator()
    comment_moderate(actor=moderator, comment=hidden, action="hide", reason="Personal data.")

    assert api.get(comments_url(proposal)).json()["results"] == []
    assert client_for(factories.citizen()).get(comments_url(proposal)).json()["results"] == []
    for viewer in (author, moderator):
        results = client_for(viewer).get(comments_url(proposal)).json()["results"]
        assert [(c["id"], c["visibility"], c["body"]) for c in results] == [
            (pending.pk, "pending", "Pending text"),
            (hidden.pk, "hidden", "Hidden text"),
        ]
        assert results[1]["moderation_reason"] == "Personal data."


def test_a_deleted_comment_with_replies_is_a_placeholder(api, proposal):
    parent = post(factories.citizen(), proposal)
    post(factories.citizen(), proposal, parent=parent)
    comment_delete(actor=parent.author, comment=parent)
    [top] = api.get(comments_url(proposal)).json()["results"]
    assert (top["deleted"], top["body"], len(top["replies"])) == (True, "", 1)


def test_no_thread_for_a_proposal_one_may_not_see(api):
    proposal = factories.ProposalFactory(visibility=Visibility.PENDING, published_at=None)
    assert_error(api.get(comments_url(proposal)), 404, "not_found")


# Posting


@pytest.mark.parametrize("role", ["citizen", "moderator", "official", "superuser"])
def test_verified_accounts_post(role, as_role, proposal):
    user, client = as_role(role)
    response = client.post(comments_url(proposal), {"body": "  Good idea.  "}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["body"], response.json()["visibility"]) == ("Good idea.", "published")
    assert response.json()["is_official"] == (role in ("official", "superuser"))
    assert response.json()["can_edit"] is True
    assert Proposal.objects.get().comments_count == 1


def test_anonymous_posting_is_401(api, proposal):
    assert_error(api.post(comments_url(proposal), {"body": "Hi"}, format="json"), 401, "not_authenticated")
    assert not Comment.objects.exists()


def test_unverified_posting_is_403(as_role, proposal):
    _user, client = as_role("unverified_citizen")
    assert_error(client.post(comments_url(proposal), {"body": "Hi"}, format="json"), 403, "email_unverified")
    assert not Comment.objects.exists()


def test_a_reply_and_a_reply_to_a_reply(citizen, proposal):
    parent = post(factories.citizen(), proposal)
    client = client_for(citizen)
    reply = client.post(comments_url(proposal), {"body": "Agreed.", "parent": parent.pk}, format="json")
    assert reply.status_code == 201
    assert reply.json()["parent"] == parent.pk
    deeper = client.post(comments_url(proposal), {"body": "No.", "parent": reply.json()["id"]}, format="json")
    assert_error(deeper, 400, "invalid", fields=["parent"])
    missing = client.post(comments_url(proposal), {"body": "No.", "parent": 999_999}, format="json")
    assert_error(missing, 400, "invalid", fields=["parent"])
    assert Comment.objects.count() == 2


@pytest.mark.parametrize(
    "data, field",
    [({}, "body"), ({"body": ""}, "body"), ({"body": "   "}, "body"), ({"body": "x" * 2001}, "body")],
)
def test_bad_comment_input(citizen, proposal, data, field):
    response = client_for(citizen).post(comments_url(proposal), data, format="json")
    assert_error(response, 400, "invalid", fields=[field])
    assert not Comment.objects.exists()


def test_not_a_json_object(citizen, proposal):
    response = client_for(citizen).post(comments_url(proposal), ["body"], format="json")
    assert_error(response, 400, "malformed_request")


def test_a_closed_consultation_is_409(citizen):
    proposal = factories.ProposalFactory(consultation=factories.consultation(open_now=False))
    response = client_for(citizen).post(comments_url(proposal), {"body": "Late."}, format="json")
    assert_error(response, 409, "consultation_closed")


def test_the_authors_hidden_proposal_is_409(citizen):
    proposal = factories.ProposalFactory(author=citizen, visibility=Visibility.HIDDEN)
    response = client_for(citizen).post(comments_url(proposal), {"body": "Mine."}, format="json")
    assert_error(response, 409, "proposal_not_published")


def test_pre_moderated_comment_answers_pending(citizen):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    response = client_for(citizen).post(comments_url(proposal), {"body": "Wait."}, format="json")
    assert response.status_code == 201
    assert response.json()["visibility"] == "pending"


# Editing and deleting


def test_the_author_edits_and_deletes(citizen, proposal):
    comment = post(citizen, proposal)
    client = client_for(citizen)
    edited = client.patch(comment_url(comment), {"body": "Saved halfway, please."}, format="json")
    assert edited.status_code == 200
    assert (edited.json()["body"], edited.json()["edited"]) == ("Saved halfway, please.", True)
    assert client.delete(comment_url(comment)).status_code == 204
    assert client.delete(comment_url(comment)).status_code == 204  # again: nothing to do
    assert Comment.objects.get().is_deleted
    assert Proposal.objects.get().comments_count == 0


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_nobody_else_edits_or_deletes(role, as_role, proposal):
    comment = post(factories.citizen(), proposal)
    _user, client = as_role(role)
    assert_error(client.patch(comment_url(comment), {"body": "Mine now."}, format="json"), 403, "forbidden")
    assert_error(client.delete(comment_url(comment)), 403, "forbidden")
    assert Comment.objects.get().body == comment.body


def test_anonymous_edit_and_delete_are_401(api, proposal):
    comment = post(factories.citizen(), proposal)
    assert_error(api.patch(comment_url(comment), {"body": "x"}, format="json"), 401, "not_authenticated")
    assert_error(api.delete(comment_url(comment)), 401, "not_authenticated")


def test_editing_after_the_window_is_409(citizen, proposal, settings):
    comment = post(citizen, proposal)
    Comment.objects.update(created_at=timezone.now() - timedelta(minutes=settings.COMMENT_EDIT_MINUTES + 1))
    response = client_for(citizen).patch(comment_url(comment), {"body": "Late fix."}, format="json")
    assert_error(response, 409, "edit_window_closed")
    assert client_for(citizen).delete(comment_url(comment)).status_code == 204


def test_others_pending_comments_do_not_exist_for_a_citizen(citizen):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    comment = post(factories.citizen(), proposal)
    assert_error(client_for(citizen).get(comment_url(comment)), 404, "not_found")
    assert_error(client_for(citizen).delete(comment_url(comment)), 404, "not_found")


# Moderation


@pytest.mark.parametrize("role", ["moderator", "official", "superuser"])
def test_moderators_approve_hide_and_restore(role, as_role):
    user, client = as_role(role)
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    comment = post(factories.citizen(), proposal)
    url = f"{comment_url(comment)}moderation/"
    assert client.post(url, {"action": "approve"}, format="json").json()["visibility"] == "published"
    hidden = client.post(url, {"action": "hide", "reason": "Insults."}, format="json")
    assert (hidden.json()["visibility"], hidden.json()["moderation_reason"]) == ("hidden", "Insults.")
    assert client.post(url, {"action": "restore"}, format="json").json()["visibility"] == "published"
    assert list(AuditEntry.objects.trail().filter(comment=comment).values_list("action", "actor")) == [
        ("approved", user.pk),
        ("hidden", user.pk),
        ("restored", user.pk),
    ]


@pytest.mark.parametrize("role", ["unverified_citizen", "citizen"])
def test_citizens_cannot_moderate(role, as_role, proposal):
    comment = post(factories.citizen(), proposal)
    _user, client = as_role(role)
    response = client.post(
        f"{comment_url(comment)}moderation/", {"action": "hide", "reason": "x"}, format="json"
    )
    assert_error(response, 403, "forbidden")
    assert Comment.objects.get().is_published


def test_anonymous_moderation_is_401(api, proposal):
    comment = post(factories.citizen(), proposal)
    response = api.post(f"{comment_url(comment)}moderation/", {"action": "approve"}, format="json")
    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize(
    "data, field", [({"action": "hide"}, "reason"), ({"action": "erase"}, "action"), ({}, "action")]
)
def test_bad_moderation_input(moderator, proposal, data, field):
    comment = post(factories.citizen(), proposal)
    response = client_for(moderator).post(f"{comment_url(comment)}moderation/", data, format="json")
    assert_error(response, 400, "invalid", fields=[field])
    assert not AuditEntry.objects.trail().exists()


# Rate limit


@pytest.fixture
def tight_rates(monkeypatch):
    """DRF reads the rates when the throttle class is defined, so the class attribute is what to change."""
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"comments": "2/minute", "official": "9/minute"}
    )


def test_comments_are_rate_limited_per_account(tight_rates, citizen, proposal):
    client = client_for(citizen)
    assert client.post(comments_url(proposal), {"body": "One."}, format="json").status_code == 201
    assert client.post(comments_url(proposal), {"body": "Two."}, format="json").status_code == 201

    limited = client.post(comments_url(proposal), {"body": "Three."}, format="json")

    assert_error(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) > 0
    assert Comment.objects.count() == 2
    assert client.get(comments_url(proposal)).status_code == 200  # reading is not limited
    other = client_for(factories.citizen())
    assert other.post(comments_url(proposal), {"body": "Mine."}, format="json").status_code == 201


# An author's edit in a pre-moderated consultation


@pytest.fixture
def approved(moderator):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    comment = post(factories.citizen(), proposal, body="Approved words.")
    return comment_moderate(actor=moderator, comment=comment, action="approve")


def test_an_edit_waits_for_moderation_and_its_author_is_told(api, approved, moderator):
    author = client_for(approved.author)
    response = author.patch(comment_url(approved), {"body": "Unapproved words."}, format="json")

    assert response.status_code == 200
    answer = response.json()
    assert (answer["visibility"], answer["body"], answer["edited"]) == ("published", "Approved words.", False)
    assert answer["pending_edit"]["body"] == "Unapproved words."
    assert answer["pending_edit"]["submitted_at"]
    for reader in (api, client_for(factories.citizen())):
        [top] = reader.get(comments_url(approved.proposal)).json()["results"]
        assert (top["body"], top["pending_edit"]) == ("Approved words.", None)
        assert "Unapproved" not in reader.get(comment_url(approved)).content.decode()
    [top] = client_for(moderator).get(comments_url(approved.proposal)).json()["results"]
    assert top["pending_edit"]["body"] == "Unapproved words."


def test_moderators_approve_or_reject_the_edit(approved, moderator):
    author, client = client_for(approved.author), client_for(moderator)
    url = f"{comment_url(approved)}moderation/"
    author.patch(comment_url(approved), {"body": "Better words."}, format="json")
    approved_edit = client.post(url, {"action": "approve"}, format="json")
    assert (approved_edit.json()["body"], approved_edit.json()["pending_edit"]) == ("Better words.", None)

    author.patch(comment_url(approved), {"body": "Rude words."}, format="json")
    assert_error(
        client.post(url, {"action": "reject_edit"}, format="json"), 400, "invalid", fields=["reason"]
    )
    rejected = client.post(url, {"action": "reject_edit", "reason": "Insults."}, format="json")
    assert (rejected.json()["body"], rejected.json()["pending_edit"]) == ("Better words.", None)
    mine = author.get(comment_url(approved)).json()
    assert mine["edit_rejection_reason"] == "Insults."
    assert client_for(factories.citizen()).get(comment_url(approved)).json()["edit_rejection_reason"] == ""
    assert_error(
        client.post(url, {"action": "reject_edit", "reason": "x"}, format="json"), 409, "no_pending_edit"
    )
    assert list(AuditEntry.objects.trail().filter(comment=approved).values_list("action", "reason")) == [
        ("approved", ""),
        ("edit_approved", ""),
        ("edit_rejected", "Insults."),
    ]


def test_the_moderation_queue_shows_the_waiting_edit(approved, moderator):
    client_for(approved.author).patch(comment_url(approved), {"body": "New words."}, format="json")
    [item] = client_for(moderator).get("/api/v1/moderation/queue/").json()["results"]
    assert (item["kind"], item["id"], item["text"], item["pending_edit"]) == (
        "comment",
        approved.pk,
        "Approved words.",
        "New words.",
    )


# Placeholders name nobody


def test_hidden_and_deleted_placeholders_name_nobody(api, proposal, moderator):
    hidden = post(factories.official(first_name="Claire", last_name="Martin"), proposal, body="Rude.")
    deleted = post(factories.citizen(display_name="Ana"), proposal)
    for parent in (hidden, deleted):
        post(factories.citizen(), proposal, body="A reply.", parent=parent)
    comment_moderate(actor=moderator, comment=hidden, action="hide", reason="Insults.")
    comment_delete(actor=deleted.author, comment=deleted)

    for reader in (api, client_for(factories.citizen())):
        tops = reader.get(comments_url(proposal)).json()["results"]
        assert [(c["id"], c["author_name"], c["is_official"], c["body"]) for c in tops] == [
            (hidden.pk, None, None, ""),
            (deleted.pk, None, None, ""),
        ]
        assert all(reply["author_name"] for top in tops for reply in top["replies"])
    # Its author and the moderators read the hidden comment, so they see whose it is.
    for viewer in (hidden.author, moderator):
        [top, _deleted] = client_for(viewer).get(comments_url(proposal)).json()["results"]
        assert (top["author_name"], top["is_official"]) == ("Claire Martin", True)


def test_the_schema_says_a_placeholder_has_no_author_name(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    comment = schema["components"]["schemas"]["Comment"]["properties"]
    assert comment["author_name"].get("nullable") is True
    assert comment["is_official"].get("nullable") is True
    assert comment["pending_edit"].get("nullable") is True
