"""Hidden pending review over HTTP: reports through the API hide an item at the consultation's number; the
public reads it as any hidden item; its author is told it is under review; the moderation API shows the
state and only moderators decide."""

import pytest

from proposals.models import UNDER_REVIEW_NOTE, Visibility
from proposals.services import comment_moderate, comment_post, flag_create
from tests.support import factories
from tests.support.api import assert_error, client_for

pytestmark = pytest.mark.django_db

N = 2
QUEUE = "/api/v1/moderation/queue/"


@pytest.fixture
def proposal():
    return factories.ProposalFactory(consultation=factories.consultation(auto_hide_reports=N))


def flag_url(item) -> str:
    kind = "comments" if hasattr(item, "parent_id") else "proposals"
    return f"/api/v1/{kind}/{item.pk}/flag/"


def report_through_the_api(item, times: int) -> None:
    for _ in range(times):
        response = client_for(factories.citizen()).post(flag_url(item), {"reason": "abuse"}, format="json")
        assert response.status_code == 201, response.content


def test_the_nth_report_takes_the_proposal_out_of_public_reach(api, proposal):
    detail = f"/api/v1/proposals/{proposal.pk}/"
    listed = f"/api/v1/consultations/{proposal.consultation_id}/proposals/"
    search = "/api/v1/search/?q=bicycles"
    type(proposal).objects.filter(pk=proposal.pk).update(title="Bicycles for the staff")
    report_through_the_api(proposal, N - 1)
    assert api.get(detail).status_code == 200
    assert [p["id"] for p in api.get(search).json()["results"]] == [proposal.pk]

    report_through_the_api(proposal, 1)

    assert api.get(detail).status_code == 404
    assert client_for(factories.citizen()).get(detail).status_code == 404
    assert api.get(listed).json()["results"] == []
    assert api.get(search).json()["results"] == []
    # Later reports find it gone, as for any hidden proposal.
    refused = client_for(factories.citizen()).post(flag_url(proposal), {"reason": "spam"}, format="json")
    assert refused.status_code == 404


def test_its_author_reads_that_it_is_under_review_not_rejected(proposal):
    report_through_the_api(proposal, N)
    body = client_for(proposal.author).get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert body["visibility"] == Visibility.HIDDEN
    assert body["moderation_reason"] == str(UNDER_REVIEW_NOTE)
    assert "not a decision" in body["moderation_reason"]


def test_a_comment_hidden_pending_review_reads_as_any_hidden_comment(api, proposal):
    moderator = factories.moderator()
    by_reports = comment_post(author=factories.citizen(), proposal=proposal, body="Rude words.")
    by_moderator = comment_post(author=factories.citizen(), proposal=proposal, body="Other rude words.")
    for parent in (by_reports, by_moderator):
        comment_post(author=factories.citizen(), proposal=proposal, body="A reply.", parent=parent)
    comment_moderate(actor=moderator, comment=by_moderator, action="hide", reason="Insults.")
    report_through_the_api(by_reports, N)

    for reader in (api, client_for(factories.citizen())):
        first, second = reader.get(f"/api/v1/proposals/{proposal.pk}/comments/").json()["results"]
        unlike = {"id", "created_at", "replies"}
        assert {k: v for k, v in first.items() if k not in unlike} == {
            k: v for k, v in second.items() if k not in unlike
        }
        assert (first["visibility"], first["body"], first["moderation_reason"]) == ("hidden", "", "")
    # Its author reads the text, and that it waits for review.
    mine = client_for(by_reports.author).get(f"/api/v1/comments/{by_reports.pk}/").json()
    assert (mine["body"], mine["moderation_reason"]) == ("Rude words.", str(UNDER_REVIEW_NOTE))


def test_the_moderation_queue_shows_the_state_first(proposal):
    moderator = factories.moderator()
    older = factories.ProposalFactory(consultation=proposal.consultation)
    flag_create(reporter=factories.citizen(), proposal=older, reason="spam")
    report_through_the_api(proposal, N)

    results = client_for(moderator).get(QUEUE).json()["results"]

    assert [(r["id"], r["under_review"], r["visibility"]) for r in results] == [
        (proposal.pk, True, "hidden"),
        (older.pk, False, "published"),
    ]
    assert results[0]["auto_hidden_at"] and results[1]["auto_hidden_at"] is None
    assert results[0]["open_flags"] == N and len(results[0]["reports"]) == N


def test_the_history_shows_moderators_the_automatic_hide(api, proposal):
    report_through_the_api(proposal, N)
    moderator = factories.moderator()
    entries = client_for(moderator).get(f"/api/v1/proposals/{proposal.pk}/history/").json()
    assert [(e["action"], e["action_label"], e["actor_role"]) for e in entries] == [
        ("auto_hidden", "Hidden automatically after reports, pending review", "platform")
    ]
    assert client_for(proposal.author).get(f"/api/v1/proposals/{proposal.pk}/history/").json() == []


@pytest.mark.parametrize("role", ["author", "citizen", "unverified_citizen"])
def test_only_moderators_restore_it(proposal, role):
    report_through_the_api(proposal, N)
    user = proposal.author if role == "author" else getattr(factories, role)()
    url = f"/api/v1/proposals/{proposal.pk}/moderation/"
    response = client_for(user).post(url, {"action": "restore"}, format="json")
    assert response.status_code in (403, 404), response.content
    proposal.refresh_from_db()
    assert proposal.under_review

    response = client_for(factories.moderator()).post(url, {"action": "restore"}, format="json")
    assert response.status_code == 200, response.content
    proposal.refresh_from_db()
    assert proposal.is_published and not proposal.under_review


def test_the_author_gets_403_restoring_their_own(proposal):
    report_through_the_api(proposal, N)
    url = f"/api/v1/proposals/{proposal.pk}/moderation/"
    assert_error(
        client_for(proposal.author).post(url, {"action": "restore"}, format="json"), 403, "forbidden"
    )


def test_confirming_needs_a_reason(proposal):
    report_through_the_api(proposal, N)
    url = f"/api/v1/proposals/{proposal.pk}/moderation/"
    moderator = client_for(factories.moderator())
    assert_error(moderator.post(url, {"action": "hide"}, format="json"), 400, "invalid", ["reason"])
    response = moderator.post(url, {"action": "hide", "reason": "Threats."}, format="json")
    assert response.status_code == 200
    assert response.json()["moderation_reason"] == "Threats."


def test_dismissing_its_reports_is_409_under_review(proposal):
    report_through_the_api(proposal, N)
    response = client_for(factories.moderator()).post(
        f"/api/v1/proposals/{proposal.pk}/dismiss-flags/", {}, format="json"
    )
    assert_error(response, 409, "under_review")


def test_the_consultation_says_its_number(api, proposal):
    never = factories.consultation(auto_hide_reports=None, title="Housing allowance")
    assert api.get(f"/api/v1/consultations/{proposal.consultation_id}/").json()["auto_hide_reports"] == N
    assert api.get(f"/api/v1/consultations/{never.pk}/").json()["auto_hide_reports"] is None
