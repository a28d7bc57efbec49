"""A support's address hash is kept SUPPORT_ADDRESS_RETENTION_DAYS after its consultation closes, then
erased with its proposal's address tallies (votes.retention, `manage.py support_addresses_erase`); the
rest of what it records, and the tallies of it, stay."""

import itertools
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from cms.models import ConsultationPage
from cocreate.accounts.services import account_delete
from cocreate.addresses import address_hash
from tests.support import factories
from votes.models import Invalidation, Support, SupportTally, TallyKind
from votes.retention import support_addresses_erase
from votes.services import support_add, support_withdraw
from votes.tallies import tallies_rebuild

pytestmark = pytest.mark.django_db

_people = itertools.count()
ADDRESSES = ["192.0.2.1", "192.0.2.1", "192.0.2.1", "198.51.100.7", "2001:db8:1:2::9"]


def _supported(*, addresses=ADDRESSES):
    """A proposal supported from `addresses` (one citizen each) while its consultation was open."""
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=1000))
    numbers = [next(_people) for _address in addresses]
    citizens = [factories.citizen(email=f"c{n}@{'ab'[i % 2]}.example") for i, n in enumerate(numbers)]
    for citizen, address in zip(citizens, addresses, strict=True):
        support_add(user=citizen, proposal=proposal, address_hash=address_hash(address))
    return proposal, citizens


def _closed(proposal, *, days_ago: float) -> None:
    closes = timezone.now() - timedelta(days=days_ago)
    ConsultationPage.objects.filter(pk=proposal.consultation_id).update(
        opens_at=closes - timedelta(days=30), closes_at=closes
    )


def _tallies(proposal, *, kinds=tuple(TallyKind)) -> dict:
    rows = SupportTally.objects.filter(proposal=proposal, kind__in=kinds)
    return {(t.kind, t.key): (t.supports, t.invalid) for t in rows if t.supports or t.invalid}


def _hashes(proposal) -> list:
    return list(
        Support.objects.filter(proposal=proposal).order_by("pk").values_list("address_hash", flat=True)
    )


def _erase() -> str:
    out = StringIO()
    call_command("support_addresses_erase", stdout=out)
    return out.getvalue()


OTHER_KINDS = (TallyKind.HOUR, TallyKind.JOINED_ON, TallyKind.DOMAIN)


def test_supports_closed_past_the_retention_lose_their_hashes_and_address_tallies_only():
    proposal, _citizens = _supported()
    _closed(proposal, days_ago=91)
    others = _tallies(proposal, kinds=OTHER_KINDS)
    assert len(_tallies(proposal, kinds=[TallyKind.ADDRESS])) == 3

    printed = _erase()

    assert "Erased the address hashes of 5 support(s) and 3 address tally(ies) of 1 proposal(s)" in printed
    assert "more than 90 days ago" in printed
    assert _hashes(proposal) == [None] * 5
    assert not SupportTally.objects.filter(proposal=proposal, kind=TallyKind.ADDRESS).exists()
    assert _tallies(proposal) == others  # the hour, sign-up day and domain tallies as they were
    assert set(Support.objects.filter(proposal=proposal).values_list("email_domain", flat=True)) == {
        "a.example",
        "b.example",
    }
    assert Support.objects.filter(proposal=proposal, joined_on__isnull=True).count() == 0
    tallies_rebuild(proposal_id=proposal.pk)
    assert _tallies(proposal) == others  # what counting the rows again gives


@pytest.mark.parametrize("closed_days_ago", [89, None], ids=["closed 89 days ago", "still open"])
def test_supports_within_the_retention_keep_them(closed_days_ago):
    proposal, _citizens = _supported()
    if closed_days_ago is not None:
        _closed(proposal, days_ago=closed_days_ago)
    kept, tallies = _hashes(proposal), _tallies(proposal)

    assert "of 0 support(s)" in _erase()

    assert _hashes(proposal) == kept and None not in kept
    assert _tallies(proposal) == tallies


