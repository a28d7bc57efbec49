"""PostgreSQL down for a while under a light steady load: how soon every worker serves again once it is back.

    .venv/bin/python bench/faults_postgres.py [--outages 10,60,130,300,400] [--workers 2] \\
        [--reads-per-second 4] [--supports-per-second 1] [--fault freeze] [--env DB_POOL_TIMEOUT=5] ...

PostgreSQL is the benchmark's own: a private cluster on a free loopback port (tests/support/postgres.py),
never the machine's shared server, holding one database (`--database`) that the benchmark migrates and
seeds with citizens and their API tokens. Redis is a private `redis-server` too. Each row starts fresh
uvicorn workers (separate processes, on settings `cocreate.settings.test` with the pool of production:
DB_POOL_MAX_SIZE=10 and the pool's other defaults; `--env NAME=VALUE` changes any setting).

Each row: reads of a proposal (anonymous) and supports (each by another citizen) are sent at a steady pace,
round-robin over the workers, each in a thread of its own (a slow answer holds up nothing). After
`--warmup` seconds PostgreSQL stops (fast shutdown: every session ended, then nothing listens), stays down
for the row's outage and starts again. `back` is the moment `pg_ctl start -w` returns: PostgreSQL accepts
connections. With `--fault freeze` PostgreSQL hangs instead: its processes are stopped (SIGSTOP), so
connections are taken and sessions stay open but nothing answers, then continued (`back`). Measured:

  first 503:     from the fault until the first answer 503, over all workers;

and per worker:

  first served:  from `back` until the first answer 200/201;
  all served:    from `back` until the last failed answer to a request sent after `back` (or the first
                 served, if later): from then on every request is served;

and what the requests sent during the outage were answered (status: count; 0 = no answer), with the
slowest of those answers and whether each 503 carried Retry-After. The load goes on until every worker
has served everything for `--settle` seconds, or `--recovery-limit` seconds after `back` ("never").
At the end of a row the supports stored equal the count and the 201 answers.

Every wait has a deadline; `--max-seconds` bounds the whole run; the servers, Redis and PostgreSQL are
stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.common import arguments, run_bench, status_counts, table  # noqa: E402
from bench.live_support import setup_django  # noqa: E402
from tests.support import servers  # noqa: E402
from tests.support.postgres import private_cluster  # noqa: E402
from tests.support.redis_server import redis_process  # noqa: E402

SERVED = {200, 201}


@dataclass
class Answer:
    worker: int
    kind: str  # "read" or "support"
    sent: float
    answered: float
    status: int
    retry_after: str | None


@dataclass
class Result:
    outage: float
    first_refused: float | None
    workers: int
    during: Counter
    slowest_during: float
    without_retry_after: int
    first_served: list[float | None]
    all_served: list[float | None]
    supports: tuple[int, int, int] = (0, 0, 0)  # rows, count, 201 answers
    answers: int = 0
    notes: list[str] = field(default_factory=list)


class Load(threading.Thread):
    """Reads and supports at a steady pace, round-robin over the workers, each request in its own thread."""

    def __init__(self, workers, proposal_id: int, tokens: list[str], args) -> None:
        super().__init__(daemon=True)
        self.workers, self.proposal_id, self.tokens, self.args = workers, proposal_id, tokens, args
        self.stop = threading.Event()
        self.answers: list[Answer] = []
        self._lock = threading.Lock()

    def run(self) -> None:
        rate = self.args.reads_per_second + self.args.supports_per_second
        support_every = rate / self.args.supports_per_second if self.args.supports_per_second else None
        tokens = iter(self.tokens)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=256) as pool:
            for n in range(10**9):
                if self.stop.wait(max(0.0, started + n / rate - time.monotonic())):
                    break
                worker = n % len(self.workers)
                if support_every and n % round(support_every) == 0:
                    token = next(tokens, None)
                    if token is None:
                        break
                    pool.submit(self._call, worker, "support", token)
                else:
                    pool.submit(self._call, worker, "read", None)

    def _call(self, worker: int, kind: str, token: str | None) -> None:
        server = self.workers[worker]
        path = f"/api/v1/proposals/{self.proposal_id}/"
        method = "GET" if kind == "read" else "POST"
        if kind == "support":
            path += "support/"
        sent = time.monotonic()
        try:
            answer = servers.api_request(server, method, path, token=token, timeout=self.args.http_timeout)
            status, retry_after = answer.status, answer.headers.get("retry-after")
        except OSError:
            status, retry_after = 0, None  # no answer in time, or the connection refused
        with self._lock:
            self.answers.append(Answer(worker, kind, sent, time.monotonic(), status, retry_after))

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)


def seed(citizens: int) -> list[str]:
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from tests.support import factories

    with transaction.atomic():
        return [Token.objects.create(user=factories.citizen()).key for _ in range(citizens)]


def recovery(answers: list[Answer], worker: int, back: float) -> tuple[float | None, float | None]:
    """(first served, all served) after `back` for one worker, in seconds; None when not yet."""
    mine = [a for a in answers if a.worker == worker and a.answered >= back]
    served = [a.answered for a in mine if a.status in SERVED]
    if not served:
        return None, None
    first = min(served) - back
    failed_after = [a.answered - back for a in mine if a.sent >= back and a.status not in SERVED]
    return first, max([first, *failed_after])


def settled(answers: list[Answer], workers: int, back: float, settle: float) -> bool:
    """Every worker served, and nothing sent to it in the last `settle` seconds failed."""
    now = time.monotonic()
    for worker in range(workers):
        first, _all = recovery(answers, worker, back)
        if first is None or back + first > now - settle:
            return False
        recent = [a for a in answers if a.worker == worker and a.sent >= now - settle - 1]
        if any(a.status not in SERVED for a in recent):
            return False
    return True


def run_row(outage: float, cluster, args, *, env: dict, tokens: list[str]) -> Result:
    from django.db import connections

    from proposals.models import Proposal
    from tests.support import factories
    from votes.models import Support

    proposal = factories.ProposalFactory()
    connections.close_all()  # this process's connection would not survive the outage
    with servers.serving(env, workers=args.workers, access_log=False, timeout=120) as workers:
        workers = workers if args.workers > 1 else [workers]
        load = Load(workers, proposal.pk, tokens, args)
        load.start()
        time.sleep(args.warmup)  # the load runs in its thread
        began = time.monotonic()
        if args.fault == "freeze":
            with cluster.frozen():
                time.sleep(outage)  # the outage itself
        else:
            cluster.stop()
            time.sleep(outage)  # the outage itself
            cluster.start()
        back = time.monotonic()
        deadline = back + args.recovery_limit
        while time.monotonic() < deadline and not settled(load.snapshot(), len(workers), back, args.settle):
            time.sleep(0.2)  # polling the answers, with a deadline
        load.stop.set()
        load.join(args.http_timeout + 5)
        time.sleep(0.5)  # the last answers' threads
        answers = load.snapshot()
    during = [a for a in answers if began <= a.sent < back]
    recoveries = [recovery(answers, worker, back) for worker in range(len(workers))]
    rows = Support.objects.filter(proposal=proposal).count()
    count = Proposal.objects.get(pk=proposal.pk).supports_count
    created = sum(1 for a in answers if a.kind == "support" and a.status == 201)
    refused = [a.answered - began for a in answers if a.status == 503 and a.answered >= began]
    return Result(
        outage=outage,
        first_refused=min(refused, default=None),
        workers=len(workers),
        during=Counter(a.status for a in during),
        slowest_during=max((a.answered - a.sent for a in during), default=0.0),
        without_retry_after=sum(1 for a in during if a.status == 503 and not a.retry_after),
        first_served=[first for first, _all in recoveries],
        all_served=[every for _first, every in recoveries],
        supports=(rows, count, created),
        answers=len(answers),
    )


def seconds(values: list[float | None]) -> str:
    return " / ".join("never" if v is None else f"{v:.2f}" for v in values) + " s"


def report(results: list[Result]) -> None:
    header = ["outage", "first 503", "first served after back (per worker)", "all served after back",
              "answers during", "slowest during", "503 w/o Retry-After", "rows = count = 201s"]  # fmt: skip
    rows = [
        [
            f"{r.outage:g} s", seconds([r.first_refused]), seconds(r.first_served), seconds(r.all_served),
            status_counts(r.during),
            f"{r.slowest_during:.2f} s", str(r.without_retry_after),
            " = ".join(str(n) for n in r.supports) + ("" if len(set(r.supports)) == 1 else "  MISMATCH"),
        ]
        for r in results
    ]  # fmt: skip
    table(header, rows)


def parse_args(argv=None) -> argparse.Namespace:
    parser = arguments(__doc__)
    parser.add_argument(
        "--database", default="cocreate_bench_faults_postgres", help="database in the cluster"
    )
    parser.add_argument("--outages", default="10,60,130,300,400", help="seconds PostgreSQL is down, per row")
    parser.add_argument(
        "--fault", choices=["stop", "freeze"], default="stop", help="PostgreSQL refuses, or hangs (SIGSTOP)"
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--reads-per-second", type=float, default=4, help="over all workers")
    parser.add_argument("--supports-per-second", type=float, default=1, help="over all workers")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before the outage")
    parser.add_argument(
        "--settle", type=float, default=5, help="seconds of only served requests to end a row"
    )
    parser.add_argument("--recovery-limit", type=float, default=300, help="seconds to wait after back")
    parser.add_argument("--http-timeout", type=float, default=30, help="a client's wait for an answer")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="server settings")
    parser.add_argument("--max-seconds", type=float, default=3600, help="the whole run stops after this")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    outages = [float(text) for text in args.outages.split(",")]
    signal.alarm(int(args.max_seconds))
    extra = {"LOG_LEVEL": "ERROR", "DB_POOL_MAX_SIZE": "10"}  # production's pool size
    extra.update(item.split("=", 1) for item in args.env)
    with private_cluster() as cluster, redis_process() as redis:
        import psycopg

        with psycopg.connect(cluster.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{args.database}"')
        database_url = cluster.url(args.database)
        print(f"database {args.database} on a private cluster: migrate, seed ...", flush=True)
        setup_django(database_url, redis.url())
        longest = args.warmup + max(outages) + args.recovery_limit + args.http_timeout
        tokens = seed(int(args.supports_per_second * longest) + 10)
        env = servers.server_env(database_url=database_url, redis_url=redis.url(), extra=extra)
        results = []
        for outage in outages:
            print(f"  PostgreSQL {args.fault} {outage:g} s ...", flush=True)
            results.append(run_row(outage, cluster, args, env=env, tokens=tokens))
            report(results[-1:])  # as it comes, in case a later row fails
    settings = " ".join(f"{name}={value}" for name, value in sorted(extra.items()))
    print(f"fault: {args.fault}; server settings: {settings}")
    report(results)
    bad = [
        r
        for r in results
        if None in r.all_served or r.during.get(500) or len(set(r.supports)) != 1 or r.without_retry_after
    ]
    return 1 if bad else 0


if __name__ == "__main__":
    run_bench(main)
