"""Editing a proposal through its page, without JavaScript: the author's link and form, the refusals said in
words, and the public history of the changes, word by word, escaped, with words for screen readers."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cms.models import ModerationMode
from proposals.models import Proposal, ProposalVersion, Visibility
from proposals.services import proposal_edit, proposal_moderate, proposal_submit
from tests.support import factories
from tests.support.pages import visible_text
from votes.models import Support
from votes.services import support_add

pytestmark = pytest.mark.django_db


def edit_url(proposal) -> str:
    return reverse("proposal_edit", args=[proposal.pk])


def detail(client, proposal):
    return client.get(reverse("proposal_detail", args=[proposal.pk]))


def revisions_html(response) -> str:
    match = re.search(r'<section class="history revisions".*?</section>', response.content.decode(), re.S)
    return match.group(0) if match else ""


@pytest.fixture
def proposal(citizen, consultation):
    return proposal_submit(
        author=citizen, consultation=consultation, title="Book a call back", summary="No queue.", body="B."
    )


def test_the_author_sees_the_link_and_the_filled_form(client_for, citizen, proposal):
    assert f'href="{edit_url(proposal)}"' in detail(client_for(citizen), proposal).content.decode()
    response = client_for(citizen).get(edit_url(proposal))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Book a call back"' in html
    assert "while nobody else supports it" in visible_text(response)


def test_others_see_no_link_and_are_refused(client_for, proposal):
    other = client_for(factories.citizen())
    assert edit_url(proposal) not in detail(other, proposal).content.decode()
    assert edit_url(proposal) not in detail(client_for(), proposal).content.decode()
    response = other.post(edit_url(proposal), {"title": "Mine", "summary": "S", "body": "B"})
    assert response.status_code == 403
    assert "Only its authors can edit a proposal." in visible_text(response)
    assert Proposal.objects.get(pk=proposal.pk).title == "Book a call back"


def test_a_visitor_is_sent_to_sign_in(client, proposal):
    response = client.get(edit_url(proposal))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_the_author_saves_and_the_history_shows_what_changed(client_for, citizen, proposal):
    client = client_for(citizen)
    data = {"title": "Book a <video> call back", "summary": "No queue.", "body": "Better details."}
    response = client.post(edit_url(proposal), data, follow=True)
    assert "Your proposal is updated." in visible_text(response)
    history = revisions_html(response)
    assert '<ins><span class="visually-hidden">[added: </span>&lt;video&gt; <span' in history
    assert "<video>" not in history  # the author's text is escaped
    assert "The details were changed." in history
    assert "Summary:" not in history  # unchanged: not shown
    # Visitors read the same history.
    assert "&lt;video&gt;" in revisions_html(detail(client_for(), proposal))


def test_a_removed_word_is_named_for_screen_readers(client_for, citizen, proposal):
    proposal_edit(actor=citizen, proposal=proposal, title="Book a call")
    history = revisions_html(detail(client_for(), proposal))
    hidden = '<span class="visually-hidden">'
    assert f"<del>{hidden}[removed: </span> back{hidden}]</span></del>" in history


def test_an_invalid_form_keeps_the_text_and_writes_nothing(client_for, citizen, proposal):
    response = client_for(citizen).post(edit_url(proposal), {"title": "", "summary": "S", "body": "B"})
    assert response.status_code == 200
    assert "Please correct the following" in visible_text(response)
    assert ProposalVersion.objects.count() == 1


def test_after_the_window_the_author_reads_why(client_for, citizen, proposal, settings):
    settings.PROPOSAL_EDIT_WINDOW_MINUTES = 60
    support_add(user=factories.citizen(), proposal=proposal)
    Support.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    client = client_for(citizen)
    assert edit_url(proposal) not in detail(client, proposal).content.decode()
    response = client.post(edit_url(proposal), {"title": "Late", "summary": "S", "body": "B"})
    assert response.status_code == 409
    assert "can no longer be edited" in visible_text(response)
    assert Proposal.objects.get(pk=proposal.pk).title == "Book a call back"


def test_within_the_window_the_page_says_until_when(client_for, citizen, proposal):
    support_add(user=factories.citizen(), proposal=proposal)
    response = client_for(citizen).get(edit_url(proposal))
    assert "you may still edit it until" in visible_text(response)


def test_pre_moderation_the_author_is_told_it_goes_back_to_review(client_for, citizen, moderator):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    proposal = proposal_submit(author=citizen, consultation=consultation, title="T", summary="S", body="B")
    proposal_moderate(actor=moderator, proposal=proposal, action="approve")
    client = client_for(citizen)
    assert "A moderator reads each change" in visible_text(client.get(edit_url(proposal)))
    response = client.post(edit_url(proposal), {"title": "T2", "summary": "S", "body": "B"}, follow=True)
    assert "A moderator will read them" in visible_text(response)
    assert Proposal.objects.get(pk=proposal.pk).visibility == Visibility.PENDING


def test_the_page_in_french(client_for, citizen, proposal):
    client = client_for(citizen, HTTP_ACCEPT_LANGUAGE="fr")
    text = visible_text(client.get(edit_url(proposal)))
    assert "Modifier votre proposition" in text
    proposal_edit(actor=citizen, proposal=proposal, title="Book a call")
    history = revisions_html(client.get(reverse("proposal_detail", args=[proposal.pk])))
    assert "Modifications par l’auteur" in history and "[supprimé\u00a0: " in history
