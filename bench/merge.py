"""Merging two proposals with 50,000 supports each (votes.merging), and what supports given meanwhile wait.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/merge.py [--supports 50000] [--overlap 10000] [--runs 5]

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench_merge), migrates it, and writes in bulk
2 × supports − overlap verified citizens. Each run makes two fresh published proposals of one consultation
and gives each `--supports` supports (the first `overlap` citizens support both), with the facts the
services record (times over 30 days, 20,000 client addresses, about 50 e-mail domains), every supporter
following what they support, and 100 comments each; counts and tallies as after a bulk load (counted
from the rows), then ANALYZE. Then, in this process (no HTTP), an official merges the second into the
first, while two threads, each on its own connection, keep supporting: one a third proposal of the same
consultation (a bystander), the other the target, with citizens who support neither.

It prints, per run and as the median of the runs: the merge's duration (the call; the transaction ends
just before it returns: the after-commit work is a broadcast and two index jobs), its SQL statements and
the slowest of them, and the latency of the supports given while the merge ran (the merge takes the
supports' table, so they wait for it: that wait is the price, see votes/merging.py). Each run checks the
result: the target counts 2 × supports − overlap, the duplicate none, tallies as counted from the rows.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.live_support import ms, percentile, recreate_database, setup_django  # noqa: E402

DAYS = 30
ADDRESSES = 20_000
BATCH = 20_000

_INSERT = """
    INSERT INTO votes_support (proposal_id, user_id, created_at, address_hash, email_domain, joined_on)
    SELECT %s, u, c, a, d, j FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::text[], %s::date[])
        AS s(u, c, a, d, j)"""
_FOLLOW = """
    INSERT INTO proposals_follow (proposal_id, user_id, created_at)
    SELECT %s, u, now() FROM unnest(%s::bigint[]) AS s(u)"""


def citizens(n: int, rng: random.Random) -> list:
    """n verified citizens in bulk (one password hash), at about 50 e-mail domains, made over two years."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from cocreate.accounts.models import User

    password = make_password("correct horse battery staple")
    domains = [f"mail{i}.example" for i in range(50)]
    now = timezone.now()
    users = [
        User(
            username=f"m{i}",
            email=f"m{i}@{rng.choice(domains)}",
            password=password,
            date_joined=now - timedelta(seconds=rng.randrange(2 * 365 * 86400)),
        )
        for i in range(n)
    ]
    created = []
    for start in range(0, n, 5000):
        created += User.objects.bulk_create(users[start : start + 5000])
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, primary=True, verified=True)
            for u in created[start : start + 5000]
        )
    return created


