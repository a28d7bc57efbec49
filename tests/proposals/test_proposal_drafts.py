"""Drafts: a citizen saves a proposal unfinished and comes back to it. Theirs alone (not in lists, search,
open data or counts); submitted through proposal_submit, with its checks and moderation."""

import pytest

from cms.models import ModerationMode
from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError
from proposals import selectors
from proposals.models import Proposal, ProposalDraft, Visibility
from proposals.services import DRAFTS_MAX, draft_delete, draft_get, draft_save, draft_submit
from tests.support import factories

pytestmark = pytest.mark.django_db


def test_an_unfinished_draft_is_saved_and_changed(citizen, consultation):
    draft = draft_save(author=citizen, consultation=consultation, title="  Call back ", summary="", body="")
    assert (draft.title, draft.summary) == ("Call back", "")
    draft = draft_save(author=citizen, consultation=consultation, draft=draft, title="Call back", body="Why.")
    assert ProposalDraft.objects.get().body == "Why."
    assert not Proposal.objects.exists()


def test_an_empty_draft_or_too_long_text_is_refused(citizen, consultation):
    with pytest.raises(ServiceError):
        draft_save(author=citizen, consultation=consultation, title=" ", summary="", body="")
    with pytest.raises(ServiceError) as refused:
        draft_save(author=citizen, consultation=consultation, title="x" * 141)
    assert "title" in refused.value.fields
    assert not ProposalDraft.objects.exists()


def test_only_its_author_reads_changes_or_deletes_it(citizen, consultation):
    draft = draft_save(author=citizen, consultation=consultation, title="Mine")
    for other in (factories.citizen(), factories.moderator(), factories.official()):
        with pytest.raises(NotFound):
            draft_get(author=other, draft_id=draft.pk)
        with pytest.raises(NotFound):
            draft_save(author=other, consultation=consultation, draft=draft, title="Theirs")
        with pytest.raises(NotFound):
            draft_delete(author=other, draft=draft)
        with pytest.raises(NotFound):
            draft_submit(author=other, draft=draft, title="T", summary="S", body="B")
    assert ProposalDraft.objects.get().title == "Mine"


def test_drafts_are_in_no_list_and_no_count(citizen, consultation):
    draft_save(author=citizen, consultation=consultation, title="Mine")
    assert list(selectors.proposal_list(consultation_id=consultation.pk, user=citizen)) == []
    assert [d.title for d in selectors.draft_list(author=citizen, consultation_id=consultation.pk)] == [
        "Mine"
    ]
    assert list(selectors.draft_list(author=factories.citizen(), consultation_id=consultation.pk)) == []


def test_submitting_goes_through_submission_and_the_draft_goes(citizen):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    draft = draft_save(author=citizen, consultation=consultation, title="Call back")
    proposal = draft_submit(author=citizen, draft=draft, title="Call back", summary="No queue.", body="Why.")
    assert proposal.visibility == Visibility.PENDING  # the consultation's moderation, as any proposal
    assert not ProposalDraft.objects.exists()


def test_an_unfinished_submission_keeps_the_draft(citizen, consultation):
    draft = draft_save(author=citizen, consultation=consultation, title="Call back")
    with pytest.raises(ServiceError):
        draft_submit(author=citizen, draft=draft, title="Call back", summary="", body="")
    assert ProposalDraft.objects.exists() and not Proposal.objects.exists()


def test_drafts_ask_what_submitting_asks(consultation):
    with pytest.raises(NotAllowed) as refused:
        draft_save(author=factories.unverified_citizen(), consultation=consultation, title="T")
    assert refused.value.code == "email_unverified"
    closed = factories.consultation(open_now=False)
    with pytest.raises(Conflict) as refused:
        draft_save(author=factories.citizen(), consultation=closed, title="T")
    assert refused.value.code == "consultation_closed"


def test_a_person_keeps_a_bounded_number_of_drafts(citizen, consultation):
    ProposalDraft.objects.bulk_create(
        ProposalDraft(author=citizen, consultation=consultation, title=f"D{i}") for i in range(DRAFTS_MAX)
    )
    with pytest.raises(ServiceError) as refused:
        draft_save(author=citizen, consultation=consultation, title="One more")
    assert refused.value.code == "too_many_drafts"
