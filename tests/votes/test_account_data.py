"""A person's export says what is stored about each of their supports (votes.account_data): when, which
proposal, whether it was set aside and why, the e-mail domain and sign-up day it recorded, and whether its
address hash is still kept (never the hash). Deleting the account keeps those facts, without the person."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import ConsultationPage
from cocreate.accounts.services import account_delete, account_export
from cocreate.addresses import address_hash
from tests.support import factories
from votes.models import Invalidation, Support, SupportTally
from votes.retention import support_addresses_erase
from votes.services import support_add
from votes.tallies import tallies_rebuild

pytestmark = pytest.mark.django_db

HOME = address_hash("192.0.2.1")


def _closed(proposal, *, days_ago: int) -> None:
    closes = timezone.now() - timedelta(days=days_ago)
    ConsultationPage.objects.filter(pk=proposal.consultation_id).update(
        opens_at=closes - timedelta(days=30), closes_at=closes
    )


def _supports(user) -> dict[int, dict]:
    return {row["proposal"]["id"]: row for row in account_export(user=user)["supports"]}


@pytest.fixture
def ana():
    return factories.citizen(email="ana@old.example", date_joined=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))


def test_each_support_says_what_it_recorded_as_it_was(ana):
    closes = timezone.now() + timedelta(days=20)
    proposal = factories.ProposalFactory(consultation=factories.consultation(closes_at=closes), title="Ramps")
    support_add(user=ana, proposal=proposal, address_hash=HOME)
    ana.email = "ana@new.example"  # later changes are not what the support recorded
    ana.save()

    [row] = _supports(ana).values()

    kept_until = timezone.localdate(closes + timedelta(days=90)).isoformat()
    assert row == {
        "proposal": {"id": proposal.pk, "title": "Ramps"},
        "created_at": Support.objects.get(user=ana).created_at.isoformat(),
        "set_aside": None,
        "email_domain": "old.example",
        "joined_on": "2026-12-01",  # the day in the site's time zone (Paris)
        "address_hash": f"kept until {kept_until}",
    }
    assert HOME not in json.dumps(account_export(user=ana))


def test_a_support_set_aside_says_why_and_nothing_of_what_selected_it(ana):
    proposal = factories.ProposalFactory()
    support_add(user=ana, proposal=proposal, address_hash=HOME)
    other = address_hash("198.51.100.7")
    invalidation = Invalidation.objects.create(
        proposal=proposal,
        reason="Hundreds of supports from one address in an hour",
        criteria={"address_hashes": [HOME, other], "email_domains": ["spam.example"]},
        set_aside=1,
    )
    Support.objects.filter(user=ana).update(invalidation=invalidation)

    [row] = _supports(ana).values()

    assert row["set_aside"] == {
        "reason": "Hundreds of supports from one address in an hour",
        "at": invalidation.created_at.isoformat(),
    }
    exported = json.dumps(account_export(user=ana))
    assert other not in exported and HOME not in exported and "spam.example" not in exported


def test_the_address_hash_is_kept_then_erased_or_was_never_recorded(ana):
    erased, unrecorded, due = (factories.ProposalFactory() for _ in range(3))
    support_add(user=ana, proposal=erased, address_hash=HOME)
    support_add(user=ana, proposal=unrecorded, address_hash=None)  # no readable address
    support_add(user=ana, proposal=due, address_hash=HOME)
    _closed(erased, days_ago=91)
    support_addresses_erase()
    _closed(due, days_ago=91)  # past its retention, the job not run since: the hash is still there

    rows = _supports(ana)

    assert rows[erased.pk]["address_hash"] == "erased"
    assert rows[unrecorded.pk]["address_hash"] == "not recorded"
    closed = ConsultationPage.objects.get(pk=due.consultation_id).closes_at
    assert rows[due.pk]["address_hash"] == f"kept until {timezone.localdate(closed + timedelta(days=90))}"
    assert {row["email_domain"] for row in rows.values()} == {"old.example"}  # erasing keeps the rest


def test_the_export_reads_a_few_rows_however_many_supports(ana):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            account_export(user=ana)
        return len(captured)

    support_add(user=ana, proposal=factories.ProposalFactory(), address_hash=HOME)
    queries()  # the first export fills caches
    one = queries()
    for _ in range(3):
        proposal = factories.ProposalFactory()
        support_add(user=ana, proposal=proposal, address_hash=HOME)
        invalidation = Invalidation.objects.create(proposal=proposal, reason="test", set_aside=1)
        Support.objects.filter(user=ana, proposal=proposal).update(invalidation=invalidation)

    assert queries() == one


def test_a_deleted_accounts_supports_keep_their_facts_and_tallies(ana):
    """The supports stay, counted and tallied, without their person; the hash goes at its time."""
    proposal = factories.ProposalFactory()
    support_add(user=ana, proposal=proposal, address_hash=HOME)
    tallies = set(SupportTally.objects.filter(proposal=proposal).values_list("kind", "key", "supports"))

    account_delete(user=ana, password="correct horse battery staple")

    support = Support.objects.get(proposal=proposal)
    assert (support.user_id, support.address_hash, support.email_domain) == (None, HOME, "old.example")
    assert str(support.joined_on) == "2026-12-01"
    tallies_rebuild(proposal_id=proposal.pk)
    assert set(SupportTally.objects.filter(proposal=proposal).values_list("kind", "key", "supports")) == (
        tallies
    )
    _closed(proposal, days_ago=91)
    assert support_addresses_erase().supports == 1
    assert Support.objects.get(proposal=proposal).address_hash is None
