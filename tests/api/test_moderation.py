"""POST /api/v1/proposals/{id}/moderation/, /status/ and /responses/: moderators and officials."""

import pytest

from proposals.models import AuditEntry, OfficialResponse, Proposal, Status, Visibility
from tests.support import factories
from tests.support.api import assert_error, client_for

pytestmark = pytest.mark.django_db


def pending():
    return factories.ProposalFactory(visibility=Visibility.PENDING, published_at=None)


def moderation_url(proposal):
    return f"/api/v1/proposals/{proposal.pk}/moderation/"


def status_url(proposal):
    return f"/api/v1/proposals/{proposal.pk}/status/"


def responses_url(proposal):
    return f"/api/v1/proposals/{proposal.pk}/responses/"


# Moderation


@pytest.mark.parametrize("role", ["moderator", "official", "superuser"])
def test_moderators_approve_and_hide(as_role, role):
    user, client = as_role(role)
    proposal = pending()

    approved = client.post(moderation_url(proposal), {"action": "approve"}, format="json")
    assert approved.status_code == 200
    assert approved.json()["visibility"] == "published"

    hidden = client.post(moderation_url(proposal), {"action": "hide", "reason": "Off topic."}, format="json")
    assert hidden.status_code == 200
    assert (hidden.json()["visibility"], hidden.json()["moderation_reason"]) == ("hidden", "Off topic.")
    assert list(AuditEntry.objects.moderation().values_list("action", "actor")) == [
        ("approved", user.pk),
        ("hidden", user.pk),
    ]


def test_the_author_reads_the_reason_after_hiding(moderator):
    proposal = factories.ProposalFactory()
    client_for(moderator).post(
        moderation_url(proposal), {"action": "hide", "reason": "Insults."}, format="json"
    )
    response = client_for(proposal.author).get(f"/api/v1/proposals/{proposal.pk}/")
    assert response.json()["moderation_reason"] == "Insults."
    assert_error(client_for(None).get(f"/api/v1/proposals/{proposal.pk}/"), 404, "not_found")


def test_anonymous_moderation_is_401(api):
    proposal = pending()
    assert_error(
        api.post(moderation_url(proposal), {"action": "approve"}, format="json"), 401, "not_authenticated"
    )
    assert Proposal.objects.get().visibility == Visibility.PENDING


@pytest.mark.parametrize("role", ["unverified_citizen", "citizen"])
def test_citizens_cannot_moderate_a_published_proposal(as_role, role):
    _user, client = as_role(role)
    proposal = factories.ProposalFactory()
    response = client.post(moderation_url(proposal), {"action": "hide", "reason": "Mine."}, format="json")
    assert_error(response, 403, "forbidden")
    assert Proposal.objects.get().visibility == Visibility.PUBLISHED
    assert not AuditEntry.objects.moderation().exists()


def test_a_citizen_cannot_even_find_others_pending_proposals(citizen):
    proposal = pending()
    response = client_for(citizen).post(moderation_url(proposal), {"action": "approve"}, format="json")
    assert_error(response, 404, "not_found")
    assert Proposal.objects.get().visibility == Visibility.PENDING


def test_authors_cannot_approve_their_own_pending_proposal(citizen):
    proposal = factories.ProposalFactory(author=citizen, visibility=Visibility.PENDING, published_at=None)
    response = client_for(citizen).post(moderation_url(proposal), {"action": "approve"}, format="json")
    assert_error(response, 403, "forbidden")
    assert Proposal.objects.get().visibility == Visibility.PENDING


@pytest.mark.parametrize(
    "data, field",
    [
        ({"action": "hide"}, "reason"),
        ({"action": "hide", "reason": "   "}, "reason"),
        ({"action": "delete", "reason": "x"}, "action"),
        ({"reason": "x"}, "action"),
        ({"action": "hide", "reason": "x" * 501}, "reason"),
        ({"action": ["hide"], "reason": "x"}, "action"),
    ],
)
def test_bad_moderation_input(moderator, data, field):
    proposal = factories.ProposalFactory()
    response = client_for(moderator).post(moderation_url(proposal), data, format="json")
    assert_error(response, 400, "invalid", fields=[field])
    assert Proposal.objects.get().visibility == Visibility.PUBLISHED
    assert not AuditEntry.objects.moderation().exists()


@pytest.mark.parametrize("role", ["moderator", "official", "superuser"])
def test_restoring_publishes_a_hidden_proposal_again(as_role, role):
    user, client = as_role(role)
    proposal = factories.ProposalFactory()
    client.post(moderation_url(proposal), {"action": "hide", "reason": "Looked like spam."}, format="json")

    restored = client.post(moderation_url(proposal), {"action": "restore"}, format="json")

    assert restored.status_code == 200, restored.content
    assert (restored.json()["visibility"], restored.json()["moderation_reason"]) == ("published", "")
    assert client_for(None).get(f"/api/v1/proposals/{proposal.pk}/").status_code == 200
    assert list(AuditEntry.objects.moderation().values_list("action", "from_value", "to_value", "actor")) == [
        ("hidden", "published", "hidden", user.pk),
        ("restored", "hidden", "published", user.pk),
    ]


@pytest.mark.parametrize("role", ["unverified_citizen", "citizen"])
def test_citizens_cannot_restore_even_their_own_hidden_proposal(as_role, role):
    user, client = as_role(role)
    proposal = factories.ProposalFactory(author=user, visibility=Visibility.HIDDEN, moderation_reason="Spam.")
    response = client.post(moderation_url(proposal), {"action": "restore"}, format="json")
    assert_error(response, 403, "forbidden")
    assert Proposal.objects.get().visibility == Visibility.HIDDEN


