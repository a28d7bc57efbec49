"""Drafts on the form that submits a proposal, without JavaScript: save unfinished, come back, submit,
delete; nobody else reaches them."""

import pytest
from django.urls import reverse

from proposals.models import Proposal, ProposalDraft
from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db


def submit_url(consultation) -> str:
    return reverse("proposal_submit", args=[consultation.pk])


def test_save_unfinished_come_back_and_submit(client_for, citizen, consultation):
    client = client_for(citizen)
    response = client.post(submit_url(consultation), {"title": "Call back", "save_draft": "1"}, follow=True)
    draft = ProposalDraft.objects.get()
    assert "Your draft is saved." in visible_text(response)
    assert 'value="Call back"' in response.content.decode()  # the form, on the draft
    assert f'name="draft" value="{draft.pk}"' in response.content.decode()
    # Later: the form lists it, and it goes on.
    page = client.get(submit_url(consultation))
    assert "Your drafts" in visible_text(page) and f"?draft={draft.pk}" in page.content.decode()
    data = {"draft": draft.pk, "title": "Call back", "summary": "No queue.", "body": "Why."}
    response = client.post(submit_url(consultation), data, follow=True)
    assert "your proposal is published" in visible_text(response)
    assert Proposal.objects.get().title == "Call back" and not ProposalDraft.objects.exists()


def test_an_empty_draft_is_refused_on_the_form(client_for, citizen, consultation):
    response = client_for(citizen).post(submit_url(consultation), {"title": "", "save_draft": "1"})
    assert response.status_code == 200
    assert "Write a title, a summary or details." in visible_text(response)
    assert not ProposalDraft.objects.exists()


def test_someone_elses_draft_is_not_found(client_for, citizen, consultation):
    client_for(citizen).post(submit_url(consultation), {"title": "Mine", "save_draft": "1"})
    draft = ProposalDraft.objects.get()
    other = client_for(factories.citizen())
    assert other.get(f"{submit_url(consultation)}?draft={draft.pk}").status_code == 404
    assert "Mine" not in other.get(submit_url(consultation)).content.decode()
    assert other.post(reverse("draft_delete", args=[draft.pk])).status_code == 404
    data = {"draft": draft.pk, "title": "Mine", "summary": "S", "body": "B"}
    assert other.post(submit_url(consultation), data).status_code == 404
    assert ProposalDraft.objects.exists() and not Proposal.objects.exists()


def test_the_author_deletes_a_draft(client_for, citizen, consultation):
    client = client_for(citizen)
    client.post(submit_url(consultation), {"title": "Mine", "save_draft": "1"})
    draft = ProposalDraft.objects.get()
    response = client.post(reverse("draft_delete", args=[draft.pk]), follow=True)
    assert "Your draft is deleted." in visible_text(response)
    assert not ProposalDraft.objects.exists()


def test_drafts_are_not_on_the_consultation_page(client_for, citizen, consultation):
    client_for(citizen).post(submit_url(consultation), {"title": "Secret idea", "save_draft": "1"})
    assert "Secret idea" not in client_for(citizen).get(consultation.url).content.decode()


def test_in_french(client_for, citizen, consultation):
    client = client_for(citizen, HTTP_ACCEPT_LANGUAGE="fr")
    response = client.post(submit_url(consultation), {"title": "Rappel", "save_draft": "1"}, follow=True)
    text = visible_text(response)
    assert "Vos brouillons" in text and "Enregistrer comme brouillon" in text
