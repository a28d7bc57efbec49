"""/api/v1/me/drafts/: a person's drafts over HTTP, theirs alone (401 signed out, 404 for anyone else's),
saved and submitted by the submit form's own service, with its checks, limits and rate limit."""

import pytest
from rest_framework.throttling import ScopedRateThrottle

from cms.models import ModerationMode
from proposals.models import Proposal, ProposalDraft, Visibility
from proposals.services import DRAFTS_MAX, draft_save
from tests.support import factories
from tests.support.api import assert_error, client_for

pytestmark = pytest.mark.django_db

DRAFTS = "/api/v1/me/drafts/"


def url(draft, tail=""):
    return f"{DRAFTS}{draft.pk}/{tail}"


@pytest.fixture
def draft(citizen, consultation):
    return draft_save(author=citizen, consultation=consultation, title="Call back", summary="No queue.")


def test_the_author_saves_lists_reads_changes_and_deletes_a_draft(citizen):
    consultation = factories.consultation(stages=("Apply",))
    api = client_for(citizen)
    created = api.post(
        DRAFTS, {"consultation": consultation.pk, "title": "  Call back ", "stage": "apply"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["title"], body["summary"], body["stage"], body["category"]) == (
        "Call back",
        "",
        "apply",
        None,
    )

    assert [d["id"] for d in api.get(DRAFTS).json()] == [body["id"]]
    changed = api.patch(f"{DRAFTS}{body['id']}/", {"body": "Why.", "category": "online"}, format="json")
    assert changed.status_code == 200, changed.content
    # What PATCH left out stays as it was.
    assert api.get(f"{DRAFTS}{body['id']}/").json() | {"updated_at": None} == body | {
        "body": "Why.",
        "category": "online",
        "updated_at": None,
    }
    assert api.delete(f"{DRAFTS}{body['id']}/").status_code == 204
    assert not ProposalDraft.objects.exists()
    assert not Proposal.objects.exists()


def test_submitting_makes_the_proposal_through_the_same_checks(citizen):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    draft = draft_save(author=citizen, consultation=consultation, title="Call back", summary="No queue.")
    api = client_for(citizen)

    # Not ready: the proposal's own required texts, and the draft stays.
    assert_error(api.post(url(draft, "submit/")), 400, "draft_incomplete", fields=["body"])
    assert ProposalDraft.objects.filter(pk=draft.pk).exists()

    api.patch(url(draft), {"body": "Why."}, format="json")
    response = api.post(url(draft, "submit/"))
    assert response.status_code == 201, response.content
    proposal = Proposal.objects.get()
    assert (response.json()["id"], proposal.title, proposal.author) == (proposal.pk, "Call back", citizen)
    assert proposal.visibility == Visibility.PENDING  # the consultation's moderation, as from the form
    assert not ProposalDraft.objects.exists()
    assert_error(api.post(url(draft, "submit/")), 404, "not_found")


def test_the_page_limits_hold(citizen, consultation):
    api = client_for(citizen)
    assert_error(
        api.post(DRAFTS, {"consultation": consultation.pk, "title": " "}, format="json"), 400, "invalid"
    )
    too_long = {"consultation": consultation.pk, "title": "x" * 141}
    assert_error(api.post(DRAFTS, too_long, format="json"), 400, "invalid", fields=["title"])
    foreign = {"consultation": consultation.pk, "title": "T", "category": "nowhere"}
    assert_error(api.post(DRAFTS, foreign, format="json"), 400, "invalid", fields=["category"])
    for i in range(DRAFTS_MAX):
        draft_save(author=citizen, consultation=consultation, title=f"Idea {i}")
    full = api.post(DRAFTS, {"consultation": consultation.pk, "title": "One more"}, format="json")
    assert_error(full, 400, "too_many_drafts")
    assert ProposalDraft.objects.count() == DRAFTS_MAX


def test_what_submitting_asks_is_asked_of_saving(consultation):
    unverified = factories.citizen(verified=False)
    data = {"consultation": consultation.pk, "title": "Call back"}
    assert_error(client_for(unverified).post(DRAFTS, data, format="json"), 403, "email_unverified")
    closed = factories.consultation(open_now=False)
    refused = client_for(factories.citizen()).post(DRAFTS, data | {"consultation": closed.pk}, format="json")
    assert_error(refused, 409, "consultation_closed")
    assert not ProposalDraft.objects.exists()


def test_anyone_else_s_draft_does_not_exist(draft):
    for other in (factories.citizen(), factories.moderator(), factories.official()):
        api = client_for(other)
        assert api.get(DRAFTS).json() == []
        assert_error(api.get(url(draft)), 404, "not_found")
        assert_error(api.patch(url(draft), {"title": "Mine"}, format="json"), 404, "not_found")
        assert_error(api.delete(url(draft)), 404, "not_found")
        assert_error(api.post(url(draft, "submit/")), 404, "not_found")
    assert ProposalDraft.objects.get().title == "Call back"
    assert not Proposal.objects.exists()


def test_signed_out_is_401(api, draft):
    assert_error(api.get(DRAFTS), 401, "not_authenticated")
    assert_error(
        api.post(DRAFTS, {"consultation": draft.consultation_id, "title": "T"}, format="json"),
        401,
        "not_authenticated",
    )
    assert_error(api.get(url(draft)), 401, "not_authenticated")
    assert_error(api.patch(url(draft), {"title": "T"}, format="json"), 401, "not_authenticated")
    assert_error(api.delete(url(draft)), 401, "not_authenticated")
    assert_error(api.post(url(draft, "submit/")), 401, "not_authenticated")
    assert ProposalDraft.objects.get().title == "Call back"


def test_saving_spends_the_submit_budget_and_changing_the_edit_one(citizen, consultation, monkeypatch):
    rates = {"proposal_submit": "2/minute", "proposal_edit": "1/minute"}
    rates.update({f"{scope}_address": "1000/minute" for scope in list(rates)})
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    api = client_for(citizen)
    data = {"consultation": consultation.pk, "title": "Call back"}
    first = api.post(DRAFTS, data, format="json").json()
    assert api.post(DRAFTS, data, format="json").status_code == 201
    assert_error(api.post(DRAFTS, data, format="json"), 429, "rate_limited")
    assert api.get(DRAFTS).status_code == 200  # reads are not counted
    assert api.patch(f"{DRAFTS}{first['id']}/", {"body": "Why."}, format="json").status_code == 200
    assert_error(api.delete(f"{DRAFTS}{first['id']}/"), 429, "rate_limited")
    assert ProposalDraft.objects.count() == 2