def test_anonymous_restore_is_401(api):
    proposal = factories.ProposalFactory(visibility=Visibility.HIDDEN, moderation_reason="Spam.")
    response = api.post(moderation_url(proposal), {"action": "restore"}, format="json")
    assert_error(response, 401, "not_authenticated")
    assert Proposal.objects.get().visibility == Visibility.HIDDEN


# Status


@pytest.mark.parametrize("role", ["official", "superuser"])
def test_officials_set_the_status(as_role, role):
    user, client = as_role(role)
    proposal = factories.ProposalFactory()
    response = client.post(
        status_url(proposal), {"status": "under_review", "note": "Costing it."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "under_review"
    change = AuditEntry.objects.status_changes().get()
    assert (change.actor, change.from_value, change.to_value, change.reason) == (
        user,
        "open",
        "under_review",
        "Costing it.",
    )


def test_setting_the_same_status_records_nothing(official):
    proposal = factories.ProposalFactory(status=Status.ACCEPTED)
    response = client_for(official).post(status_url(proposal), {"status": "accepted"}, format="json")
    assert response.status_code == 200
    assert not AuditEntry.objects.status_changes().exists()


@pytest.mark.parametrize("role", ["unverified_citizen", "citizen", "moderator"])
def test_others_cannot_set_the_status(as_role, role):
    _user, client = as_role(role)
    proposal = factories.ProposalFactory()
    assert_error(client.post(status_url(proposal), {"status": "accepted"}, format="json"), 403, "forbidden")
    assert Proposal.objects.get().status == Status.OPEN


def test_anonymous_status_is_401(api):
    proposal = factories.ProposalFactory()
    assert_error(
        api.post(status_url(proposal), {"status": "accepted"}, format="json"), 401, "not_authenticated"
    )


@pytest.mark.parametrize(
    "data, field",
    [
        ({"status": "done"}, "status"),
        ({"status": ""}, "status"),
        ({"status": None}, "status"),
        ({}, "status"),
        ({"status": 3}, "status"),
        ({"status": "accepted", "note": "n" * 1001}, "note"),
    ],
)
def test_bad_status_input(official, data, field):
    proposal = factories.ProposalFactory()
    assert_error(
        client_for(official).post(status_url(proposal), data, format="json"), 400, "invalid", [field]
    )
    assert Proposal.objects.get().status == Status.OPEN
    assert not AuditEntry.objects.status_changes().exists()


# Responses


def test_official_response_with_decision(official):
    proposal = factories.ProposalFactory()
    response = client_for(official).post(
        responses_url(proposal), {"body": "We will do it.", "decision": "accepted"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["body"] == "We will do it."
    assert body["author_name"] == official.get_full_name()
    assert body["department"] == "Employment Services"
    assert body["decision"] == "accepted"
    detail = client_for(None).get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert detail["status"] == "accepted"
    assert [r["id"] for r in detail["responses"]] == [body["id"]]


def test_official_response_without_decision(official):
    proposal = factories.ProposalFactory(status=Status.UNDER_REVIEW)
    response = client_for(official).post(responses_url(proposal), {"body": "Still looking."}, format="json")
    assert response.status_code == 201
    assert response.json()["decision"] == ""
    assert Proposal.objects.get().status == Status.UNDER_REVIEW


@pytest.mark.parametrize("role", ["unverified_citizen", "citizen", "moderator"])
def test_only_officials_respond(as_role, role):
    _user, client = as_role(role)
    proposal = factories.ProposalFactory()
    assert_error(client.post(responses_url(proposal), {"body": "Hi."}, format="json"), 403, "forbidden")
    assert not OfficialResponse.objects.exists()


def test_anonymous_response_is_401(api):
    proposal = factories.ProposalFactory()
    assert_error(api.post(responses_url(proposal), {"body": "Hi."}, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_no_response_to_an_unpublished_proposal(official, visibility):
    proposal = factories.ProposalFactory(visibility=visibility)
    response = client_for(official).post(
        responses_url(proposal), {"body": "No.", "decision": "rejected"}, format="json"
    )
    assert_error(response, 409, "proposal_not_published")
    assert not OfficialResponse.objects.exists()
    assert Proposal.objects.get().status == Status.OPEN


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "body"),
        ({"body": "  "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": "Yes.", "decision": "maybe"}, "decision"),
        ({"body": {"text": "Yes."}}, "body"),
    ],
)
def test_bad_response_input(official, data, field):
    proposal = factories.ProposalFactory()
    response = client_for(official).post(responses_url(proposal), data, format="json")
    assert_error(response, 400, "invalid", [field])
    assert not OfficialResponse.objects.exists()


@pytest.mark.parametrize("suffix", ["moderation", "status", "responses"])
@pytest.mark.parametrize("pk", ["999999", str(10**30), "-1"])
def test_unknown_ids(official, suffix, pk):
    data = {"action": "approve", "status": "accepted", "body": "Yes."}
    response = client_for(official).post(f"/api/v1/proposals/{pk}/{suffix}/", data, format="json")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Too long: 10,001 characters, for 10,000 at most."),
        ("fr", "Trop long\u00a0: 10\u202f001 caractères, pour 10\u202f000 au maximum."),
    ],
)
def test_a_response_too_long_says_its_limit_as_the_language_writes_numbers(official, language, said):
    proposal = factories.ProposalFactory()
    client = client_for(official)

    response = client.post(
        responses_url(proposal), {"body": "x" * 10_001}, format="json", headers={"accept-language": language}
    )

    assert assert_error(response, 400, "invalid", ["body"])["fields"]["body"] == [said]
