"""What a support records for the fraud review (votes.models.Support, votes.tallies): the keyed hash of
the address it came from, its citizen's e-mail domain and sign-up day as they were; and the tallies that
count them, which every support, withdrawal and batch moves exactly as counting the rows again would."""

from datetime import UTC, datetime

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from cocreate.addresses import address_hash
from proposals.models import Proposal
from tests.support import factories
from votes import services
from votes.models import Invalidation, Support, SupportTally, TallyKind
from votes.services import support_add, support_withdraw
from votes.tallies import tallies_rebuild

pytestmark = pytest.mark.django_db

ADD, WITHDRAW = True, False


def tallies(proposal) -> dict[tuple[int, str], tuple[int, int]]:
    """The proposal's tallies that count something."""
    rows = SupportTally.objects.filter(proposal=proposal).values_list("kind", "key", "supports", "invalid")
    return {(kind, key): (valid, invalid) for kind, key, valid, invalid in rows if valid or invalid}


def recounted(proposal) -> dict[tuple[int, str], tuple[int, int]]:
    kept = tallies(proposal)
    tallies_rebuild(proposal_id=proposal.pk)
    again = tallies(proposal)
    assert kept == again, "the tallies kept by the services differ from the rows counted again"
    return again


def test_a_support_from_the_api_records_where_it_came_from():
    proposal = factories.ProposalFactory()
    joined = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # already 1 December in Paris
    citizen = factories.citizen(email="Ana@Example.ORG", date_joined=joined)
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    client.force_authenticate(citizen)
    assert client.post(f"/api/v1/proposals/{proposal.pk}/support/").status_code == 201
    support = Support.objects.get(proposal=proposal, user=citizen)
    assert (support.address_hash, support.email_domain, str(support.joined_on)) == (
        address_hash("203.0.113.9"),
        "example.org",
        "2026-12-01",
    )
    assert "203.0.113.9" not in support.address_hash
    hour = support.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H")
    assert tallies(proposal) == {
        (TallyKind.HOUR, hour): (1, 0),
        (TallyKind.JOINED_ON, "2026-12-01"): (1, 0),
        (TallyKind.DOMAIN, "example.org"): (1, 0),
        (TallyKind.ADDRESS, address_hash("203.0.113.9")): (1, 0),
    }


def test_the_pages_form_records_the_address_too(client):
    proposal = factories.ProposalFactory()
    citizen = factories.citizen()
    client.force_login(citizen)
    client.post(f"/proposals/{proposal.pk}/support/", REMOTE_ADDR="198.51.100.7")
    assert Support.objects.get(user=citizen).address_hash == address_hash("198.51.100.7")


def test_an_ipv6_address_is_known_by_its_network():
    assert address_hash("2001:db8:1:2:aaaa::1") == address_hash("2001:db8:1:2:bbbb::9")
    assert address_hash("2001:db8:1:2::1") != address_hash("2001:db8:1:3::1")
    assert address_hash("::ffff:192.0.2.1") == address_hash("192.0.2.1")
    assert address_hash("192.0.2.1") != address_hash("192.0.2.2")
    assert address_hash("not an address") is None


def test_the_hash_needs_the_sites_key():
    """Without the key, hashing every IPv4 address does not find one."""
    with override_settings(SECRET_KEY="another key entirely, as long as it must be" * 2):
        other = address_hash("192.0.2.1")
    assert other != address_hash("192.0.2.1")


def test_withdrawals_take_away_what_the_support_recorded():
    """A citizen who changed address since keeps their support's domain: withdrawing it takes away from
    the domain it added to, not from the new one."""
    proposal = factories.ProposalFactory()
    citizen = factories.citizen(email="old@first.example")
    support_add(user=citizen, proposal=proposal, address_hash=address_hash("192.0.2.1"))
    citizen.email = "new@second.example"
    citizen.save()
    support_withdraw(user=citizen, proposal=proposal)
    assert tallies(proposal) == {}
    assert (
        not SupportTally.objects.filter(proposal=proposal, key="second.example").exclude(supports=0).exists()
    )


def test_batches_keep_the_tallies_as_the_rows_say():
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=1000))
    citizens = [factories.citizen(email=f"c{i}@{'ab'[i % 2]}.example") for i in range(12)]
    for i, citizen in enumerate(citizens[:6]):
        support_add(user=citizen, proposal=proposal, address_hash=address_hash(f"192.0.2.{i % 3}"))
    read = Proposal.objects.select_related("consultation").get(pk=proposal.pk)
    plan = [(ADD, c) for c in citizens[6:]] + [(WITHDRAW, c) for c in citizens[:4]]
    services._run_batch(
        [services._Change(add, user, read, address_hash("192.0.2.9") if add else None) for add, user in plan]
    )
    counted = recounted(proposal)
    assert counted[TallyKind.ADDRESS, address_hash("192.0.2.9")] == (6, 0)
    assert counted[TallyKind.DOMAIN, "a.example"] == (4, 0)  # 6 of 12 less the withdrawn c0 and c2
    assert sum(v for (kind, _key), (v, _i) in counted.items() if kind == TallyKind.HOUR) == 8
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 8


def test_withdrawing_a_support_set_aside_leaves_the_count():
    proposal = factories.ProposalFactory()
    kept, aside = factories.citizen(), factories.citizen()
    support_add(user=kept, proposal=proposal)
    support_add(user=aside, proposal=proposal)
    invalidation = Invalidation.objects.create(proposal=proposal, reason="test", set_aside=1)
    Support.objects.filter(user=aside).update(invalidation=invalidation)
    Proposal.objects.filter(pk=proposal.pk).update(supports_count=1)
    tallies_rebuild(proposal_id=proposal.pk)
    result = support_withdraw(user=aside, proposal=proposal)
    assert (result.supports, result.changed) == (1, True)
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 1
    assert not Support.objects.filter(user=aside).exists()
    assert all(invalid == 0 for _valid, invalid in recounted(proposal).values())


def test_supports_given_before_keep_their_hour_in_the_rebuild():
    proposal = factories.ProposalFactory()
    support_add(user=factories.citizen(), proposal=proposal)
    Support.objects.filter(proposal=proposal).update(created_at=datetime(2026, 12, 3, 17, 59, tzinfo=UTC))
    tallies_rebuild(proposal_id=proposal.pk)
    assert [key for kind, key in tallies(proposal) if kind == TallyKind.HOUR] == ["2026-12-03T17"]
