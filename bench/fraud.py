"""The officials' fraud review of a proposal with 100,000 supports: the review API and the admin page,
against a trivial page on the same worker in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/fraud.py [--supports 100000] [--requests 300] [--pool 4] ...

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench_fraud), migrates it and seeds one open
consultation with one published proposal, and N verified citizens who each support it once, written in
bulk (one password hash for all; the supports by one INSERT ... SELECT FROM unnest per batch, with the
facts the services record: the address's keyed hash, the e-mail domain, the sign-up day):

- given over 30 days, hour by hour, more by day than by night, with one burst hour of 3,000;
- from `--addresses` client addresses (20,000), five of them heavy (a campus, a carrier: 300 to 1,500
  supports each), the rest drawn uniformly;
- by accounts made over two years, one day of them a sign-up burst (2,000 accounts);
- at about 50 e-mail domains in a Zipf-like spread, one of them new to the site (its first account made
  ten days before the proposal's first support, 1,500 supports).

Then `tallies_rebuild` counts the tallies from the rows, as after any bulk load, and ANALYZE settles the
plans. REDIS_URL is the server's cache and channel layer; use a Redis database nobody else uses.

It measures, with the settings of the tests (DEBUG off):
  (a) in this process, with Django's test client, signed in as an official: each page's status, SQL
      queries and size, and the review's flags (so a seed that raises none shows);
  (b) against one real uvicorn worker (tests/support/servers.py; DB_POOL_MAX_SIZE=`--pool`): after
      `--warmup` requests, `--requests` sequential GETs of each page over one keep-alive connection, the
      official's session cookie on the review's; p50/p99/max of the time to the last byte, and each over
      the trivial page's (the accessibility statement, anonymous; also measured with the official's
      session, which shows what reading the session and the account adds to any page of theirs).

The goal: the review's p99 within 5× the trivial page's. Every request has a timeout, `--max-seconds`
bounds the whole run, and the server is stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench import one_worker  # noqa: E402
from bench.common import arguments, require_services, run_bench, table  # noqa: E402
from bench.live_support import recreate_database, setup_django  # noqa: E402
from bench.pages import TRIVIAL, Target, Timing  # noqa: E402
from tests.support import servers  # noqa: E402

GOAL = 5  # the review's p99 within this many times the trivial page's
SIGNED_IN_TRIVIAL = "trivial page, signed in as the official"
DAYS = 30  # the campaign's length
BURST_HOUR_SUPPORTS = 3000
HEAVY_ADDRESSES = (1500, 900, 600, 400, 300)  # a campus, a carrier gateway, offices
SIGNUP_BURST_ACCOUNTS = 2000
NEW_DOMAIN = "quick-mail.example"
NEW_DOMAIN_SUPPORTS = 1500
BATCH = 20_000


@dataclass
class Seed:
    proposal_id: int
    official_cookie: str


# --- Seed ---------------------------------------------------------------------------------------------------


def _domains(rng: random.Random, count: int) -> list[tuple[str, float]]:
    """About `count` domains with Zipf-like weights (the first is a big webmail)."""
    names = ["gmail.example", "orange.example", "free.example", "outlook.example", "laposte.example"]
    names += [f"mail{i}.example" for i in range(count - len(names) - 1)]
    return [(name, 1 / (rank + 1)) for rank, name in enumerate(names)]


def _users(n: int, rng: random.Random, *, first_support: datetime) -> list:
    """n verified citizens: two years of sign-ups with one burst day, about 50 domains, one new."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from cocreate.accounts.models import User

    password = make_password("correct horse battery staple")
    domains = _domains(rng, 50)
    names, weights = zip(*domains, strict=True)
    burst_day = first_support - timedelta(days=200)
    users = []
    for i in range(n):
        if i < NEW_DOMAIN_SUPPORTS:  # the new domain: every account made in the ten days before
            domain, joined = (
                NEW_DOMAIN,
                first_support - timedelta(days=10, seconds=-rng.randrange(10 * 86400)),
            )
        else:
            domain = rng.choices(names, weights)[0]
            if i < NEW_DOMAIN_SUPPORTS + SIGNUP_BURST_ACCOUNTS:
                joined = burst_day + timedelta(seconds=rng.randrange(86400))
            else:
                joined = first_support - timedelta(seconds=rng.randrange(2 * 365 * 86400))
        users.append(User(username=f"c{i}", email=f"c{i}@{domain}", password=password, date_joined=joined))
    created = []
    for start in range(0, n, 5000):
        created += User.objects.bulk_create(users[start : start + 5000])
    for start in range(0, n, 5000):
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, primary=True, verified=True)
            for u in created[start : start + 5000]
        )
    return created


