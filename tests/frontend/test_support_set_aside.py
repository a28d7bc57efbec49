"""A citizen whose support an official set aside reads it on the proposal's page: when, and why, in their
language, even once the consultation closed; nobody else reads it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support import factories
from tests.support.pages import visible_text, visible_text_with_nbsp
from votes.invalidations import supports_invalidate
from votes.services import support_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def set_aside():
    proposal = factories.ProposalFactory()
    bot, honest = factories.citizen(email="bot@spam.example"), factories.citizen(email="ana@example.org")
    for citizen in (bot, honest):
        support_add(user=citizen, proposal=proposal)
    supports_invalidate(
        actor=factories.official(), proposal=proposal, reason="Made by a <script>.", domains=["spam.example"]
    )
    return proposal, bot, honest


def page(client, user, proposal, **headers):
    client.force_login(user)
    return client.get(proposal.get_absolute_url(), headers=headers)


def test_the_citizen_reads_when_and_why_their_support_was_set_aside(client, set_aside):
    proposal, bot, _honest = set_aside
    response = page(client, bot, proposal)
    text = visible_text(response)
    assert "Your support was set aside on " in text
    assert "and no longer counts: Made by a <script>." in text
    html = response.content.decode()
    assert 'data-role="support-set-aside"' in html and "<time datetime=" in html
    assert "Made by a &lt;script&gt;." in html


def test_in_french(client, set_aside):
    proposal, bot, _honest = set_aside
    text = visible_text_with_nbsp(page(client, bot, proposal, **{"accept-language": "fr"}))
    assert "Votre soutien a été écarté le " in text
    assert "et ne compte plus\u00a0: Made by a <script>." in text


def test_a_supporter_whose_support_counts_and_a_visitor_read_nothing_of_it(client, set_aside):
    proposal, _bot, honest = set_aside
    assert "set aside on" not in visible_text(page(client, honest, proposal))
    client.logout()
    assert 'data-role="support-set-aside"' not in client.get(proposal.get_absolute_url()).content.decode()


def test_it_is_still_said_once_the_consultation_closed(client, set_aside):
    proposal, bot, _honest = set_aside
    consultation = proposal.consultation
    consultation.closes_at = timezone.now() - timedelta(hours=1)
    consultation.save(update_fields=["closes_at"])
    assert "Your support was set aside on " in visible_text(page(client, bot, proposal))
