"""The pages people read signed in: their queries do not grow with what they list, each reader sees their
own support controls on cards kept for everyone, and a session's roles are read again on every request."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cocreate.accounts.roles import MODERATORS_GROUP
from proposals.models import Proposal
from tests.support import factories
from tests.support.factories import published_many as publish
from votes.models import Support

pytestmark = pytest.mark.django_db

# Every query of a signed-in render, whatever the number of proposals or comments. If a change adds one,
# it adds it to every signed-in page: say why in the change and raise the number there.
CONSULTATION_QUERIES = 24
PROPOSAL_QUERIES = 20


def queries(client, url: str) -> list[str]:
    client.get(url)  # the first request fills the per-process caches (Wagtail's site, content types)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def card(response, proposal) -> str:
    found = re.search(
        rf'<article class="proposal-card" data-proposal-id="{proposal.pk}".*?</article>',
        response.content.decode(),
        flags=re.S,
    )
    assert found, f"no card for {proposal.title}"
    return found[0]


def test_the_consultation_page_costs_the_same_queries_for_a_half_and_a_full_page(
    client_for, consultation, citizen
):
    client = client_for(citizen)
    publish(consultation, 10, supporter=citizen)
    assert len(queries(client, consultation.url)) == CONSULTATION_QUERIES

    publish(consultation, 10, first=11, supporter=citizen)

    assert len(queries(client, consultation.url)) == CONSULTATION_QUERIES


def test_the_proposal_page_costs_the_same_queries_whatever_its_thread(client_for, consultation, citizen):
    client = client_for(citizen)
    (proposal, *_others) = publish(consultation, 10, supporter=citizen)
    for _ in range(3):
        factories.a_comment(proposal)
    url = proposal.get_absolute_url()
    assert len(queries(client, url)) == PROPOSAL_QUERIES

    publish(consultation, 10, first=11)
    for _ in range(6):
        factories.a_comment(proposal)

    assert len(queries(client, url)) == PROPOSAL_QUERIES


def test_a_session_reads_the_person_and_their_roles_in_one_query(client_for, consultation, moderator):
    (proposal,) = publish(consultation, 1)

    sent = queries(client_for(moderator), proposal.get_absolute_url())

    assert not [sql for sql in sent if '"auth_group"' in sql and "EXISTS" not in sql]
    assert not [sql for sql in sent if sql.lstrip().startswith('SELECT 1 AS "a" FROM "account_emailaddress"')]


def test_a_role_taken_away_counts_at_the_next_request(client_for, consultation, moderator):
    (proposal,) = publish(consultation, 1)
    factories.a_comment(proposal)
    client = client_for(moderator)
    assert 'class="comment__moderation"' in client.get(proposal.get_absolute_url()).content.decode()

    moderator.groups.remove(moderator.groups.get(name=MODERATORS_GROUP))

    assert 'class="comment__moderation"' not in client.get(proposal.get_absolute_url()).content.decode()


def test_a_deactivated_account_is_signed_out_at_the_next_request(client_for, consultation, citizen):
    client = client_for(citizen)
    assert "Submit a proposal" in client.get(consultation.url).content.decode()

    type(citizen).objects.filter(pk=citizen.pk).update(is_active=False)

    assert "Sign in to submit and support proposals." in client.get(consultation.url).content.decode()


def test_each_reader_sees_their_own_support_control_on_a_kept_card(client_for, consultation):
    (proposal,) = publish(consultation, 1)
    ana, ben, unverified = factories.citizen(), factories.citizen(), factories.unverified_citizen()
    Support.objects.create(proposal=proposal, user=ana)
    withdraw = f'action="/proposals/{proposal.pk}/support/withdraw/"'

    # Each in turn, twice: the second time every card's public part comes from what was kept.
    for _ in range(2):
        ana_card = card(client_for(ana).get(consultation.url), proposal)
        ben_card = card(client_for(ben).get(consultation.url), proposal)
        unverified_card = card(client_for(unverified).get(consultation.url), proposal)
        visitor_card = card(client_for().get(consultation.url), proposal)

        assert withdraw in ana_card and 'data-supported="true"' in ana_card
        assert withdraw not in ben_card and 'data-supported="false"' in ben_card
        assert "csrfmiddlewaretoken" in ana_card and "csrfmiddlewaretoken" in ben_card
        assert "Confirm your e-mail address" in unverified_card and "<form" not in unverified_card
        assert "csrfmiddlewaretoken" not in visitor_card and 'action="/accounts/login/"' in visitor_card


def test_a_kept_card_shows_what_changed_since(client_for, consultation, citizen):
    (proposal,) = publish(consultation, 1)
    client = client_for(citizen)
    assert "Idea 1" in card(client.get(consultation.url), proposal)

    Proposal.objects.filter(pk=proposal.pk).update(
        title="Idea one, reworded", supports_count=4321, supports_version=7, status="accepted"
    )

    shown = card(client.get(consultation.url), proposal)
    assert "Idea one, reworded" in shown and "4321" in shown and 'data-version="7"' in shown
    assert "badge--accepted" in shown


def test_a_kept_card_is_in_the_language_of_each_reader(client_for, consultation, citizen):
    (proposal,) = publish(consultation, 1)
    english = card(client_for(citizen).get(consultation.url), proposal)
    french_client = client_for(citizen)
    french_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    french = card(french_client.get(consultation.url), proposal)

    assert "supports" in english and "soutiens" in french
    again = card(client_for(citizen).get(consultation.url), proposal)
    assert "supports" in again and "soutiens" not in again
