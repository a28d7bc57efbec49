"""Faults under load, on each channel layer: Redis restarted, Redis unreachable for 30 s, a worker killed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate .venv/bin/python bench/faults.py \\
        [--layer pubsub,core] [--fault restart,partition,worker-kill] [--pages 30] [--sockets 1000] ...

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

worker-kill (not run unless asked): `--sockets` pages follow the stream through HAProxy
(tests/support/balancer.py) in front of two workers (bench/counted_app.py: the site, counting snapshot
reads and refetches), from client processes (bench/live_support.py's, first handshakes gated); each
reconnects as live.js does (tests/support/stream_pages.py: jittered backoff from 1 s, then the proposal
list over REST within 3 s). Supports and comments run through HAProxy; after `--warmup` seconds the first
worker is killed with SIGKILL and the load goes on `--load-after-kill` seconds. Measured: how many pages
lost their socket; per 100 ms after the kill, the sockets closed, the attempts to reconnect and the
snapshots received (a herd would be one or two tall bins); what the wave cost the survivor (sockets,
snapshot reads, refetches, its CPU, its /healthz answer time); the writes' answers and times; HAProxy's
view of the workers; and the time until every page shows the rows.

Every wait has a deadline; `--max-seconds` bounds the whole run; the servers, HAProxy and Redis processes
are stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import multiprocessing
import random
import signal
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench import live_support  # noqa: E402
from bench.common import arguments, require_services, run_bench, status_counts, table  # noqa: E402
from bench.live_support import ms, percentile, recreate_database, setup_django  # noqa: E402
from tests.support import servers  # noqa: E402
from tests.support.balancer import balancing  # noqa: E402
from tests.support.redis_server import redis_process  # noqa: E402
from tests.support.servers import Site  # noqa: E402
from tests.support.stream_pages import Followers, Page, following, live_js_backoff, until  # noqa: E402

APP = "bench.counted_app:application"  # the site's application, counting snapshot reads and refetches
COUNTERS_PATH = "/bench/counters"  # where it answers them (bench/counted_app.py)
REFETCH_JITTER = 3.0  # seconds: live.js reads the proposal list after a reconnect within this (shared.js)


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
        self.failures: list[tuple] = []  # (sent, method, path, status, body): the first few are printed

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
            answer = servers.api_request(self.server, method, path, token=token, data=data, timeout=30)
        except OSError:
            answer = servers.ApiResponse(0, None)  # no answer
        self.answers.append((sent, time.monotonic() - sent, answer.status))
        if answer.status >= 500 or answer.status in (0, 400):
            self.failures.append((sent, method, path, answer.status, str(answer.body)[:200]))


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
                async with following(server, consultation, pages, cap=2.0):
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
            status_counts(r.answers),
            str(r.writes_during), f"{r.slowest_during:.2f} s",
            f"{r.rows} = {r.count}" if r.rows == r.count else f"{r.rows} != {r.count}",
            str(r.comments), f"{r.pages_closed}/{r.pages}",
            "never" if r.recovered is None else f"{r.recovered:.2f} s",
        ]
        for r in results
    ]  # fmt: skip
    table(header, rows)


# --- A worker killed under a thousand sockets, behind HAProxy -------------------------------------------


@dataclass
class Address(Site):
    """The balancer's address, as the client processes are given it."""

    host: str
    port: int


