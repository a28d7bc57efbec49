"""French wording that English hides: a comment is masculine and a proposal feminine (« masqué »,
« masquée »), a colon and quotes take no-break spaces (« : », « … »), thousands are grouped (2 000), and each
count agrees with its own words. Each case also checks that the English is unchanged."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from frontend.forms import CommentForm
from proposals.models import AuditEntry, Comment, Status, Visibility
from tests.support import factories
from tests.support.pages import NB, NNB, visible_text, visible_text_with_nbsp

pytestmark = pytest.mark.django_db

FRENCH = {"accept-language": "fr-FR,fr;q=0.9"}


def test_comments_and_proposals_agree_with_their_own_gender():
    proposal = factories.ProposalFactory(visibility=Visibility.HIDDEN)
    comment = Comment.objects.create(proposal=proposal, body="x", visibility=Visibility.HIDDEN)
    on_proposal = AuditEntry(proposal=proposal, action="hidden", from_value="published", to_value="hidden")
    on_comment = AuditEntry(
        proposal=proposal, comment=comment, action="approved", from_value="pending", to_value="published"
    )
    with translation.override("fr"):
        assert proposal.get_visibility_display() == "Masquée par la modération"
        assert comment.get_visibility_display() == "Masqué par la modération"
        assert on_proposal.get_action_display() == "Masquée par la modération"
        assert on_proposal.to_label == "Masquée par la modération"
        assert on_comment.get_action_display() == "Approuvé par la modération"
        assert on_comment.to_label == "Publié"
    with translation.override("en"):
        assert comment.get_visibility_display() == proposal.get_visibility_display() == "Hidden by moderation"
        assert on_comment.get_action_display() == "Approved by moderation"
        assert on_comment.to_label == "Published"
    status = AuditEntry(proposal=proposal, action="status_changed", from_value="open", to_value="accepted")
    assert status.to_label == str(Status.ACCEPTED.label)


def test_the_moderation_queue_labels_a_comment_in_the_masculine():
    comment = Comment.objects.create(
        proposal=factories.ProposalFactory(), author=factories.citizen(), body="Spam?", visibility="pending"
    )
    client = Client(headers=FRENCH)
    client.force_login(factories.moderator())
    text = visible_text_with_nbsp(client.get(reverse("cms_proposals:index")))
    assert "Commentaire · En attente de modération" in text
    assert comment.body in text


def test_the_admin_history_puts_the_colon_in_the_translation():
    proposal = factories.ProposalFactory()
    AuditEntry.objects.create(
        proposal=proposal,
        actor_role="moderator",
        actor_name="Mo",
        action="hidden",
        from_value="published",
        to_value="hidden",
        reason="Spam.",
    )
    moderator = factories.moderator()
    french, english = Client(headers=FRENCH), Client(headers={"accept-language": "en"})
    for client in (french, english):
        client.force_login(moderator)
    url = reverse("cms_proposals:detail", args=[proposal.pk])
    assert f"Masquée par la modération{NB}: Publiée → Masquée par la modération" in visible_text_with_nbsp(
        french.get(url)
    )
    assert "Hidden by moderation: Published → Hidden by moderation" in visible_text(english.get(url))


def test_button_names_quote_the_title_as_each_language_does(client):
    proposal = factories.ProposalFactory(title="Pay faster")
    url = reverse("proposal_detail", args=[proposal.pk])
    french = Client(headers=FRENCH)
    french.force_login(factories.citizen())
    client.force_login(factories.citizen())
    html_fr, html_en = french.get(url).content.decode(), client.get(url).content.decode()
    assert f'<span class="visually-hidden" data-role="button-title"> «{NB}Pay faster{NB}»</span>' in html_fr
    assert '<span class="visually-hidden" data-role="button-title"> “Pay faster”</span>' in html_en
    assert "“Pay faster”" not in html_fr


def test_character_limits_are_grouped_in_each_language():
    with translation.override("fr"):
        assert f"2{NNB}000 caractères au maximum." in str(CommentForm().fields["body"].help_text)
    with translation.override("en"):
        assert "Up to 2,000 characters." in str(CommentForm().fields["body"].help_text)


def test_the_dashboard_counts_agree_with_their_words():
    client = Client(headers=FRENCH)
    client.force_login(factories.official())
    consultation = factories.consultation()
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING, published_at=None)
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN)
    url = reverse("cms_promises:dashboard", args=[consultation.pk])
    assert f"Propositions non publiées{NB}: 1 en attente de modération, 1 masquée." in visible_text_with_nbsp(
        client.get(url)
    )
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN)
    assert (
        f"Propositions non publiées{NB}: 1 en attente de modération, 2 masquées."
        in visible_text_with_nbsp(client.get(url))
    )


def test_the_digest_reads_naturally_in_french():
    official = factories.official(language="fr", first_name="Claire", last_name="Martin")
    now = timezone.now()
    factories.ProposalFactory(
        title="Un seul formulaire",
        threshold_reached_at=now - timedelta(days=40),
        response_due_at=now - timedelta(days=2),
    )
    call_command("send_digest", stdout=StringIO())
    body = next(m for m in mail.outbox if m.to == [official.email]).body
    with translation.override("fr"):
        today = formats.date_format(timezone.localtime(now), "DATE_FORMAT")
    assert body.startswith("Bonjour Claire Martin,\n")
    assert re.search(rf"Le {today} à \d\d:\d\d, ces propositions attendent une réponse officielle{NB}:", body)
    assert f"Réponses en retard{NB}:\n- Un seul formulaire" in body