def _hours(n: int, rng: random.Random, *, first_support: datetime) -> list[datetime]:
    """n support times over DAYS days, more by day than by night, one hour with BURST_HOUR_SUPPORTS."""
    hours = [first_support + timedelta(hours=h) for h in range(DAYS * 24)]
    weights = [3 if 8 <= hour.hour < 22 else 1 for hour in hours]
    burst = hours[len(hours) // 2 + 13]
    times = [burst] * BURST_HOUR_SUPPORTS + rng.choices(hours, weights, k=n - BURST_HOUR_SUPPORTS)
    return [hour + timedelta(seconds=rng.randrange(3600)) for hour in times]


def _addresses(n: int, rng: random.Random, count: int) -> list[str]:
    from cocreate.addresses import address_hash

    pool = [address_hash(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}") for i in range(count)]
    chosen = [pool[k] for k, heavy in enumerate(HEAVY_ADDRESSES) for _ in range(heavy)]
    chosen += rng.choices(pool[len(HEAVY_ADDRESSES) :], k=n - len(chosen))
    rng.shuffle(chosen)
    return chosen


_INSERT = """
    INSERT INTO votes_support (proposal_id, user_id, created_at, address_hash, email_domain, joined_on)
    SELECT %s, u, c, a, d, j FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::text[], %s::date[])
        AS s(u, c, a, d, j)"""


def seed(*, supports: int, addresses: int, rng: random.Random) -> Seed:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from proposals.models import Proposal
    from tests.support import factories
    from votes.tallies import email_domain, tallies_rebuild

    now = timezone.now()
    first_support = (now - timedelta(days=DAYS + 1)).replace(minute=0, second=0, microsecond=0)
    consultation = factories.consultation(opens_at=first_support - timedelta(days=1))
    # The site's first account, long before the campaign: a domain is new only on a site older than it.
    author = factories.citizen(date_joined=now - timedelta(days=3 * 365))
    proposal = factories.ProposalFactory(consultation=consultation, author=author, published_at=first_support)
    users = _users(supports, rng, first_support=first_support)
    times = _hours(supports, rng, first_support=first_support)
    hashes = _addresses(supports, rng, addresses)
    with connection.cursor() as cursor:
        for start in range(0, supports, BATCH):
            part = users[start : start + BATCH]
            cursor.execute(
                _INSERT,
                [
                    proposal.pk,
                    [u.pk for u in part],
                    times[start : start + BATCH],
                    hashes[start : start + BATCH],
                    [email_domain(u.email) for u in part],
                    [timezone.localdate(u.date_joined) for u in part],
                ],
            )
    Proposal.objects.filter(pk=proposal.pk).update(supports_count=supports, supports_version=supports)
    tallies_rebuild(proposal_id=proposal.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would soon after a bulk load: the plans of a settled table
    client = Client()
    client.force_login(factories.official())
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return Seed(proposal_id=proposal.pk, official_cookie=cookie)


def targets(data: Seed) -> list[Target]:
    return [
        Target(TRIVIAL, "/accessibility/"),
        # The same page with the official's session: what reading the session and the account costs.
        Target(SIGNED_IN_TRIVIAL, "/accessibility/", signed_in=True),
        Target(
            "review API", f"/api/v1/moderation/proposals/{data.proposal_id}/supports-review/", signed_in=True
        ),
        Target("review admin page", f"/cms/proposals/{data.proposal_id}/supports/", signed_in=True),
    ]


# --- (a) In process -----------------------------------------------------------------------------------------


def weigh(target: Target, data: Seed) -> list[str]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if target.signed_in:
        client.cookies[settings.SESSION_COOKIE_NAME] = data.official_cookie.split("=", 1)[1]
    client.get(target.path)  # the first request's one-off reads (the site, the locales)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target.path)
    return [target.name, str(response.status_code), str(len(queries)), f"{len(response.content) / 1024:.1f}"]


def flags_found(data: Seed) -> str:
    from proposals.models import Proposal
    from votes.review import supports_review

    result = supports_review(proposal=Proposal.objects.get(pk=data.proposal_id))
    return ", ".join(f"{kind} {n}" for kind, n in sorted(result.flag_counts.items()))


# --- (b) One worker ---------------------------------------------------------------------------------------


def report(weights: list[list[str]], flags: str, timings: list[Timing], args) -> None:
    print()
    print("(a) in process, signed in as an official where it says so (the second request)")
    table(["page", "status", "queries", "KB"], weights)
    print(f"  the review's flags: {flags}")
    print()
    print(f"(b) {args.requests} sequential GETs per page after {args.warmup} warm-up, one uvicorn worker, "
          f"DB_POOL_MAX_SIZE={args.pool}, one keep-alive connection; time to the last byte")  # fmt: skip
    one_worker.timings_table(timings)
    print(f"  goal: the review's p99 within {GOAL}× the trivial page's, same worker, same run.")
    print(f"{os.cpu_count()} CPUs shared by the client, the server, PostgreSQL and Redis (loopback only).")


# --- Main ---------------------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = arguments(__doc__)
    parser.add_argument("--database", default="cocreate_bench_fraud", help="database to drop, create and use")
    parser.add_argument("--supports", type=int, default=100_000, help="supports of the proposal")
    parser.add_argument("--addresses", type=int, default=20_000, help="distinct client addresses")
    one_worker.options(parser)
    args = parser.parse_args(argv)
    # The campaign's fixed parts: the heavy addresses' supports, the new domain's accounts, the sign-up burst
    # and the burst hour each need that many supports; fewer would leave rows without an account.
    least = max(sum(HEAVY_ADDRESSES), NEW_DOMAIN_SUPPORTS + SIGNUP_BURST_ACCOUNTS, BURST_HOUR_SUPPORTS)
    if args.supports < least:
        parser.error(f"--supports must be at least {least}: the campaign's fixed parts need them")
    if args.addresses <= len(HEAVY_ADDRESSES):
        parser.error(f"--addresses must be more than {len(HEAVY_ADDRESSES)}, the heavy ones")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    deadline = time.monotonic() + args.max_seconds
    database_url, redis_url = require_services("DATABASE_URL", "REDIS_URL")
    print(f"database {args.database}: drop, create, migrate, seed {args.supports} supports ...", flush=True)
    bench_url = recreate_database(database_url, args.database)
    setup_django(bench_url, redis_url)
    t0 = time.monotonic()
    data = seed(supports=args.supports, addresses=args.addresses, rng=random.Random(args.seed))
    print(f"  seeded in {time.monotonic() - t0:.1f}s", flush=True)
    pages = targets(data)
    weights = [weigh(target, data) for target in pages]
    flags = flags_found(data)
    extra = {"DB_POOL_MAX_SIZE": str(args.pool), "DB_CONN_MAX_AGE": "0", "LOG_LEVEL": "WARNING"}
    env = servers.server_env(database_url=bench_url, redis_url=redis_url, extra=extra)
    cookies = SimpleNamespace(citizen_cookie=data.official_cookie)  # what bench.pages signs in with
    timings = one_worker.measure(env, pages, cookies, args, deadline=deadline)
    report(weights, flags, timings, args)
    bad_weights = [w for w in weights if w[1] != "200"]
    return 1 if one_worker.said_errors(timings) or bad_weights else 0


if __name__ == "__main__":
    run_bench(main)
