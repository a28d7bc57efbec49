"""How long an official's response to a proposal with many followers takes, and holds the proposal.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/fanout.py [--followers 1000,10000,50000] [--repeat 3]

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench_fanout) and migrates it. For each size it
writes that many verified citizens following one published proposal (in bulk), then times, in this
process (no HTTP), `response_publish` by an official: one transaction that records the response and
writes one notification per follower, while it holds the proposal's row lock (a support to that
proposal waits for it), then, after commit, the first e-mails (test settings: Django's in-memory mail
backend, so this is rendering, not SMTP). The lock is held for the transaction; the call returns after
the e-mails. Each size is repeated on fresh proposals followed by the same citizens; medians are shown.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.live_support import recreate_database, setup_django  # noqa: E402
from bench.pages import verified_citizens  # noqa: E402


def followers_of(proposal, users) -> None:
    from proposals.models import Follow

    Follow.objects.bulk_create([Follow(user=user, proposal=proposal) for user in users], batch_size=5000)


def _stamp(store: dict) -> None:
    store["at"] = time.perf_counter()


def measure(followers: int, repeat: int, users, official, consultation) -> dict[str, float]:
    from django.core import mail
    from django.db import transaction

    from proposals.models import Notification
    from proposals.services import response_publish
    from tests.support import factories

    in_transaction, total = [], []
    for _ in range(repeat):
        proposal = factories.ProposalFactory(consultation=consultation, author=users[0])
        followers_of(proposal, users[:followers])
        mail.outbox = []
        started = time.perf_counter()
        committed = {}
        with transaction.atomic():
            # First in line after commit: it runs before the response's own callbacks (the e-mails).
            transaction.on_commit(partial(_stamp, committed))
            response_publish(actor=official, proposal=proposal, body="We will do it.", decision="accepted")
        total.append(time.perf_counter() - started)
        in_transaction.append(committed["at"] - started)
        written = Notification.objects.filter(entry__proposal=proposal).count()
        assert written == followers, (written, followers)
    return {
        "followers": followers,
        "transaction_s": statistics.median(in_transaction),
        "call_s": statistics.median(total),
        "emails": len(mail.outbox),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default="cocreate_bench_fanout")
    args = parser.parse_args()
    sizes = [int(n) for n in args.followers.split(",")]

    database_url = recreate_database(os.environ["DATABASE_URL"], args.database)
    setup_django(database_url, os.environ.get("REDIS_URL", ""))
    from tests.support import factories

    official, consultation = factories.official(), factories.consultation()
    users = verified_citizens(max(sizes))
    print("| followers | transaction (lock held) s | whole call s | e-mails in the call |")
    print("|--:|--:|--:|--:|")
    for size in sizes:
        row = measure(size, args.repeat, users, official, consultation)
        print(f"| {row['followers']} | {row['transaction_s']:.2f} | {row['call_s']:.2f} | {row['emails']} |")


if __name__ == "__main__":
    main()