async def http_get(site: Site, path: str, timeout: float = 30) -> tuple[int, str]:
    """GET `path`, read the answer to its end; its status (0 for no answer) and who answered: "app" or
    "balancer" (an HTML error page). The standard library only, in the pages' event loop (a fetch)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(site.host, site.port), timeout)
    except (OSError, TimeoutError):
        return 0, ""
    try:
        request = f"GET {path} HTTP/1.1\r\nHost: {site.host}:{site.port}\r\nConnection: close\r\n\r\n"
        writer.write(request.encode())
        answer = await asyncio.wait_for(reader.read(), timeout)
        status = int(answer.split(b" ", 2)[1])
        return status, "app" if b"application/json" in answer.partition(b"\r\n\r\n")[0] else "balancer"
    except (OSError, TimeoutError, IndexError, ValueError):
        return 0, ""
    finally:
        writer.close()


def pages_process(targets, handshakes, deadline, stop, events, results, site, consultation, proposal, final):
    """A client process of bench/live_support.py's Listeners: `len(targets)` pages on the consultation's
    stream through `site`, each reconnecting as live.js does (tests/support/stream_pages.py) and refetching
    the proposal list over REST after a reconnection. Reports ("ready", opened, 0); then ("exact", time)
    once every page here shows `final.value` (set by the parent once the writes stopped); then
    ("result", records) when `stop` is set."""
    live_support.raise_open_files_limit()
    try:
        pages = asyncio.run(_pages(len(targets), handshakes, deadline, stop, events, site, consultation,
                                   proposal, final))  # fmt: skip
        results.put(("result", pages))
    except BaseException as error:  # the parent must hear of it rather than wait for the deadline
        results.put(("error", repr(error)))
        events.put(("error", repr(error)))


async def _pages(count, handshakes, deadline, stop, events, site, consultation, proposal, final) -> list:
    gate = asyncio.Semaphore(handshakes)  # the first connections only: reconnections are the pages' own
    pages = [Page(proposal) for _ in range(count)]
    refetches: list[list] = [[] for _ in pages]
    refetching = set()

    async def open_page(i: int) -> None:
        def reconnected() -> None:
            refetching.add(
                task := asyncio.ensure_future(refetch())
            )  # in the background: live.js's setTimeout
            task.add_done_callback(refetching.discard)

        async def refetch() -> None:
            await asyncio.sleep(random.random() * REFETCH_JITTER)
            sent = time.monotonic()
            status, source = await http_get(site, f"/api/v1/consultations/{consultation}/proposals/")
            refetches[i].append((sent, time.monotonic() - sent, f"{status} {source}".strip()))

        async with gate:
            followers.start(site, consultation, pages[i], backoff=live_js_backoff, reconnected=reconnected)
            await asyncio.wait_for(pages[i].ready.wait(), 60)

    async with Followers() as followers:
        await asyncio.gather(*(open_page(i) for i in range(count)))
        events.put(("ready", count, 0))
        exact = False
        while not stop.is_set() and time.monotonic() < deadline:
            if not exact and final.value >= 0 and all(page.supports == final.value for page in pages):
                events.put(("exact", time.monotonic()))
                exact = True
            await asyncio.sleep(0.02)
    return [
        {
            "closed": p.closed_at,
            "opening": p.opening_at,
            "snapshots": p.snapshot_at,
            "supports": p.supports,
            "refetches": r,
        }
        for p, r in zip(pages, refetches, strict=True)
    ]


class Monitor(threading.Thread):
    """Every `interval` seconds: a worker's CPU time so far, and how long it took to answer `path` (on its
    own port): /healthz for how busy its event loop is, /readyz for what HAProxy's checks wait."""

    def __init__(self, worker: servers.AsgiServer, path: str = "/healthz", interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.worker, self.path, self.interval = worker, path, interval
        self.stop = threading.Event()
        self.samples: list[tuple[float, float, float]] = []  # (time, CPU seconds, answer seconds)
        self.statuses: Counter = Counter()  # 0: no answer within 10 s

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            sent = time.monotonic()
            try:
                with urllib.request.urlopen(self.worker.http_url(self.path), timeout=10) as answer:  # noqa: S310
                    status = answer.status
            except urllib.error.HTTPError as error:  # a 503 is an answer too
                status = error.code
            except OSError:
                status = 0
            seconds = time.monotonic() - sent if status else math.inf
            self.statuses[status] += 1
            self.samples.append((sent, live_support.cpu_seconds(self.worker.process.pid), seconds))


def counters(worker: servers.AsgiServer) -> Counter:
    with urllib.request.urlopen(worker.http_url(COUNTERS_PATH), timeout=10) as response:  # noqa: S310
        return Counter(json.loads(response.read()))


@dataclass
class KillResult:
    layer: str
    pages: int
    held: dict[str, int]  # sockets per worker before the kill, as HAProxy counts them
    marked_down: float  # seconds from the kill until HAProxy marked the worker down
    lost: int  # pages whose socket closed
    delays: list[float]  # per lost page, seconds from the kill to its next snapshot
    tries: list[float]  # per attempt to open a socket after the kill, seconds from the kill
    closes: list[float]  # per lost page, seconds from the kill until its socket closed
    transitions: list[str]  # HAProxy's log of the workers going down and up
    attempts: list[int]  # per lost page, connection attempts until it got one
    never: int  # lost pages that never reconnected
    cost: Counter  # the survivor's sockets, snapshot reads and refetches from the kill to the end
    refetch_statuses: Counter
    refetch_seconds: list[float]
    cpu: list[float]  # the survivor's CPU share per sample from the kill to the last reconnection
    cpu_before: float
    probe_before: list[float]
    probe_during: list[float]
    ready_before: list[float]  # /readyz, likewise
    ready_during: list[float]
    ready_statuses: Counter  # /readyz's answers by status, the whole run
    answers: Counter
    answers_during: Counter  # from the kill to the last reconnection
    write_before: list[float]
    write_during: list[float]
    rows: int
    count: int
    exact: float | None  # seconds from the kill until every page showed the rows
    exact_after_writes: float | None  # ... from the last write's answer
    failures: list[str]  # the writes that failed: seconds from the kill, request, status, body


def worker_kill_row(layer: str, args, *, database_url: str, tokens: list[str]) -> KillResult:
    from proposals.models import Proposal
    from tests.support import factories
    from votes.models import Support

    proposal = factories.ProposalFactory()
    with redis_process() as redis:
        # The production pool (cocreate/settings/production.py): 10 connections per worker.
        extra = {"REDIS_CHANNEL_LAYER": layer, "LOG_LEVEL": "ERROR", "DB_POOL_MAX_SIZE": "10"}
        env = servers.server_env(database_url=database_url, redis_url=redis.url(), extra=extra)
        with (
            servers.serving(env, workers=2, access_log=False, app=APP) as workers,
            balancing(workers) as balancer,
        ):
            return _kill_under_load(layer, args, proposal, workers, balancer, tokens, Support, Proposal)


def _kill_under_load(layer, args, proposal, workers, balancer, tokens, Support, Proposal) -> KillResult:
    victim, survivor = workers
    final = multiprocessing.get_context("spawn").Value("i", -1)
    site = Address(balancer.host, balancer.port)
    listeners = live_support.Listeners(
        [None] * args.sockets, per_process=args.sockets_per_process, handshakes=args.handshakes,
        deadline=time.monotonic() + args.max_seconds, process=pages_process,
        extra=(site, proposal.consultation_id, proposal.pk, final),
    )  # fmt: skip
    load, monitor = Load(balancer, proposal.pk, tokens, args), Monitor(survivor)
    ready = Monitor(survivor, "/readyz", interval=0.5)  # HAProxy's own checks come every 2 s
    try:
        listeners.start()
        held = {name: int(row["scur"]) for name, row in balancer.stats().items()}
        monitor.start()
        ready.start()
        load.start()
        time.sleep(args.warmup)  # the steady load before the kill
        before = counters(survivor)
        killed = time.monotonic()
        victim.process.kill()
        marked_down = balancer.wait_state("w1", "DOWN", 30)
        time.sleep(max(0.0, killed + args.load_after_kill - time.monotonic()))
        load.stop.set()
        load.join(60)
        last_write = time.monotonic()
        rows = Support.objects.filter(proposal=proposal).count()
        final.value = rows
        exact = listeners.each("exact", args.recovery_limit)
        cost = counters(survivor) - before
        monitor.stop.set()
        ready.stop.set()
        records = listeners.finish()
    finally:
        load.stop.set()
        monitor.stop.set()
        ready.stop.set()
        listeners.close()
    count = Proposal.objects.get(pk=proposal.pk).supports_count
    done = max(exact) if len(exact) == listeners.processes else None
    return summarize_kill(
        layer, records, killed, held=held, marked_down=marked_down, cost=cost, monitor=monitor, ready=ready,
        answers=load.answers, rows=rows, count=count, exact=done, last_write=last_write,
        transitions=[line for line in balancer.log().splitlines() if " is DOWN" in line or " is UP" in line],
        failures=[f"{sent - killed:+.2f} s {method} {path}: {status} {body!r}"
                  for sent, method, path, status, body in load.failures],
    )  # fmt: skip


def summarize_kill(layer, records, killed, *, held, marked_down, cost, monitor, ready, answers, rows, count,
                   exact, last_write, failures, transitions) -> KillResult:  # fmt: skip
    lost = [r for r in records if any(t >= killed for t in r["closed"])]
    delays, attempts, tries = [], [], []
    closes = [min(t for t in r["closed"] if t >= killed) - killed for r in lost]
    for r in lost:
        after = [t for t in r["snapshots"] if t > killed]
        tries += [t - killed for t in r["opening"] if t > killed]
        if after:
            delays.append(after[0] - killed)
            attempts.append(sum(1 for t in r["opening"] if killed <= t < after[0]))
    wave_end = killed + max(delays, default=0.0)
    refetches = [s for r in records for (t, _seconds, s) in r["refetches"] if t >= killed]
    refetch_seconds = [seconds for r in records for (t, seconds, _s) in r["refetches"] if t >= killed]
    samples = monitor.samples
    cpu = [(c1 - c0) / (t1 - t0) for (t0, c0, _), (t1, c1, _) in itertools.pairwise(samples)
           if killed <= t1 and t0 <= wave_end]  # fmt: skip
    calm = [(t, c) for t, c, _ in samples if t < killed]
    cpu_before = (calm[-1][1] - calm[0][1]) / (calm[-1][0] - calm[0][0]) if len(calm) > 1 else math.nan
    return KillResult(
        layer=layer, pages=len(records), held=held, marked_down=marked_down, lost=len(lost), delays=delays,
        tries=tries, closes=closes, transitions=transitions,
        attempts=attempts, never=len(lost) - len(delays), cost=cost, refetch_statuses=Counter(refetches),
        refetch_seconds=refetch_seconds,
        cpu=cpu, cpu_before=cpu_before,
        probe_before=[s for t, _c, s in samples if t < killed],
        probe_during=[s for t, _c, s in samples if killed <= t <= wave_end],
        ready_before=[s for t, _c, s in ready.samples if t < killed],
        ready_during=[s for t, _c, s in ready.samples if killed <= t <= wave_end],
        ready_statuses=ready.statuses,
        answers=Counter(status for _s, _t, status in answers),
        answers_during=Counter(status for sent, _t, status in answers if killed <= sent <= wave_end),
        write_before=[s for sent, s, _status in answers if sent < killed],
        write_during=[s for sent, s, _status in answers if killed <= sent <= wave_end],
        rows=rows, count=count, exact=None if exact is None else exact - killed,
        exact_after_writes=None if exact is None else exact - last_write, failures=failures,
    )  # fmt: skip


def spread(seconds: list[float]) -> str:
    return (
        f"p50 {ms(percentile(seconds, 50))} ms, p99 {ms(percentile(seconds, 99))} ms,"
        f" max {ms(max(seconds, default=math.nan))} ms"
    )


def histogram(seconds: list[float]) -> None:
    bins = Counter(int(d * 10) for d in seconds)
    for start in range(0, max(bins, default=-1) + 1, 10):
        print(
            f"    {start / 10:4.1f} s " + " ".join(f"{bins.get(b, 0):3d}" for b in range(start, start + 10))
        )
    print(f"    at most {max(bins.values(), default=0)} in 100 ms")


def report_kill(r: KillResult, args) -> None:
    print()
    print(f"{r.layer}: {r.pages} pages through HAProxy on two workers (sockets {r.held}),")
    print(f"  {args.supports_per_second:g} supports/s; w1 killed (SIGKILL), down in {r.marked_down:.2f} s")
    print(f"  pages whose socket closed: {r.lost}; reconnected: {len(r.delays)}; never: {r.never}")
    print(f"  reconnected after the kill: min {ms(min(r.delays, default=math.nan))} ms, {spread(r.delays)};")
    print(f"    connection attempts per page: {dict(sorted(Counter(r.attempts).items()))}")
    print("  per 100 ms after the kill: sockets closed, attempts to open one (the pages' backoff), then")
    print("  snapshots received (the survivor's answers); each line is a second, from 0 s")
    histogram(r.closes)
    histogram(r.tries)
    histogram(r.delays)
    print(f"  the survivor served {r.cost['sockets']} sockets, {r.cost['snapshot_reads']} snapshot reads,")
    print(f"    {r.cost['refetches']} REST refetches: answers {dict(r.refetch_statuses)},")
    print(f"    {spread(r.refetch_seconds)}")
    mean = statistics.fmean(r.cpu) if r.cpu else math.nan
    top = max(r.cpu, default=0)
    print(f"  its CPU (1 = a core): {r.cpu_before:.2f} before; in the wave mean {mean:.2f}, max {top:.2f}")
    print(f"  its /healthz: before {spread(r.probe_before)}; in the wave {spread(r.probe_during)}")
    print(f"  its /readyz: before {spread(r.ready_before)}; in the wave {spread(r.ready_during)};")
    print(f"    answers by status (0: none within 10 s) {dict(sorted(r.ready_statuses.items()))}")
    during = dict(sorted(r.answers_during.items()))
    print(f"  writes through HAProxy, by status: {dict(sorted(r.answers.items()))}, in the wave {during}")
    print(f"    before {spread(r.write_before)}; in the wave {spread(r.write_during)}")
    for line in r.transitions:
        print(f"  HAProxy: {line}")
    for failure in r.failures[:5]:
        print(f"    failed: {failure}")
    exact = "never"
    if r.exact is not None:
        exact = f"{r.exact:.2f} s after the kill, {r.exact_after_writes:.2f} s after the last write"
    print(f"  rows {r.rows}, count {r.count}; every page shows the rows: {exact}")


def parse_args(argv=None) -> argparse.Namespace:
    parser = arguments(__doc__)
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
    parser.add_argument("--sockets", type=int, default=1000, help="worker-kill: open pages on two workers")
    parser.add_argument("--sockets-per-process", type=int, default=500, help="worker-kill: pages per client")
    parser.add_argument("--handshakes", type=int, default=100, help="worker-kill: first handshakes in flight")
    parser.add_argument(
        "--load-after-kill", type=float, default=10, help="worker-kill: seconds of load after"
    )
    parser.add_argument("--max-seconds", type=float, default=900, help="the whole run stops after this")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    [server_url] = require_services("DATABASE_URL")
    signal.alarm(int(args.max_seconds))
    live_support.raise_open_files_limit()  # the servers and HAProxy inherit it
    with redis_process() as setup_redis:  # the seeding process's cache: not the machine's shared Redis
        print(f"database {args.database}: drop, create, migrate, seed ...", flush=True)
        database_url = recreate_database(server_url, args.database)
        setup_django(database_url, setup_redis.url())
        longest = args.warmup + max(args.down_seconds, args.partition_seconds, args.load_after_kill + 30)
        tokens = seed(int(args.supports_per_second * (longest + 5)) + 10)
        results, kills = [], []
        for layer in args.layer.split(","):
            for fault in args.fault.split(","):
                print(f"  {layer}, {fault} ...", flush=True)
                if fault == "worker-kill":
                    kills.append(worker_kill_row(layer, args, database_url=database_url, tokens=tokens))
                else:
                    results.append(run_row(layer, fault, args, database_url=database_url, tokens=tokens))
    if results:
        report(results)
    for result in kills:
        report_kill(result, args)
    bad = [r for r in results if r.recovered is None or r.rows != r.count or r.answers.get(500)]
    bad += [r for r in kills if r.exact is None or r.never or r.rows != r.count or r.answers.get(500)]
    return 1 if bad else 0


if __name__ == "__main__":
    run_bench(main)
