"""The pages people read signed in: their queries do not grow with what they list, and a session's roles
are read with the person, again on every request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cocreate.accounts.roles import MODERATORS_GROUP
from tests.frontend.test_consultation_page_size import publish
from tests.support import factories

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
