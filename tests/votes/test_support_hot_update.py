"""A support moves its proposal's count without writing any index of the proposal table (a HOT update),
unless the count enters a new step of `supports_step`: a popular proposal's row is updated by every
support, and the table has nine indexes, two of them full-text. The lists' order stays the count's."""

import pytest
from django.db import connection

from proposals.models import Proposal
from proposals.selectors import proposal_list
from tests.support import factories
from votes.services import support_add

pytestmark = pytest.mark.django_db


def updates_in_this_transaction() -> tuple[int, int]:
    """The proposal table's updates so far in the test's transaction, and how many were HOT."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
            "WHERE relname = 'proposals_proposal'"
        )
        return cursor.fetchone()


def room_for_the_row_versions():
    """The test's supports run in its one transaction, so none of the row's old versions can be pruned, and
    each new one needs room on the row's page: with the table's pages filled by earlier tests, the third
    found none (an update that is not HOT for want of space, not because an index changed). Inserts made
    after this leave half of a page free; rolled back with the test. In production each support commits,
    and pruning makes the room."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE proposals_proposal SET (fillfactor = 50)")


def test_a_support_within_a_step_writes_no_index():
    room_for_the_row_versions()
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=1000))
    Proposal.objects.filter(pk=proposal.pk).update(supports_count=100)  # step 26: 90 to 106
    before = updates_in_this_transaction()
    for _ in range(3):
        support_add(user=factories.citizen(), proposal=proposal)
    updated, hot = (after - then for after, then in zip(updates_in_this_transaction(), before, strict=True))
    assert (updated, hot) == (3, 3)
    assert Proposal.objects.values_list("supports_count", "supports_step").get(pk=proposal.pk) == (103, 26)


def test_the_step_follows_the_count():
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=1000))
    Proposal.objects.filter(pk=proposal.pk).update(supports_count=106)
    support_add(user=factories.citizen(), proposal=proposal)
    assert Proposal.objects.values_list("supports_count", "supports_step").get(pk=proposal.pk) == (107, 27)


def test_most_supported_first_is_the_counts_order_within_a_step_too():
    consultation = factories.consultation()
    counts = [7, 8, 9, 100, 0, 106, 90, 8]  # 7 and 8 share a step, so do 9 and 10, and 90 to 106
    for count in counts:
        proposal = factories.ProposalFactory(consultation=consultation)
        Proposal.objects.filter(pk=proposal.pk).update(supports_count=count)
    listed = proposal_list(consultation_id=consultation.pk, user=factories.citizen(), ordering="-supports")
    assert [p.supports_count for p in listed] == sorted(counts, reverse=True)
