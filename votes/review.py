"""The officials' fraud review of one proposal's supports: are they genuine? A proposal that reaches its
consultation's threshold obliges the administration to answer, so officials and moderators look at where
its supports came from before they answer, and may set some aside (the invalidation services).

Everything here is read from the tallies (models.SupportTally: counts by hour, sign-up day, e-mail domain
and address hash, kept exactly by the support services), never by aggregating the support rows: that took
23-190 ms for 100,000 supports; reading the tallies is one statement of a few hundred rows whatever their
number (bench/fraud.py).
Figures are the valid supports (`supports`) and those already set aside (`invalid`); the flags look at the
valid ones only, so that supports set aside stop raising the flag that found them.

A flag is a reason to look, never proof: a newspaper article makes a burst, a university or a mobile
carrier puts thousands of people behind one address, and a local association may bring its members to sign
up on one evening. Each flag says what was seen, in words, with its figures.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from cocreate.accounts.selectors import first_sign_ups
from cocreate.exceptions import NotFound
from proposals.models import Proposal

from .models import TallyKind

# What the review lists -------------------------------------------------------------------------------------
TOP_DOMAINS = 10  # the largest e-mail domains, the others summed as one row
TOP_ADDRESSES = 10  # the largest client addresses (by the tally_by_size index: a range scan, not a sort)
TOP_SIGNUP_DAYS = 10  # the sign-up days most of the supporters joined on
HASH_PREFIX = 8  # hex digits of an address hash shown: enough to tell apart the ones listed
# Over time, by the hour while the supports span at most three days (72 bars still read on a phone), else by
# the day in the site's time zone: a month of hours is 720 bars, which no screen shows legibly, and each
# burst is listed by its hour in the flags anyway. A day's figure is the sum of its hours: exact.
HOURLY_SPAN_HOURS = 72
FLAGS_LISTED = 20  # flags of one kind listed at most (the biggest first); the count says how many there are

# When the review raises a flag -----------------------------------------------------------------------------
# (a) A burst: an hour with more than BURST_FACTOR times the proposal's median active hour (hours with at
# least one valid support; the quiet nights would make any median zero), and at least BURST_MIN supports.
# Coverage in the press or a newsletter lifts an hour two or three times above the usual; five times is rarer,
# and under 20 supports an hour even a small meeting signing together would raise it.
BURST_FACTOR = 5
BURST_MIN = 20
# (b) Many accounts from one address (an IPv4 address, an IPv6 /64): a household has a few; ten or more is
# an office, a campus, a library, a mobile carrier's gateway, or someone making accounts. Common and mostly
# innocent: a flag to look at with the other ones, not proof.
SHARED_ADDRESS_MIN = 10
# (c) A new domain: the first account with an address at this domain, on the whole site, was made less than
# NEW_DOMAIN_DAYS before the proposal's first support (or after it), while the site itself is older than
# that, and at least NEW_DOMAIN_MIN of the proposal's supports come from it. A domain bought to make
# accounts is new; the tallies keep no first support per domain, so the proposal's first support stands for
# it (a domain that first appeared during the campaign is what to look at).
NEW_DOMAIN_DAYS = 30
NEW_DOMAIN_MIN = 10
DOMAINS_CHECKED = 100  # the largest domains checked for (c): one index probe each
# (d) A burst of sign-ups: a sign-up day of this proposal's supporters with more than SIGNUP_BURST_FACTOR
# times the median of their sign-up days (days with at least one), and at least SIGNUP_BURST_MIN supporters. A
# launch evening may bring many real new members at once, so it is a flag, and the words say so.
SIGNUP_BURST_FACTOR = 5
SIGNUP_BURST_MIN = 20

BURST, SHARED_ADDRESS, NEW_DOMAIN, SIGNUP_BURST = "burst", "shared_address", "new_domain", "signup_burst"
FLAG_KINDS = (BURST, SHARED_ADDRESS, NEW_DOMAIN, SIGNUP_BURST)


@dataclass(frozen=True)
class Count:
    """Supports under one key: valid and set aside. `label` is what is shown (an address's hash prefix)."""

    key: str
    supports: int
    invalid: int = 0
    label: str = ""

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", self.key)


@dataclass(frozen=True)
class Flag:
    kind: str  # one of FLAG_KINDS
    label: str  # the hour, the address's hash prefix, the domain or the sign-up day
    supports: int
    reference: float | None = None  # the median it was compared with, for (a) and (d)
    since: datetime | None = None  # for (c): the domain's first account on the site
    key: str = ""  # the tally's key (an address's full hash): the criteria of a set-aside

    @property
    def explanation(self) -> str:
        """What was seen, in plain words and the reader's language."""
        figures = {"n": self.supports, "label": self.label, "median": _number(self.reference)}
        if self.kind == BURST:
            text = _(
                "%(n)s supports in the hour %(label)s (UTC), more than %(factor)s times this proposal's "
                "usual hour (%(median)s, the median of its hours with supports). Press coverage can do this; "
                "so can accounts made to support it."
            )
            return text % {**figures, "factor": BURST_FACTOR}
        if self.kind == SHARED_ADDRESS:
            text = _(
                "%(n)s supports came from one client address (%(label)s). Universities, offices, libraries "
                "and mobile carriers put many people behind one address, so this is a reason to look, not "
                "proof."
            )
            return text % figures
        if self.kind == NEW_DOMAIN:
            text = _(
                "%(n)s supports from accounts at %(label)s, a domain new to the site: its first account was "
                "made on %(since)s, less than %(days)s days before this proposal's first support."
            )
            since = date_format(timezone.localdate(self.since))
            return text % {**figures, "since": since, "days": NEW_DOMAIN_DAYS}
        figures["label"] = date_format(date.fromisoformat(self.label))
        text = _(
            "%(n)s supporters made their accounts on %(label)s, more than %(factor)s times the usual day "
            "(%(median)s, the median of its supporters' sign-up days). A launch event can do this; so can "
            "accounts made in a batch."
        )
        return text % {**figures, "factor": SIGNUP_BURST_FACTOR}


@dataclass
class SupportsReview:
    proposal_id: int
    supports: int = 0  # valid: the proposal's count
    invalid: int = 0  # set aside
    unit: str = "day"  # of `over_time`: "hour" (UTC, "YYYY-MM-DDTHH") or "day" (site time zone)
    over_time: list[Count] = field(default_factory=list)  # every hour or day from the first to the last
    hour_median: float | None = None
    signup_days: list[Count] = field(default_factory=list)  # the TOP_SIGNUP_DAYS largest
    signup_months: list[Count] = field(default_factory=list)  # every month with supporters, in order
    signup_median: float | None = None
    joined_since_publication: int = 0  # supporters whose account was made on or after the publication day
    domains: list[Count] = field(default_factory=list)
    other_domains: Count = field(default_factory=lambda: Count("", 0))  # and supports without a domain
    addresses: list[Count] = field(default_factory=list)
    shared_addresses: int = 0  # addresses with at least SHARED_ADDRESS_MIN valid supports
    flags: list[Flag] = field(default_factory=list)
    flag_counts: dict[str, int] = field(default_factory=dict)  # each kind: how many, listed or not


# Every tally the review reads, in one statement (each round trip to the database cost more than the
# reading): the hours and the sign-up days whole, the largest domains and addresses along the tally_by_size
# index (proposal, kind, -supports), the first entries of a range, and how many addresses pass
# SHARED_ADDRESS_MIN (a range of the same index). Each part is a subquery so that SQLite accepts its LIMIT.
_TALLIES = """
    SELECT 1, key, supports, invalid FROM votes_supporttally WHERE proposal_id = %(p)s AND kind = %(hour)s
    UNION ALL
    SELECT 2, key, supports, invalid FROM votes_supporttally WHERE proposal_id = %(p)s AND kind = %(joined)s
    UNION ALL
    SELECT * FROM (SELECT 3, key, supports, invalid FROM votes_supporttally
                   WHERE proposal_id = %(p)s AND kind = %(domain)s AND supports > 0
                   ORDER BY supports DESC, key LIMIT %(domains)s) AS domains
    UNION ALL
    SELECT * FROM (SELECT 4, key, supports, invalid FROM votes_supporttally
                   WHERE proposal_id = %(p)s AND kind = %(address)s AND supports > 0
                   ORDER BY supports DESC, key LIMIT %(addresses)s) AS addresses
    UNION ALL
    SELECT 5, '', count(*), 0 FROM votes_supporttally
    WHERE proposal_id = %(p)s AND kind = %(address)s AND supports >= %(shared)s"""


def _tallies(proposal_id: int) -> dict[int, list[tuple[str, int, int]]]:
    params = {
        "p": proposal_id,
        "hour": int(TallyKind.HOUR),
        "joined": int(TallyKind.JOINED_ON),
        "domain": int(TallyKind.DOMAIN),
        "address": int(TallyKind.ADDRESS),
        "domains": DOMAINS_CHECKED,
        "addresses": TOP_ADDRESSES,
        "shared": SHARED_ADDRESS_MIN,
    }
    parts: dict[int, list] = {1: [], 2: [], 3: [], 4: [], 5: []}
    with connection.cursor() as cursor:
        cursor.execute(_TALLIES, params)
        for part, key, n, invalid in cursor.fetchall():
            if n or invalid:  # a key whose supports were all withdrawn stays at 0
                parts[part].append((key, n, invalid))
    for part in (3, 4):  # a UNION keeps no order: the largest first again
        parts[part].sort(key=lambda row: (-row[1], row[0]))
    return parts


def supports_review(*, proposal: Proposal) -> SupportsReview:
    """The review of `proposal`'s supports, from its tallies: two statements whatever their number (the
    tallies, and the first accounts of the largest domains). The caller has checked that the reader may
    moderate."""
    review = SupportsReview(proposal_id=proposal.pk)
    hours, joined, domains, addresses, shared = _tallies(proposal.pk).values()
    first_support = _over_time(review, hours)
    _signups(review, joined, published_at=proposal.published_at)
    _domains(review, domains, first_support=first_support)
    review.addresses = [Count(key, n, invalid, label=key[:HASH_PREFIX]) for key, n, invalid in addresses]
    review.shared_addresses = shared[0][1] if shared else 0
    flags = [Flag(SHARED_ADDRESS, c.label, c.supports, key=c.key) for c in review.addresses]
    _flag(review, SHARED_ADDRESS, [flag for flag in flags if flag.supports >= SHARED_ADDRESS_MIN])
    review.flag_counts[SHARED_ADDRESS] = review.shared_addresses
    return review


def _flag(review: SupportsReview, kind: str, flags: list[Flag]) -> None:
    flags.sort(key=lambda flag: (-flag.supports, flag.label))
    review.flags.extend(flags[:FLAGS_LISTED])
    review.flag_counts[kind] = len(flags)


def _active_median(rows) -> float | None:
    active = [n for _key, n, _invalid in rows if n > 0]
    return median(active) if active else None


def _rolled_up(rows, bucket) -> dict:
    """The rows' figures summed by `bucket(key)`: (valid, set aside)."""
    sums: dict = {}
    for key, n, invalid in rows:
        at = bucket(key)
        valid, set_aside = sums.get(at, (0, 0))
        sums[at] = (valid + n, set_aside + invalid)
    return sums


def _bursts(kind: str, rows, reference: float | None, *, factor: int, minimum: int) -> list[Flag]:
    """The keys with at least `minimum` valid supports and more than `factor` times `reference`."""
    return [
        Flag(kind, key, n, reference)
        for key, n, _invalid in rows
        if n >= minimum and n > factor * (reference or 0)
    ]


def _hour(key: str) -> datetime:
    return datetime.fromisoformat(f"{key}:00+00:00")  # "2026-12-06T18" (strptime is ten times slower)


def _over_time(review: SupportsReview, rows) -> datetime | None:
    """Totals, the chart's buckets and the bursts (a); the first support's hour."""
    review.supports = sum(n for _key, n, _invalid in rows)
    review.invalid = sum(invalid for _key, _n, invalid in rows)
    if not rows:
        return None
    hours = {key: (n, invalid) for key, n, invalid in rows}
    first, last = _hour(min(hours)), _hour(max(hours))  # the keys sort as the hours do
    if last - first <= timedelta(hours=HOURLY_SPAN_HOURS):
        review.unit = "hour"
        steps = int((last - first) / timedelta(hours=1)) + 1
        keys = [f"{first + timedelta(hours=i):%Y-%m-%dT%H}" for i in range(steps)]
        review.over_time = [Count(key, *hours.get(key, (0, 0))) for key in keys]
    else:
        days = _rolled_up(rows, _local_day())
        start, end = date.fromisoformat(min(days)), date.fromisoformat(max(days))
        every = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
        review.over_time = [Count(day, *days.get(day, (0, 0))) for day in every]
    review.hour_median = _active_median(rows)
    _flag(review, BURST, _bursts(BURST, rows, review.hour_median, factor=BURST_FACTOR, minimum=BURST_MIN))
    return first


def _local_day(zone=None):
    """key -> the day ("YYYY-MM-DD") of that UTC hour in the site's time zone: seven hundred hours read for
    each review, so a UTC day whose offset is the same at both ends (every day but the two changes of
    summer time) is shifted by whole hours without making a datetime of each hour."""
    zone = zone or timezone.get_current_timezone()
    offsets: dict[str, int | None] = {}

    def local_day(key: str) -> str:
        utc_day = key[:10]
        if utc_day not in offsets:
            ends = {zone.utcoffset(_hour(f"{utc_day}T{h:02}").replace(tzinfo=None)) for h in (0, 23)}
            (offset,) = ends if len(ends) == 1 else (None,)
            whole = offset is not None and offset % timedelta(hours=1) == timedelta(0)
            offsets[utc_day] = offset // timedelta(hours=1) if whole else None
        shift = offsets[utc_day]
        if shift is None:
            return _hour(key).astimezone(zone).date().isoformat()
        hour = int(key[11:13]) + shift
        if 0 <= hour < 24:
            return utc_day
        return (date.fromisoformat(utc_day) + timedelta(days=1 if hour >= 24 else -1)).isoformat()

    return local_day


def _signups(review: SupportsReview, rows, *, published_at: datetime | None) -> None:
    """By sign-up day: the largest days, every month, and the bursts of sign-ups (d)."""
    largest = sorted(rows, key=lambda row: (-row[1], row[0]))
    review.signup_days = [Count(*row) for row in largest[:TOP_SIGNUP_DAYS] if row[1]]
    months = _rolled_up(rows, lambda key: key[:7])
    review.signup_months = [Count(key, n, invalid) for key, (n, invalid) in sorted(months.items())]
    if published_at is not None:
        published_on = timezone.localdate(published_at).isoformat()
        review.joined_since_publication = sum(n for key, n, _invalid in rows if key >= published_on)
    review.signup_median = _active_median(rows)
    bursts = _bursts(
        SIGNUP_BURST, rows, review.signup_median, factor=SIGNUP_BURST_FACTOR, minimum=SIGNUP_BURST_MIN
    )
    _flag(review, SIGNUP_BURST, bursts)


def _domains(review: SupportsReview, rows, *, first_support: datetime | None) -> None:
    """The largest domains, the others as one row, and the new domains (c) among the largest checked."""
    review.domains = [Count(*row) for row in rows[:TOP_DOMAINS]]
    review.other_domains = Count(
        "",
        review.supports - sum(c.supports for c in review.domains),
        review.invalid - sum(c.invalid for c in review.domains),
    )
    candidates = [key for key, n, _invalid in rows if n >= NEW_DOMAIN_MIN]
    if not candidates or first_support is None:
        _flag(review, NEW_DOMAIN, [])
        return
    known = first_sign_ups(domains=candidates)
    recent = first_support - timedelta(days=NEW_DOMAIN_DAYS)
    # A domain whose first account came with the site's own first weeks is not new, however young the site.
    founding = known.site + timedelta(days=NEW_DOMAIN_DAYS) if known.site else None
    flags = [
        Flag(NEW_DOMAIN, key, n, since=since)
        for key, n, _invalid in rows
        if n >= NEW_DOMAIN_MIN
        and (since := known.domains.get(key)) is not None
        and since > recent
        and (founding is None or since > founding)
    ]
    _flag(review, NEW_DOMAIN, flags)


def _number(value: float | None) -> str:
    """A median, in the reader's language: "12", "12.5" or "12,5"."""
    value = value or 0
    return number_format(value, 0 if float(value).is_integer() else 1)


def proposal_get_to_review(*, proposal_id: int, user) -> Proposal:
    """The proposal whose supports `user` (who may moderate) reviews: what the review reads of it, in one
    query. Unknown, or not visible to them, is NotFound."""
    try:
        return Proposal.objects.visible_to(user).only("id", "published_at").get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("No such proposal.")) from None
