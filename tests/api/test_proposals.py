"""POST /api/v1/proposals/ and GET /api/v1/proposals/{id}/."""

import pytest

from cms.models import ModerationMode
from proposals.models import OfficialResponse, Proposal, Visibility
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for
from votes.models import Support

pytestmark = pytest.mark.django_db


def payload(consultation, **fields):
    return {
        "consultation": consultation.pk,
        "title": "Let people book a call back",
        "summary": "Nobody should wait on hold for an hour.",
        "body": "A call-back slot chosen online, confirmed by text message.",
        **fields,
    }


@pytest.mark.parametrize("role", ["citizen", "moderator", "official", "superuser"])
def test_verified_people_submit(as_role, consultation, role):
    user, client = as_role(role)
    response = client.post("/api/v1/proposals/", payload(consultation, category="online"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    proposal = Proposal.objects.get()
    assert body["id"] == proposal.pk
    assert proposal.author == user
    assert body["title"] == "Let people book a call back"
    assert body["category"] == "online"
    assert (body["status"], body["visibility"], body["supports"]) == ("open", "published", 0)
    assert body["supported_by_me"] is False
    assert body["responses"] == []


def test_anonymous_submission_is_401_with_the_error_body(api, consultation):
    response = api.post("/api/v1/proposals/", payload(consultation), format="json")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")
    assert not Proposal.objects.exists()


def test_unverified_submission_is_403(as_role, consultation):
    _user, client = as_role("unverified_citizen")
    response = client.post("/api/v1/proposals/", payload(consultation), format="json")
    assert_error(response, 403, "email_unverified")
    assert not Proposal.objects.exists()


def test_pre_moderated_proposal_is_seen_by_its_author_and_moderators_only(citizen):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    response = client_for(citizen).post("/api/v1/proposals/", payload(consultation), format="json")
    assert response.status_code == 201
    assert response.json()["visibility"] == "pending"
    url = f"/api/v1/proposals/{response.json()['id']}/"

    assert client_for(citizen).get(url).status_code == 200
    assert client_for(factories.moderator()).get(url).status_code == 200
    assert client_for(factories.official()).get(url).status_code == 200
    for stranger in (None, factories.citizen(), factories.unverified_citizen()):
        assert_error(client_for(stranger).get(url), 404, "not_found")


@pytest.mark.parametrize("role", ROLES)
def test_published_proposal_detail(as_role, role):
    user, client = as_role(role)
    proposal = factories.ProposalFactory(supports_count=3, supports_version=3, moderation_reason="")
    OfficialResponse.objects.create(
        proposal=proposal, author_name="Ada Lovelace", department="Benefits", body="Thanks."
    )
    response = client.get(f"/api/v1/proposals/{proposal.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["supports"], body["status"], body["supported_by_me"]) == (
        proposal.pk,
        3,
        "open",
        False,
    )
    assert body["body"] == proposal.body
    assert [(r["author_name"], r["department"], r["body"]) for r in body["responses"]] == [
        ("Ada Lovelace", "Benefits", "Thanks.")
    ]


def test_supported_by_me_is_per_viewer(citizen):
    proposal = factories.ProposalFactory()
    Support.objects.create(proposal=proposal, user=citizen)
    url = f"/api/v1/proposals/{proposal.pk}/"
    assert client_for(citizen).get(url).json()["supported_by_me"] is True
    assert client_for(factories.citizen()).get(url).json()["supported_by_me"] is False
    assert client_for(None).get(url).json()["supported_by_me"] is False


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
@pytest.mark.parametrize("role", ["anonymous", "unverified_citizen", "citizen"])
def test_others_pending_or_hidden_proposals_do_not_exist(as_role, role, visibility):
    _user, client = as_role(role)
    proposal = factories.ProposalFactory(visibility=visibility, moderation_reason="Spam.")
    assert_error(client.get(f"/api/v1/proposals/{proposal.pk}/"), 404, "not_found")


@pytest.mark.parametrize("role", ["moderator", "official", "superuser"])
def test_moderators_see_hidden_proposals_with_the_reason(as_role, role):
    _user, client = as_role(role)
    proposal = factories.ProposalFactory(visibility=Visibility.HIDDEN, moderation_reason="Personal data.")
    response = client.get(f"/api/v1/proposals/{proposal.pk}/")
    assert response.status_code == 200
    assert response.json()["moderation_reason"] == "Personal data."


@pytest.mark.parametrize("make_author", [factories.citizen, factories.unverified_citizen])
def test_the_author_sees_their_hidden_proposal_and_why(make_author):
    author = make_author()
    proposal = factories.ProposalFactory(
        author=author, visibility=Visibility.HIDDEN, moderation_reason="Personal data."
    )
    response = client_for(author).get(f"/api/v1/proposals/{proposal.pk}/")
    assert response.status_code == 200
    assert (response.json()["visibility"], response.json()["moderation_reason"]) == (
        "hidden",
        "Personal data.",
    )


def test_the_reason_of_a_proposal_whose_author_left_stays_private():
    """A proposal whose author left (author is null) still shows no moderation note to visitors."""
    proposal = factories.ProposalFactory(author=None, moderation_reason="Internal note.")
    for viewer in (None, factories.citizen()):
        assert client_for(viewer).get(f"/api/v1/proposals/{proposal.pk}/").json()["moderation_reason"] == ""


@pytest.mark.parametrize("pk", ["999999", str(10**30), "-1", "0", "abc"])
def test_unknown_proposal_ids(api, pk):
    factories.ProposalFactory()
    assert_error(api.get(f"/api/v1/proposals/{pk}/"), 404, "not_found")


def test_there_is_no_list_of_all_proposals(citizen):
    assert_error(client_for(citizen).get("/api/v1/proposals/"), 405, "method_not_allowed")


def test_proposals_cannot_be_replaced_or_deleted_over_the_api(citizen):
    # Their author edits them with PATCH (tests/api/test_proposal_edit.py); nobody replaces or deletes one.
    proposal = factories.ProposalFactory(author=citizen)
    client = client_for(citizen)
    url = f"/api/v1/proposals/{proposal.pk}/"
    assert_error(client.put(url, {"title": "Changed"}, format="json"), 405, "method_not_allowed")
    assert_error(client.delete(url), 405, "method_not_allowed")
    proposal.refresh_from_db()
    assert proposal.title != "Changed"
    assert OfficialResponse.objects.count() == 0


@pytest.mark.parametrize("role", ["anonymous", "citizen", "author"])
def test_proposals_of_a_consultation_taken_offline_are_gone(role):
    proposal = factories.ProposalFactory()
    proposal.consultation.unpublish()
    viewer = {"anonymous": None, "citizen": factories.citizen(), "author": proposal.author}[role]
    assert_error(client_for(viewer).get(f"/api/v1/proposals/{proposal.pk}/"), 404, "not_found")
    assert_error(
        client_for(viewer).post(f"/api/v1/proposals/{proposal.pk}/support/"),
        404 if viewer else 401,
        "not_found" if viewer else "not_authenticated",
    )


def test_moderators_still_find_proposals_of_a_consultation_taken_offline(moderator):
    proposal = factories.ProposalFactory()
    proposal.consultation.unpublish()
    assert client_for(moderator).get(f"/api/v1/proposals/{proposal.pk}/").status_code == 200