def test_only_the_proposals_past_the_retention_are_erased():
    old, _citizens = _supported()
    recent, _citizens = _supported(addresses=["203.0.113.5"])
    _closed(old, days_ago=91)
    _closed(recent, days_ago=89)

    _erase()

    assert _hashes(old) == [None] * 5
    assert None not in _hashes(recent)
    assert SupportTally.objects.filter(proposal=recent, kind=TallyKind.ADDRESS).count() == 1


def test_a_second_run_erases_nothing_more():
    proposal, _citizens = _supported()
    _closed(proposal, days_ago=91)
    _erase()
    after = _tallies(proposal)

    printed = _erase()

    assert "of 0 support(s) and 0 address tally(ies) of 0 proposal(s)" in printed
    assert _tallies(proposal) == after


@override_settings(SUPPORT_ADDRESS_RETENTION_DAYS=30)
def test_the_retention_is_a_setting():
    proposal, _citizens = _supported()
    _closed(proposal, days_ago=31)
    assert "more than 30 days ago" in _erase()
    assert _hashes(proposal) == [None] * 5


def test_supports_set_aside_and_of_deleted_accounts_are_erased_too():
    proposal, citizens = _supported()
    invalidation = Invalidation.objects.create(proposal=proposal, reason="One address", set_aside=3)
    Support.objects.filter(proposal=proposal, user__in=citizens[:3]).update(invalidation=invalidation)
    tallies_rebuild(proposal_id=proposal.pk)
    account_delete(user=citizens[4], password="correct horse battery staple")
    _closed(proposal, days_ago=91)
    others = _tallies(proposal, kinds=OTHER_KINDS)
    assert any(invalid for _valid, invalid in others.values())

    support_addresses_erase()

    assert _hashes(proposal) == [None] * 5
    assert _tallies(proposal) == others
    tallies_rebuild(proposal_id=proposal.pk)
    assert _tallies(proposal) == others


def test_small_batches_erase_the_same_and_leave_no_address_tally_behind():
    """A batch takes whole addresses (the three supports of one address go together even past the
    batch's size), and the tally a withdrawal left at zero goes too."""
    proposal, citizens = _supported()
    support_withdraw(user=citizens[3], proposal=proposal)  # its address's tally stays, at zero
    _closed(proposal, days_ago=91)
    others = _tallies(proposal, kinds=OTHER_KINDS)

    erasure = support_addresses_erase(batch=2)

    assert (erasure.proposals, erasure.supports, erasure.tallies) == (1, 4, 3)
    assert _hashes(proposal) == [None] * 4
    assert not SupportTally.objects.filter(proposal=proposal, kind=TallyKind.ADDRESS).exists()
    assert _tallies(proposal) == others


def test_address_tallies_without_supports_of_an_old_proposal_are_deleted():
    """Tallies that disagree with the rows (a bulk load never counted again) do not keep a hash alive."""
    proposal, _citizens = _supported(addresses=["192.0.2.1"])
    Support.objects.filter(proposal=proposal).update(address_hash=None)
    _closed(proposal, days_ago=91)

    assert support_addresses_erase().tallies == 1
    assert not SupportTally.objects.filter(proposal=proposal, kind=TallyKind.ADDRESS).exists()


def test_the_addresses_a_setting_aside_named_are_erased_its_reason_and_other_criteria_kept():
    old, _citizens = _supported()
    recent, _citizens = _supported(addresses=["203.0.113.5"])
    criteria = {"address_hashes": [address_hash("192.0.2.1")], "domains": ["a.example"]}
    kept = Invalidation.objects.create(proposal=recent, reason="Recent", criteria=dict(criteria))
    aside = Invalidation.objects.create(proposal=old, reason="One address", criteria=dict(criteria))
    _closed(old, days_ago=91)
    _closed(recent, days_ago=89)

    support_addresses_erase()

    aside.refresh_from_db()
    assert (aside.reason, aside.criteria) == ("One address", {"domains": ["a.example"]})
    kept.refresh_from_db()
    assert kept.criteria == criteria
    assert support_addresses_erase().proposals == 0
