"""Redis going away under load, on each channel layer: restarted, and unreachable for 30 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate .venv/bin/python bench/faults.py \\
        [--layer pubsub,core] [--fault restart,partition] [--pages 30] [--partition-seconds 30] ...

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench_faults), migrates it and seeds one proposal per
row and citizens with API tokens. Redis is the benchmark's own: each row starts a private `redis-server` on a
free loopback port (tests/support/redis_server.py), never the machine's shared one, and a fresh uvicorn
worker whose cache, rate limits and channel layer are on it.

Each row: `--pages` pages follow the consultation's stream (tests/support/stream_pages.py: reconnect with
backoff as live.js does, capped at 2 s); a steady load of `--supports-per-second` supports (each by another
citizen) and a comment every `--comment-every` seconds runs over the HTTP API; after `--warmup` seconds the
fault:

  restart:    Redis is killed, stays down `--down-seconds`, and starts again empty (no persistence);
  partition:  Redis is frozen (SIGSTOP) for `--partition-seconds`: connections open, nothing answers.

The load stops when Redis is back. Measured: the writes' answers by status and their slowest during the
fault, the rows against the count, and the time from Redis being back until every page shows the stored
count and has every comment (by an event, or by reconnecting to a fresh snapshot after Redis came back,
when live.js refetches over REST); and how many pages said "reconnecting" (their socket closed).

Every wait has a deadline; `--max-seconds` bounds the whole run; the servers and Redis processes are
stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.live_support import recreate_database, setup_django, table  # noqa: E402
from tests.support import servers  # noqa: E402
from tests.support.redis_server import redis_process  # noqa: E402
from tests.support.stream_pages import Page, follow, until  # noqa: E402


@dataclass
class Result:
    layer: str
    fault: str
    fault_seconds: float
    answers: Counter
    slowest_during: float
    writes_during: int
    rows: int
    count: int
    comments: int
    recovered: float | None
    pages: int
    pages_closed: int


class Load(threading.Thread):
    """Supports (one citizen each) and comments over the HTTP API at a steady pace until stopped."""

    def __init__(self, server, proposal_id: int, tokens: list[str], args) -> None:
        super().__init__(daemon=True)
        self.server, self.proposal_id, self.tokens, self.args = server, proposal_id, tokens, args
        self.stop = threading.Event()
        self.answers: list[tuple[float, float, int]] = []  # (sent, seconds, status)

    def run(self) -> None:
        interval = 1 / self.args.supports_per_second
        next_comment = time.monotonic() + self.args.comment_every
        for n, token in enumerate(self.tokens):
            if self.stop.wait(interval):
                return
            self._call("POST", f"/api/v1/proposals/{self.proposal_id}/support/", token)
            if time.monotonic() >= next_comment:
                next_comment += self.args.comment_every
                path = f"/api/v1/proposals/{self.proposal_id}/comments/"
                self._call("POST", path, self.tokens[-1 - n], {"body": f"Comment {n}"})

    def _call(self, method: str, path: str, token: str, data=None) -> None:
        sent = time.monotonic()
        try:
            status = servers.api_request(self.server, method, path, token=token, data=data, timeout=30).status
        except OSError:
            status = 0  # no answer
        self.answers.append((sent, time.monotonic() - sent, status))


def seed(citizens: int) -> list[str]:
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from tests.support import factories

    with transaction.atomic():
        tokens = [Token.objects.create(user=factories.citizen()).key for _ in range(citizens)]
    return tokens


def run_row(layer: str, fault: str, args, *, database_url: str, tokens: list[str]) -> Result:
    from proposals.models import Comment, Proposal
    from tests.support import factories
    from votes.models import Support

    proposal = factories.ProposalFactory()
    fault_seconds = args.down_seconds if fault == "restart" else args.partition_seconds
    with redis_process() as redis:
        extra = {"REDIS_CHANNEL_LAYER": layer, "LOG_LEVEL": "ERROR", "DB_POOL_MAX_SIZE": "4"}
        env = servers.server_env(database_url=database_url, redis_url=redis.url(), extra=extra)
        with servers.serving(env, access_log=False) as server:
            pages = [Page(proposal.pk) for _ in range(args.pages)]
            load = Load(server, proposal.pk, tokens, args)

            async def scenario():
                consultation = proposal.consultation_id
                followers = [asyncio.ensure_future(follow(server, consultation, p, cap=2.0)) for p in pages]
                try:
                    for page in pages:
                        await asyncio.wait_for(page.ready.wait(), 30)
                    load.start()
                    await asyncio.sleep(args.warmup)
                    began = time.monotonic()
                    redis.stop() if fault == "restart" else redis.pause()
                    await asyncio.sleep(fault_seconds)
                    await asyncio.to_thread(redis.start if fault == "restart" else redis.resume)
                    back = time.monotonic()
                    load.stop.set()
                    await asyncio.to_thread(load.join, 60)
                    rows = await asyncio.to_thread(Support.objects.filter(proposal=proposal).count)
                    ids = Comment.objects.filter(proposal=proposal).values_list("pk", flat=True)
                    comments = set(await asyncio.to_thread(list, ids))

                    def caught_up(page: Page) -> bool:
                        resynced = page.last_snapshot > back
                        return page.supports == rows and (resynced or comments <= page.comments)

                    try:
                        await until(lambda: all(caught_up(page) for page in pages), args.recovery_limit)
                        recovered = time.monotonic() - back
                    except TimeoutError:
                        recovered = None
                    return began, back, rows, len(comments), recovered
                finally:
                    for task in followers:
                        task.cancel()
                    await asyncio.gather(*followers, return_exceptions=True)

            began, back, rows, comments, recovered = asyncio.run(scenario())
            during = [seconds for sent, seconds, _status in load.answers if began <= sent <= back]
            count = Proposal.objects.get(pk=proposal.pk).supports_count
            return Result(
                layer, fault, fault_seconds, Counter(status for _s, _t, status in load.answers),
                max(during, default=0.0), len(during), rows, count, comments, recovered,
                len(pages), sum(1 for page in pages if page.closed),
            )  # fmt: skip


def report(results: list[Result]) -> None:
    header = ["layer", "fault", "s", "answers", "writes in fault", "slowest in fault",
              "rows = count", "comments", "pages closed", "recovered in"]  # fmt: skip
    rows = [
        [
            r.layer, r.fault, f"{r.fault_seconds:g}",
            " ".join(f"{status}x{n}" for status, n in sorted(r.answers.items())),
            str(r.writes_during), f"{r.slowest_during:.2f} s",
            f"{r.rows} = {r.count}" if r.rows == r.count else f"{r.rows} != {r.count}",
            str(r.comments), f"{r.pages_closed}/{r.pages}",
            "never" if r.recovered is None else f"{r.recovered:.2f} s",
        ]
        for r in results
    ]  # fmt: skip
    table(header, rows)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--database", default="cocreate_bench_faults", help="database to recreate and use")
    parser.add_argument("--layer", default="pubsub,core", help="channel layers, comma-separated")
    parser.add_argument("--fault", default="restart,partition", help="faults, comma-separated")
    parser.add_argument("--pages", type=int, default=30, help="open pages on the consultation's stream")
    parser.add_argument("--supports-per-second", type=float, default=5)
    parser.add_argument("--comment-every", type=float, default=2, help="seconds between two comments")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before the fault")
    parser.add_argument("--down-seconds", type=float, default=5, help="restart: how long Redis stays down")
    parser.add_argument("--partition-seconds", type=float, default=30, help="partition: how long it hangs")
    parser.add_argument("--recovery-limit", type=float, default=60, help="seconds to wait for the pages")
    parser.add_argument("--max-seconds", type=float, default=900, help="the whole run stops after this")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    import os

    args = parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        print("DATABASE_URL must name the PostgreSQL server.", file=sys.stderr)
        return 2
    signal.alarm(int(args.max_seconds))
    with redis_process() as setup_redis:  # the seeding process's cache: not the machine's shared Redis
        print(f"database {args.database}: drop, create, migrate, seed ...", flush=True)
        database_url = recreate_database(os.environ["DATABASE_URL"], args.database)
        setup_django(database_url, setup_redis.url())
        longest = args.warmup + max(args.down_seconds, args.partition_seconds)
        tokens = seed(int(args.supports_per_second * (longest + 5)) + 10)
        results = []
        for layer in args.layer.split(","):
            for fault in args.fault.split(","):
                print(f"  {layer}, {fault} ...", flush=True)
                results.append(run_row(layer, fault, args, database_url=database_url, tokens=tokens))
    report(results)
    bad = [r for r in results if r.recovered is None or r.rows != r.count or r.answers.get(500)]
    return 1 if bad else 0


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)  # so that every `with` block stops what it started


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGALRM, _exit_on_signal)
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
