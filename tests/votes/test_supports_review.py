"""The officials' fraud review of a proposal's supports (votes.review): its figures on supports given through
the services (so the tallies are the real ones), each flag raised when it should be and not for an ordinary
proposal, and its cost, which does not grow with the number of supports."""

from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cocreate.accounts.models import User
from cocreate.addresses import address_hash
from cocreate.exceptions import NotFound
from tests.support import factories
from votes import review
from votes.models import Invalidation, Support
from votes.review import supports_review
from votes.services import support_add
from votes.tallies import tallies_rebuild

pytestmark = pytest.mark.django_db

# A whole hour, three days ago: every support of a test is given in the hours after it.
START = (timezone.now() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
LONG_AGO = timezone.now() - timedelta(days=700)


@pytest.fixture
def proposal():
    consultation = factories.consultation(opens_at=timezone.now() - timedelta(days=60))
    factories.citizen(date_joined=timezone.now() - timedelta(days=800))  # the site is old
    return factories.ProposalFactory(consultation=consultation, published_at=START - timedelta(days=10))


def give(proposal, n: int = 1, *, hour: int = 0, domain: str = "", address: str = "", joined=None) -> None:
    """`n` supports through the service, given `hour` hours after START. By default from n distinct
    addresses, domains that have been on the site long, and accounts made on n distinct days long ago."""
    global _serial
    for _ in range(n):
        _serial += 1
        mail = domain or f"mail{_serial % 7}.example"
        if not domain:  # an established domain: its first account is long before any support
            factories.citizen(email=f"first{_serial}@{mail}", date_joined=LONG_AGO - timedelta(days=30))
        when = joined or LONG_AGO + timedelta(days=_serial)
        citizen = factories.citizen(email=f"c{_serial}@{mail}", date_joined=when)
        at = START + timedelta(hours=hour, minutes=_serial % 60)
        with mock.patch("django.utils.timezone.now", return_value=at):
            support_add(user=citizen, proposal=proposal, address_hash=address_hash(address or _ip(_serial)))


_serial = 0


def _ip(n: int) -> str:
    return f"198.51.{n // 250}.{n % 250 + 1}"


def ordinary(proposal) -> None:
    """Three supports an hour over ten hours: nothing unusual."""
    for hour in range(10):
        give(proposal, 3, hour=hour)


def kinds(result) -> list[str]:
    return [flag.kind for flag in result.flags]


def test_an_ordinary_proposal_raises_no_flag_and_its_figures_add_up(proposal):
    ordinary(proposal)
    result = supports_review(proposal=proposal)
    assert (result.supports, result.invalid) == (30, 0)
    assert result.flags == []
    assert result.flag_counts == {"burst": 0, "signup_burst": 0, "new_domain": 0, "shared_address": 0}
    assert result.unit == "hour"
    assert [c.supports for c in result.over_time] == [3] * 10
    assert result.over_time[0].key == f"{START.astimezone(UTC):%Y-%m-%dT%H}"
    assert result.hour_median == 3
    assert sum(c.supports for c in result.domains) + result.other_domains.supports == 30
    assert result.domains[0].supports == 5  # seven domains: 5, 5, 4, 4, 4, 4, 4
    assert len(result.addresses) == review.TOP_ADDRESSES
    assert all(len(c.label) == review.HASH_PREFIX and c.key.startswith(c.label) for c in result.addresses)
    assert result.shared_addresses == 0
    assert sum(c.supports for c in result.signup_months) == 30
    assert result.joined_since_publication == 0


def test_a_long_campaign_is_shown_by_the_day_with_empty_days(proposal):
    give(proposal, 2, hour=0)
    give(proposal, 1, hour=24 * 4)
    result = supports_review(proposal=proposal)
    assert result.unit == "day"
    assert [c.supports for c in result.over_time] == [2, 0, 0, 0, 1]
    assert result.over_time[0].key == timezone.localdate(START).isoformat()


def test_an_hour_far_above_the_usual_is_a_burst(proposal):
    ordinary(proposal)
    give(proposal, 25, hour=11)
    result = supports_review(proposal=proposal)
    assert kinds(result) == ["burst"]
    burst = result.flags[0]
    hour = f"{(START + timedelta(hours=11)).astimezone(UTC):%Y-%m-%dT%H}"
    assert (burst.label, burst.supports) == (hour, 25)
    assert burst.explanation.startswith(f"25 supports in the hour {hour} (UTC), more than 5 times")
    assert "usual hour (3," in burst.explanation


def test_a_busy_hour_below_the_minimum_is_no_burst(proposal):
    give(proposal, 1, hour=0)
    give(proposal, 1, hour=1)
    give(proposal, review.BURST_MIN - 1, hour=2)  # nineteen times the median, but under twenty supports
    assert "burst" not in kinds(supports_review(proposal=proposal))


def test_many_accounts_from_one_address_are_flagged_as_a_reason_to_look(proposal):
    ordinary(proposal)
    give(proposal, review.SHARED_ADDRESS_MIN, hour=3, address="2001:db8:1:2::7")
    give(proposal, review.SHARED_ADDRESS_MIN - 1, hour=4, address="192.0.2.50")
    result = supports_review(proposal=proposal)
    assert kinds(result) == ["shared_address"]
    flag = result.flags[0]
    shared = address_hash("2001:db8:1:2::ffff")  # the same /64
    assert (flag.label, flag.key, flag.supports) == (shared[:8], shared, 10)
    assert "not proof" in flag.explanation
    assert result.shared_addresses == 1
    assert result.addresses[0].label == shared[:8]
    assert result.addresses[1].supports == 9


def test_a_domain_new_to_the_site_is_flagged_and_an_old_one_is_not(proposal):
    ordinary(proposal)
    fresh = START - timedelta(days=5)
    give(proposal, review.NEW_DOMAIN_MIN, hour=5, domain="fresh-mail.example", joined=fresh)
    give(proposal, review.NEW_DOMAIN_MIN, hour=6, domain="few.example", joined=fresh)
    factories.citizen(email="old@few.example", date_joined=LONG_AGO)  # the domain has been here long
    give(proposal, review.NEW_DOMAIN_MIN - 1, hour=7, domain="small.example", joined=fresh)
    result = supports_review(proposal=proposal)
    new = [flag for flag in result.flags if flag.kind == "new_domain"]
    assert [(flag.label, flag.supports) for flag in new] == [("fresh-mail.example", 10)]
    assert "a domain new to the site" in new[0].explanation
    assert "less than 30 days before this proposal's first support" in new[0].explanation


def test_on_a_young_site_no_domain_is_new(proposal):
    User.objects.filter(date_joined__lt=START - timedelta(days=40)).delete()  # the first accounts are new
    give(
        proposal, review.NEW_DOMAIN_MIN, hour=5, domain="fresh-mail.example", joined=START - timedelta(days=5)
    )
    assert "new_domain" not in kinds(supports_review(proposal=proposal))


def test_a_day_on_which_many_supporters_signed_up_is_flagged(proposal):
    ordinary(proposal)  # thirty supporters, each joined on a day of their own
    for hour in range(10):  # two more an hour, no burst of supports
        give(proposal, review.SIGNUP_BURST_MIN // 10, hour=hour, joined=START - timedelta(days=2))
    result = supports_review(proposal=proposal)
    assert kinds(result) == ["signup_burst"]
    day = timezone.localdate(START - timedelta(days=2)).isoformat()
    assert (result.flags[0].label, result.flags[0].supports) == (day, 20)
    assert result.signup_days[0].key == day
    assert result.joined_since_publication == 20


def test_supports_set_aside_are_counted_apart_and_stop_raising_their_flag(proposal):
    ordinary(proposal)
    give(proposal, 25, hour=11, address="203.0.113.99")
    flagged = supports_review(proposal=proposal)
    assert sorted(kinds(flagged)) == ["burst", "shared_address"]
    invalidation = Invalidation.objects.create(proposal=proposal, reason="One machine", set_aside=25)
    Support.objects.filter(address_hash=address_hash("203.0.113.99")).update(invalidation=invalidation)
    tallies_rebuild(proposal_id=proposal.pk)
    result = supports_review(proposal=proposal)
    assert (result.supports, result.invalid) == (30, 25)
    assert result.flags == []
    assert result.over_time[-1].invalid == 25
    assert result.other_domains.invalid + sum(c.invalid for c in result.domains) == 25


def test_the_explanations_are_in_french(proposal):
    ordinary(proposal)
    give(proposal, 25, hour=11, address="203.0.113.99")
    result = supports_review(proposal=proposal)
    with translation.override("fr"):
        texts = {flag.kind: flag.explanation for flag in result.flags}
    assert texts["burst"].startswith("25 soutiens dans l’heure")
    assert "pas une preuve" in texts["shared_address"]


def test_the_review_reads_the_same_few_statements_whatever_the_number_of_supports(proposal):
    ordinary(proposal)
    give(proposal, review.NEW_DOMAIN_MIN, hour=3, domain="fresh-mail.example")
    with CaptureQueriesContext(connection) as small:
        supports_review(proposal=proposal)
    for hour in range(20, 60):
        give(proposal, 2, hour=hour, domain="fresh-mail.example", joined=START - timedelta(days=1))
    with CaptureQueriesContext(connection) as large:
        supports_review(proposal=proposal)
    assert len(small) == len(large) == 2  # the tallies, the first accounts of the largest domains
    assert all("votes_support " not in query["sql"] for query in large.captured_queries)


def test_a_proposal_without_supports_has_an_empty_review(proposal):
    result = supports_review(proposal=proposal)
    assert (result.supports, result.invalid, result.over_time, result.flags) == (0, 0, [], [])


def test_the_first_sign_up_of_a_domain_is_read_through_its_index(proposal):
    give(proposal, 1, domain="indexed.example")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT min(date_joined) FROM accounts_user WHERE lower(split_part(email, '@', -1)) = %s",
            ["indexed.example"],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "user_by_email_domain" in plan


def test_an_unknown_id_is_not_found():
    with pytest.raises(NotFound):
        review.proposal_get_to_review(proposal_id=10**12, user=factories.moderator())


def test_tallies_moved_by_the_services_match_a_recount(proposal):
    """The review's figures are the services' tallies: recounting them from the rows changes nothing."""
    ordinary(proposal)
    give(proposal, 12, hour=3, address="192.0.2.1")
    before = supports_review(proposal=proposal)
    tallies_rebuild(proposal_id=proposal.pk)
    assert supports_review(proposal=proposal) == before


@pytest.mark.parametrize("zone", ["Europe/Paris", "Asia/Kolkata", "Pacific/Auckland"])
def test_each_hour_falls_on_its_local_day_across_the_changes_of_summer_time(zone):
    local_day = review._local_day(ZoneInfo(zone))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    hours = [start + timedelta(hours=i) for i in range(365 * 24)]
    assert [local_day(f"{h:%Y-%m-%dT%H}") for h in hours] == [
        h.astimezone(ZoneInfo(zone)).date().isoformat() for h in hours
    ]
