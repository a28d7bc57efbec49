"""The co-authors' API: /api/v1/proposals/{id}/coauthors/ (list, invite, cancel, remove, leave) and
/api/v1/me/coauthor-invitations/ (the person's open invitations, accept, decline). Every role both ways."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from proposals.models import AuditEntry, ProposalCoauthor
from proposals.services.coauthors import coauthor_invite
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for

pytestmark = pytest.mark.django_db


def url(proposal, row=None):
    base = f"/api/v1/proposals/{proposal.pk}/coauthors/"
    return base if row is None else f"{base}{row.pk}/"


def test_the_author_invites_and_reads_the_addresses(
    author, proposal, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(author).post(url(proposal), {"email": "Friend@Example.org"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["email"], body["name"]) == ("invited", "Friend@Example.org", None)
    assert [m.to for m in mailoutbox] == [["Friend@Example.org"]]
    [listed] = client_for(author).get(url(proposal)).json()
    assert listed["email"] == "Friend@Example.org"


def test_the_answer_is_the_same_whether_the_address_has_an_account(author, proposal, ben):
    with_account = client_for(author).post(url(proposal), {"email": ben.email}, format="json").json()
    without = client_for(author).post(url(proposal), {"email": "nobody@example.net"}, format="json").json()
    assert set(with_account) == set(without)
    assert {k: v for k, v in with_account.items() if k not in ("id", "email", "created_at")} == {
        k: v for k, v in without.items() if k not in ("id", "email", "created_at")
    }


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_nobody_else_invites(role, as_role, proposal):
    _user, client = as_role(role)
    assert_error(client.post(url(proposal), {"email": "x@example.org"}, format="json"), 403, "not_author")
    assert not ProposalCoauthor.objects.exists()


def test_a_visitor_is_asked_to_sign_in(proposal):
    assert_error(
        client_for(None).post(url(proposal), {"email": "x@example.org"}, format="json"),
        401,
        "not_authenticated",
    )


def test_a_coauthor_does_not_invite(author, proposal, ben):
    factories.coauthor(proposal, ben)
    response = client_for(ben).post(url(proposal), {"email": "x@example.org"}, format="json")
    assert_error(response, 403, "not_author")


@pytest.mark.parametrize(
    ("email", "status", "code"),
    [
        ("not-an-address", 400, "invalid"),
        ("ana@example.org", 409, "own_address"),
    ],
)
def test_refused_invitations(author, proposal, email, status, code):
    assert_error(client_for(author).post(url(proposal), {"email": email}, format="json"), status, code)


def test_invited_twice_and_the_limit(author, proposal, settings):
    settings.PROPOSAL_COAUTHORS_MAX = 1
    client = client_for(author)
    client.post(url(proposal), {"email": "one@example.org"}, format="json")
    assert_error(
        client.post(url(proposal), {"email": "ONE@example.org"}, format="json"), 409, "already_invited"
    )
    assert_error(
        client.post(url(proposal), {"email": "two@example.org"}, format="json"), 409, "too_many_coauthors"
    )


def test_the_email_is_required(author, proposal):
    assert_error(client_for(author).post(url(proposal), {}, format="json"), 400, "invalid", fields=["email"])


def test_everyone_reads_the_coauthors_and_nobody_else_the_addresses(author, proposal, ben):
    factories.coauthor(proposal, ben)
    coauthor_invite(actor=author, proposal=proposal, email="pending@example.org")
    for client in (
        client_for(None),
        client_for(factories.citizen()),
        client_for(ben),
        client_for(factories.moderator()),
    ):
        body = client.get(url(proposal)).json()
        assert [(row["name"], row["email"], row["state"]) for row in body] == [("Ben", None, "accepted")]
    detail = client_for(None).get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert (detail["author_name"], detail["coauthor_names"]) == ("Ana", ["Ben"])
    history = client_for(None).get(f"/api/v1/proposals/{proposal.pk}/history/").json()
    assert [e["action"] for e in history] == ["coauthor_joined"]


def test_the_coauthor_edits_through_the_api(author, proposal, ben):
    factories.coauthor(proposal, ben)
    response = client_for(ben).patch(f"/api/v1/proposals/{proposal.pk}/", {"title": "Better"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Better"
    response = client_for(ben).post(
        f"/api/v1/proposals/{proposal.pk}/withdraw/", {"reason": "No."}, format="json"
    )
    assert_error(response, 403, "not_author")


def test_an_invited_person_who_has_not_accepted_does_not_edit(author, proposal, ben):
    coauthor_invite(actor=author, proposal=proposal, email=ben.email)
    response = client_for(ben).patch(f"/api/v1/proposals/{proposal.pk}/", {"title": "Mine"}, format="json")
    assert_error(response, 403, "not_author")


def test_removing_cancelling_and_leaving(author, proposal, ben):
    carl = factories.citizen(email="carl@example.org")
    ben_row, carl_row = factories.coauthor(proposal, ben), factories.coauthor(proposal, carl)
    pending = coauthor_invite(actor=author, proposal=proposal, email="pending@example.org")
    for someone in (factories.citizen(), factories.moderator(), factories.official(), carl):
        assert_error(client_for(someone).delete(url(proposal, ben_row)), 403, "not_author")
    assert_error(client_for(None).delete(url(proposal, ben_row)), 401, "not_authenticated")
    assert client_for(ben).delete(url(proposal, ben_row)).status_code == 204
    assert client_for(author).delete(url(proposal, carl_row)).status_code == 204
    assert client_for(author).delete(url(proposal, pending)).status_code == 204
    assert_error(client_for(author).delete(url(proposal, pending)), 404, "not_found")
    assert not ProposalCoauthor.objects.exists()
    assert AuditEntry.objects.filter(action="coauthor_left").count() == 2


def test_my_invitations_and_answering_them(author, proposal, ben):
    row = coauthor_invite(actor=author, proposal=proposal, email=ben.email)
    [mine] = client_for(ben).get("/api/v1/me/coauthor-invitations/").json()
    assert (mine["id"], mine["proposal"], mine["invited_by"], mine["state"]) == (
        row.pk,
        proposal.pk,
        "Ana",
        "invited",
    )
    assert mine["url"] == f"/proposals/{proposal.pk}/coauthor-invitation/"
    for someone in (author, factories.citizen(), factories.moderator()):
        assert client_for(someone).get("/api/v1/me/coauthor-invitations/").json() == []
        response = client_for(someone).post(f"/api/v1/me/coauthor-invitations/{row.pk}/accept/")
        assert_error(response, 404, "not_found")
    assert_error(
        client_for(None).post(f"/api/v1/me/coauthor-invitations/{row.pk}/accept/"), 401, "not_authenticated"
    )
    response = client_for(ben).post(f"/api/v1/me/coauthor-invitations/{row.pk}/accept/")
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    assert_error(
        client_for(ben).post(f"/api/v1/me/coauthor-invitations/{row.pk}/decline/"), 409, "invitation_not_open"
    )
    assert client_for(ben).get("/api/v1/me/coauthor-invitations/").json() == []


def test_an_unconfirmed_address_does_not_answer(author, proposal):
    unsure = factories.unverified_citizen(email="unsure@example.org")
    row = coauthor_invite(actor=author, proposal=proposal, email=unsure.email)
    assert client_for(unsure).get("/api/v1/me/coauthor-invitations/").json() == []
    assert_error(
        client_for(unsure).post(f"/api/v1/me/coauthor-invitations/{row.pk}/accept/"), 404, "not_found"
    )


def test_declining(author, proposal, ben):
    row = coauthor_invite(actor=author, proposal=proposal, email=ben.email)
    response = client_for(ben).post(f"/api/v1/me/coauthor-invitations/{row.pk}/decline/")
    assert response.status_code == 200 and response.json()["state"] == "declined"
    [listed] = client_for(author).get(url(proposal)).json()
    assert listed["state"] == "declined"
    assert not AuditEntry.objects.filter(public=True).exists()


def test_accepting_once_the_consultation_closed(author, ben):
    consultation = factories.consultation()
    proposal = factories.ProposalFactory(author=author, consultation=consultation)
    row = coauthor_invite(actor=author, proposal=proposal, email=ben.email)
    type(consultation).objects.filter(pk=consultation.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    response = client_for(ben).post(f"/api/v1/me/coauthor-invitations/{row.pk}/accept/")
    assert_error(response, 409, "consultation_closed")


def test_invitations_are_rate_limited(author, monkeypatch):
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {"coauthor_invite": "2/hour", "coauthor_invite_address": "9/hour"},
    )
    client = client_for(author)
    proposals = [factories.ProposalFactory(author=author) for _ in range(3)]
    for proposal in proposals[:2]:
        assert client.post(url(proposal), {"email": "x@example.org"}, format="json").status_code == 201
    assert_error(
        client.post(url(proposals[2]), {"email": "x@example.org"}, format="json"), 429, "rate_limited"
    )
    assert ProposalCoauthor.objects.count() == 2