def supported(proposal, users, rng: random.Random) -> None:
    """`users` support and follow `proposal`, written in bulk with the facts the services record."""
    from django.db import connection
    from django.utils import timezone

    from cocreate.addresses import address_hash
    from votes.tallies import email_domain

    first = timezone.now() - timedelta(days=DAYS)
    pool = [address_hash(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}") for i in range(0, ADDRESSES, 7)]
    with connection.cursor() as cursor:
        for start in range(0, len(users), BATCH):
            part = users[start : start + BATCH]
            cursor.execute(
                _INSERT,
                [
                    proposal.pk,
                    [u.pk for u in part],
                    [first + timedelta(seconds=rng.randrange(DAYS * 86400)) for _ in part],
                    [rng.choice(pool) for _ in part],
                    [email_domain(u.email) for u in part],
                    [timezone.localdate(u.date_joined) for u in part],
                ],
            )
            cursor.execute(_FOLLOW, [proposal.pk, [u.pk for u in part]])


def pair(consultation, users, *, supports: int, overlap: int, rng: random.Random):
    """Two fresh proposals: the first supported by users[:supports], the second by the last `supports` of
    users[supports - overlap:]; counts and tallies counted from the rows, comments, then ANALYZE."""
    from django.db import connection

    from proposals.models import Comment, Proposal, Visibility
    from tests.support import factories
    from votes.models import Support
    from votes.tallies import tallies_rebuild

    target, duplicate = (
        factories.ProposalFactory(consultation=consultation, author=users[i]) for i in (0, 1)
    )
    supported(target, users[:supports], rng)
    supported(duplicate, users[supports - overlap : 2 * supports - overlap], rng)
    for proposal in (target, duplicate):
        Comment.objects.bulk_create(
            Comment(proposal=proposal, author=users[i], body=f"Comment {i}.", visibility=Visibility.PUBLISHED)
            for i in range(100)
        )
        count = Support.objects.filter(proposal=proposal).count()
        Proposal.objects.filter(pk=proposal.pk).update(
            supports_count=count, supports_version=count, comments_count=100
        )
        tallies_rebuild(proposal_id=proposal.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Proposal.objects.get(pk=target.pk), Proposal.objects.get(pk=duplicate.pk)


class Supporter(threading.Thread):
    """Supports `proposal` with one citizen after another until told to stop; each support's start and
    latency."""

    def __init__(self, proposal_id: int, users):
        super().__init__(daemon=True)
        self.proposal_id, self.users = proposal_id, users
        self.timings: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from proposals.models import Proposal
        from votes.services import support_add

        try:
            proposal = Proposal.objects.select_related("consultation").get(pk=self.proposal_id)
            for user in self.users:
                if self.stop.is_set():
                    return
                started = time.perf_counter()
                support_add(user=user, proposal=proposal)
                self.timings.append((started, time.perf_counter() - started))
        finally:
            connection.close()


def during(timings, started: float, ended: float) -> list[float]:
    """The latencies of the supports that were waiting or running at some moment of [started, ended]."""
    return [latency for at, latency in timings if at <= ended and at + latency >= started]


def run_once(consultation, users, spare, official, *, supports: int, overlap: int, rng) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from proposals.models import Proposal
    from tests.support import factories
    from votes.merging import proposals_merge
    from votes.models import Support, SupportTally
    from votes.tallies import tallies_rebuild

    target, duplicate = pair(consultation, users, supports=supports, overlap=overlap, rng=rng)
    bystander = factories.ProposalFactory(consultation=consultation, author=users[2])
    half = len(spare) // 2
    threads = [Supporter(bystander.pk, spare[:half]), Supporter(target.pk, spare[half:])]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the supporters at their pace before the merge
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = proposals_merge(actor=official, target=target, sources=[duplicate], reason="The same idea.")
        ended = time.perf_counter()
    time.sleep(0.5)
    for thread in threads:
        thread.stop.set()
        thread.join(60)

    rows = Support.objects.filter(proposal=target)
    stored = Proposal.objects.get(pk=target.pk)
    assert stored.supports_count == rows.filter(invalidation=None).count(), "the count is its rows"
    assert result.supports >= 2 * supports - overlap
    assert not Support.objects.filter(proposal=duplicate).exists()
    kept = sorted(SupportTally.objects.filter(proposal=target).values_list("kind", "key", "supports"))
    tallies_rebuild(proposal_id=target.pk)
    assert kept == sorted(SupportTally.objects.filter(proposal=target).values_list("kind", "key", "supports"))

    slowest = sorted(queries.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    return {
        "merge_s": ended - started,
        "statements": len(queries.captured_queries),
        "slowest": [(float(q["time"]), " ".join(q["sql"].split())[:70]) for q in slowest],
        "moved": result.moved,
        "dropped": result.dropped,
        "bystander": during(threads[0].timings, started, ended),
        "target": during(threads[1].timings, started, ended),
        "before": [latency for at, latency in threads[0].timings if at + latency < started],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--supports", type=int, default=50_000, help="supports of each proposal")
    parser.add_argument("--overlap", type=int, default=10_000, help="citizens who support both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default="cocreate_bench_merge")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    database_url = recreate_database(os.environ["DATABASE_URL"], args.database)
    setup_django(database_url, os.environ.get("REDIS_URL", ""))
    from tests.support import factories

    official, consultation = factories.official(), factories.consultation()
    spare_per_run = 4000
    users = citizens(2 * args.supports - args.overlap + spare_per_run * args.runs, rng)
    voters, spare = users[: 2 * args.supports - args.overlap], users[2 * args.supports - args.overlap :]
    print(
        f"two proposals with {args.supports} supports each, {args.overlap} citizens supporting both: "
        f"{2 * args.supports - args.overlap} after the merge"
    )
    print(
        "| run | merge s | statements | moved | dropped | supports during it: n, p50 ms, max ms "
        "(bystander / target) | support p50 ms before |"
    )
    print("|--:|--:|--:|--:|--:|--|--:|")
    runs = []
    for run in range(args.runs):
        row = run_once(
            consultation,
            voters,
            spare[run * spare_per_run : (run + 1) * spare_per_run],
            official,
            supports=args.supports,
            overlap=args.overlap,
            rng=rng,
        )
        runs.append(row)
        waits = " / ".join(
            f"{len(w)}, {ms(percentile(w, 50))}, {ms(max(w, default=float('nan')))}"
            for w in (row["bystander"], row["target"])
        )
        print(
            f"| {run + 1} | {row['merge_s']:.2f} | {row['statements']} | {row['moved']} | {row['dropped']} | "
            f"{waits} | {ms(percentile(row['before'], 50))} |"
        )
    print(f"\nmedian merge: {statistics.median(r['merge_s'] for r in runs):.2f} s over {args.runs} runs")
    print("slowest statements of the last run:")
    for seconds, sql in runs[-1]["slowest"]:
        print(f"  {seconds:.3f} s  {sql}")


if __name__ == "__main__":
    main()
