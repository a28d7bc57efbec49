"""A soak: mixed traffic for 30 minutes on two workers with 2,000 open pages; memory, errors and latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/soak.py [--minutes 30] [--pages 2000] [--rate 8] [--window-minutes 5] ...

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench_soak), migrates it and seeds one consultation
with `--proposals` proposals, `--citizens` verified citizens with API tokens (a few also signed in, with a
session cookie) and an official. REDIS_URL is the servers' cache, rate limits and channel layer; use a Redis
database nobody else uses, since the channel groups are named by ids.

Two uvicorn workers (tests/support/servers.py, distinct ports, sharing PostgreSQL and Redis, as production
workers do) run with the production defaults that matter here: the channel layer (`--layer`, pubsub), the
pool of DB_POOL_MAX_SIZE=10 connections per worker, the page and journey caches, search on the database.
The per-address rate limits are raised (every request comes from 127.0.0.1); the per-account ones stay.

`--pages` pages (half on each worker) follow the consultation's stream as live.js does
(tests/support/stream_pages.py), each keeping one proposal's count, from client processes of at most
`--pages-per-process` pages, handshakes gated; every minute `--reconnect-percent` of them drop their socket
and open a new one, as phones do. Meanwhile, for `--minutes`, `--rate` requests a second (steady, spread over
both workers, `--clients` at a time) of: the consultation page and proposal pages (anonymous and signed in),
API reads (the consultations, a consultation's proposals, a proposal, a search), supports by citizens and
their withdrawals, comments; a new proposal every `--proposal-every` seconds and an official response
every `--response-every` seconds.

Measured per window of `--window-minutes`: each worker's resident memory (VmRSS from /proc) and CPU, the
PostgreSQL connections to the benchmark's database, requests by kind and status with p50/p99 latency (any
5xx or failed connection is an error), events received by the pages and reconnections. Summary: the
least-squares slope of each worker's memory (MB per 10 minutes, from a sample every `--sample-seconds`,
leaving out the first `--warmup-minutes` of warm-up), the errors, p99 of the first window against the last,
and whether every page, once the traffic stops, shows the count its proposal has in the database.

`--trace-memory DIR`: each worker also samples its memory by kind (Python's objects, malloc's heap, Python's
arenas) and, unless `--trace-frames 0`, traces its allocations; the report ends with them and with the
allocation sites that grew most (bench/memory_trace.py).

Every wait has a deadline; `--max-seconds` bounds the whole run (default: the minutes plus 15); the servers
and client processes are stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import itertools
import json
import math
import os
import queue
import random
import signal
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.common import arguments, require_services, run_bench, status_counts, table  # noqa: E402
from bench.live_support import (  # noqa: E402
    CONTEXT,
    client_processes,
    cpu_seconds,
    forget_earlier_runs,
    percentile,
    raise_open_files_limit,
    recreate_database,
    rss_kib,
    setup_django,
)
from tests.support import servers  # noqa: E402
from tests.support.stream_pages import Followers, Page, until  # noqa: E402

RELAXED = "100000/minute"  # the per-address limits: every request of the benchmark comes from 127.0.0.1
SETTLE_SECONDS = 60  # once the traffic stops, for every page to show its proposal's count
KEEP_ALIVE_REUSE = 3  # seconds a client reuses an idle connection: uvicorn closes them after 5


# --- Seed ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    consultation: int
    consultation_path: str
    proposals: list[int]
    tokens: list[str]
    sessions: list[str]  # session cookies of signed-in citizens
    official: str  # an official's API token


def seed(*, proposals: int, citizens: int, signed_in: int) -> Seeded:
    from django.db import transaction
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from tests.support import factories

    with transaction.atomic():
        consultation = factories.consultation(title="Soak: the unemployment-benefit journey")
        users = [factories.citizen() for _ in range(citizens)]
        tokens = [Token.objects.create(user=user).key for user in users]
        ids = [
            factories.ProposalFactory(consultation=consultation, author=users[i % len(users)]).pk
            for i in range(proposals)
        ]
        official = Token.objects.create(user=factories.official()).key
    sessions = []
    for user in users[:signed_in]:
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    path = consultation.get_url_parts()[2]
    return Seeded(consultation.pk, path, ids, tokens, sessions, official)


# --- Pages: client processes that keep them open -------------------------------------------------------


@dataclass
class CountingPage(Page):
    events: int = 0  # messages after the snapshots

    def read(self, message: dict) -> None:
        if message["type"] != "snapshot":
            self.events += 1
        super().read(message)


@dataclass(frozen=True)
class Address:
    """What follow() needs of a server; an AsgiServer (with its process) stays in the parent."""

    port: int
    host: str = servers.HOST

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def ws_url(self, path: str) -> str:
        return f"ws://{self.host}:{self.port}{path}"


def pages_process(plan, handshakes: int, index: int, consultation: int, reconnect_percent: float, pipes):
    """Keep one page per (port, proposal) of `plan` open until told to stop. Reports ("ready", ...) once
    they are open, then ("status", ...) every second; on ("check", {proposal: rows}) waits until every page
    shows its proposal's rows and reports ("checked", ...)."""
    commands, reports = pipes
    raise_open_files_limit()
    try:
        asyncio.run(_pages(index, plan, consultation, handshakes, reconnect_percent, commands, reports))
    except BaseException as error:  # the parent must hear of it rather than wait for the deadline
        reports.put(("error", index, repr(error)))


async def _pages(index, plan, consultation, handshakes, reconnect_percent, commands, reports) -> None:
    gate = asyncio.Semaphore(handshakes)
    pages = [CountingPage(proposal) for _port, proposal in plan]
    addresses = [Address(port) for port, _proposal in plan]
    tasks: list[asyncio.Task | None] = [None] * len(pages)
    reconnects = 0

    async def open_page(i: int) -> bool:
        async with gate:  # at most `handshakes` pages of this process connecting at a time
            pages[i].ready.clear()
            tasks[i] = followers.start(addresses[i], consultation, pages[i], cap=2.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(pages[i].ready.wait(), 60)
            return pages[i].ready.is_set()

    async with Followers() as followers:
        opened = await asyncio.gather(*(open_page(i) for i in range(len(pages))))
        reports.put(("ready", index, sum(opened), len(opened) - sum(opened)))
        rng = random.Random(index)
        per_second = len(pages) * reconnect_percent / 100 / 60
        owed = 0.0
        while True:
            try:
                command = commands.get_nowait()
            except queue.Empty:
                command = None
            if command and command[0] == "stop":
                return
            if command and command[0] == "check":

                def wrong(rows=command[1]) -> list:
                    return [
                        (p.proposal, p.supports, rows[p.proposal])
                        for p in pages
                        if p.supports != rows[p.proposal]
                    ]

                with contextlib.suppress(TimeoutError):
                    await until(lambda: not wrong(), command[2])
                reports.put(("checked", index, len(pages) - len(wrong()), wrong()[:3]))
                continue
            owed += per_second  # phones going under a bridge: the socket closes, the page opens a new one
            while owed >= 1:
                owed -= 1
                i = rng.randrange(len(pages))
                if tasks[i] is not None:
                    await followers.stop(tasks[i])
                reconnects += 1
                asyncio.ensure_future(open_page(i))
            status = (
                sum(p.events for p in pages),
                reconnects,
                sum(p.closed for p in pages),
                sum(p.ready.is_set() for p in pages),
            )
            reports.put(("status", index, *status))
            await asyncio.sleep(1)  # the pace of the reports and of the reconnections


class PageProcesses:
    """The client processes that hold the pages, and what they last reported."""

    def __init__(self, plan, *, consultation: int, args, deadline: float) -> None:
        self.deadline = deadline
        self.reports = CONTEXT.Queue()
        self.commands = [CONTEXT.Queue() for _ in range(math.ceil(len(plan) / args.pages_per_process))]
        self.children = client_processes(
            pages_process,
            plan,
            per_process=args.pages_per_process,
            handshakes=args.handshakes,
            args=lambda i: (i, consultation, args.reconnect_percent, (self.commands[i], self.reports)),
        )
        self.count = len(self.children)
        self.latest: dict[int, tuple[int, int, int, int]] = {}

    def _next(self, until_: float) -> tuple:
        report = self.reports.get(timeout=max(0.01, until_ - time.monotonic()))
        if report[0] == "error":
            raise RuntimeError(f"page process {report[1]} failed: {report[2]}")
        if report[0] == "status":
            self.latest[report[1]] = report[2:]
        return report

    def start(self) -> tuple[int, int]:
        """Start the processes and wait until their pages are open; returns (opened, failed)."""
        for child in self.children:
            child.start()
        ready: list[tuple] = []
        while len(ready) < self.count:  # a process that is ready reports its status meanwhile
            report = self._next(self.deadline)
            if report[0] == "ready":
                ready.append(report)
        return sum(r[2] for r in ready), sum(r[3] for r in ready)

    def totals(self) -> tuple[int, ...]:
        """(events received, reconnections, sockets closed by the other side, pages open), summed over the
        processes' latest reports."""
        with contextlib.suppress(queue.Empty):
            while True:
                self._next(time.monotonic())
        return tuple(sum(status[k] for status in self.latest.values()) for k in range(4))

    def check(self, rows: dict[int, int], seconds: float) -> tuple[int, list]:
        """Wait until every page shows its proposal's rows, at most `seconds`; (pages right, examples of
        (proposal, shown, rows) of the others)."""
        for commands in self.commands:
            commands.put(("check", rows, seconds))
        right, wrong, answered = 0, [], 0
        until_ = time.monotonic() + seconds + 30
        while answered < self.count:
            report = self._next(until_)
            if report[0] == "checked":
                answered, right, wrong = answered + 1, right + report[2], wrong + report[3]
        return right, wrong

    def close(self) -> None:
        for commands in self.commands:
            commands.put(("stop",))
        for child in self.children:
            child.join(timeout=20)
            if child.is_alive():
                child.kill()
                child.join()


# --- Traffic: requests at a steady rate over both workers ----------------------------------------------


@dataclass(frozen=True)
class Answer:
    kind: str
    sent: float  # time.monotonic()
    seconds: float
    status: int  # 0: no answer (refused, reset, timed out)


# Kinds of request and their share of `--rate`; the new proposals and official responses are paced apart.
MIX = {
    "consultation page": 12,
    "proposal page": 16,
    "proposal page, signed in": 8,
    "API consultations": 4,
    "API proposals": 10,
    "API proposal": 8,
    "API search": 8,
    "support": 22,
    "withdrawal": 7,
    "comment": 5,
}
PACED = ("new proposal", "official response")
KINDS = [*MIX, *PACED]
SEARCH_WORDS = ("proposal", "number", "journey", "office", "form", "appointment")


class Traffic:
    """A scheduler thread puts a request on the queue every 1/rate seconds; `--clients` threads send them
    (keep-alive connections, one per worker each). A request that finds every client busy is skipped and
    counted: the rate stays bounded and the latency is the servers', not a queue's."""

    def __init__(self, workers, seeded: Seeded, args) -> None:
        self.workers, self.seeded, self.args = workers, seeded, args
        self.jobs: queue.Queue = queue.Queue(maxsize=args.clients)
        self.answers: list[Answer] = []
        self.skipped = 0
        self.first_body: dict[tuple[str, int], str] = {}  # the first body of each unexpected status
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.supporters: dict[int, set[int]] = {pk: set() for pk in seeded.proposals}
        self.busy: set[tuple[int, int]] = set()  # (proposal, citizen) with a support or withdrawal in flight
        self.threads = [threading.Thread(target=self._scheduler, daemon=True)] + [
            threading.Thread(target=self._client, args=(k,), daemon=True) for k in range(args.clients)
        ]
        self.serial = itertools.count()

    def start(self) -> None:
        self.began = time.monotonic()
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _scheduler(self) -> None:
        rng = random.Random(1)
        kinds, weights = list(MIX), list(MIX.values())
        paced = {"new proposal": self.args.proposal_every, "official response": self.args.response_every}
        due = {kind: self.began + every / 2 for kind, every in paced.items()}
        for n in itertools.count(1):
            if self.stop.wait(max(0.0, self.began + n / self.args.rate - time.monotonic())):
                return
            kind = rng.choices(kinds, weights)[0]
            for other, at in due.items():
                if time.monotonic() >= at:  # takes this turn: the rate stays the same
                    kind, due[other] = other, at + paced[other]
                    break
            try:
                self.jobs.put_nowait((kind, self.workers[n % len(self.workers)]))
            except queue.Full:
                self.skipped += 1

    def _client(self, k: int) -> None:
        rng = random.Random(100 + k)
        connections: dict[int, tuple[http.client.HTTPConnection, float]] = {}  # port -> (it, last used)
        try:
            while not self.stop.is_set():
                try:
                    kind, server = self.jobs.get(timeout=0.5)
                except queue.Empty:
                    continue
                self._send(kind, server, rng, connections)
        finally:
            for connection, _last_used in connections.values():
                connection.close()

    def _request(self, connections, server, kind, method, path, *, token=None, cookie=None, data=None):
        headers = {"Accept": "application/json" if path.startswith("/api/") else "text/html"}
        if token:
            headers["Authorization"] = f"Token {token}"
        if cookie:
            headers["Cookie"] = f"sessionid={cookie}"
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        connection, last_used = connections.get(server.port, (None, 0.0))
        if connection is not None and time.monotonic() - last_used > KEEP_ALIVE_REUSE:
            connection.close()  # the server is about to close it: a browser would not reuse it either
            connection = None
        if connection is None:
            connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
        sent = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            status = response.status
            connections[server.port] = (connection, time.monotonic())
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            connections.pop(server.port, None)
            status, raw = 0, repr(error).encode()
        self.answers.append(Answer(kind, sent, time.monotonic() - sent, status))  # list.append: thread-safe
        if status not in (200, 201, 204):
            self.first_body.setdefault((kind, status), raw[:300].decode(errors="replace"))
        return status

    def _send(self, kind: str, server, rng: random.Random, connections) -> None:
        seeded, request = self.seeded, self._request
        proposal = rng.choice(seeded.proposals)
        citizen = rng.randrange(len(seeded.tokens))
        token = seeded.tokens[citizen]
        if kind == "consultation page":
            request(connections, server, kind, "GET", seeded.consultation_path)
        elif kind == "proposal page":
            request(connections, server, kind, "GET", f"/proposals/{proposal}/")
        elif kind == "proposal page, signed in":
            cookie = rng.choice(seeded.sessions)
            request(connections, server, kind, "GET", f"/proposals/{proposal}/", cookie=cookie)
        elif kind == "API consultations":
            request(connections, server, kind, "GET", "/api/v1/consultations/")
        elif kind == "API proposals":
            ordering = rng.choice(("", "&ordering=-created"))
            path = (
                f"/api/v1/consultations/{seeded.consultation}/proposals/?page={rng.randint(1, 2)}{ordering}"
            )
            request(connections, server, kind, "GET", path)
        elif kind == "API proposal":
            request(connections, server, kind, "GET", f"/api/v1/proposals/{proposal}/")
        elif kind == "API search":
            word = rng.choice(SEARCH_WORDS)
            request(
                connections,
                server,
                kind,
                "GET",
                f"/api/v1/search/?q={word}&consultation={seeded.consultation}",
            )
        elif kind == "support":
            with self.lock:
                if citizen in self.supporters[proposal] or (proposal, citizen) in self.busy:
                    return
                self.busy.add((proposal, citizen))
            status = request(
                connections, server, kind, "POST", f"/api/v1/proposals/{proposal}/support/", token=token
            )
            with self.lock:
                self.busy.discard((proposal, citizen))
                if status in (200, 201):
                    self.supporters[proposal].add(citizen)
        elif kind == "withdrawal":
            with self.lock:
                candidates = self.supporters[proposal] - {c for p, c in self.busy if p == proposal}
                if not candidates:
                    return
                citizen = rng.choice(sorted(candidates))
                self.busy.add((proposal, citizen))
            path = f"/api/v1/proposals/{proposal}/support/"
            status = request(connections, server, kind, "DELETE", path, token=seeded.tokens[citizen])
            with self.lock:
                self.busy.discard((proposal, citizen))
                if status == 204:
                    self.supporters[proposal].discard(citizen)
        elif kind == "comment":
            data = {"body": f"From experience, step {next(self.serial)} could be shorter."}
            request(
                connections,
                server,
                kind,
                "POST",
                f"/api/v1/proposals/{proposal}/comments/",
                token=token,
                data=data,
            )
        elif kind == "new proposal":
            n = next(self.serial)
            data = {
                "consultation": seeded.consultation,
                "title": f"Soak proposal {n}",
                "summary": "Let people book an appointment online.",
                "body": "Booking by phone takes too long; an online calendar would save everyone time.",
            }
            request(connections, server, kind, "POST", "/api/v1/proposals/", token=token, data=data)
        elif kind == "official response":
            data = {"body": "Thank you: the service will study this proposal.", "decision": ""}
            path = f"/api/v1/proposals/{proposal}/responses/"
            request(connections, server, kind, "POST", path, token=seeded.official, data=data)


# --- Measure -------------------------------------------------------------------------------------------


@dataclass
class Window:
    number: int
    start: float  # seconds since the traffic started
    end: float
    rss: list[float]  # MiB per worker at the end
    cpu: list[float]  # percent of one core per worker
    connections: int  # PostgreSQL connections to the database, the most seen
    answers: list[Answer]
    skipped: int
    events: int
    reconnects: int
    closes: int
    pages_open: int

    @property
    def errors(self) -> int:
        return sum(1 for a in self.answers if a.status == 0 or a.status >= 500)


@dataclass
class Run:
    windows: list[Window] = field(default_factory=list)
    samples: list[tuple[float, list[float]]] = field(default_factory=list)  # (minutes, MiB per worker)
    opened: int = 0
    failed: int = 0
    connect_seconds: float = 0.0
    pages_right: int = 0
    pages_wrong: list = field(default_factory=list)
    rows: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # proposal -> (rows, count, answered)
    load: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())
    logged: list[str] = field(default_factory=list)  # tracebacks in the workers' logs


def postgres_connections(connection) -> int:
    row = connection.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ).fetchone()
    return int(row[0])


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    if len(points) < 2:
        return math.nan
    mean_x = statistics.fmean(x for x, _y in points)
    mean_y = statistics.fmean(y for _x, y in points)
    spread = sum((x - mean_x) ** 2 for x, _y in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else math.nan


def soak(workers, traffic: Traffic, pages: PageProcesses, monitor, args, run: Run) -> None:
    """Run the traffic for `--minutes`, closing a window every `--window-minutes` (printed at once)."""
    pids = [w.process.pid for w in workers]
    window_seconds, total = args.window_minutes * 60, args.minutes * 60
    traffic.start()
    began = traffic.began
    cpu = [cpu_seconds(pid) for pid in pids]
    totals, skipped, connections = pages.totals(), 0, 0
    next_sample, window_start = began, 0.0
    while True:
        now = time.monotonic()
        for worker in workers:
            if not worker.is_running():
                raise RuntimeError(f"the worker on port {worker.port} stopped:\n{worker.log_tail(40)}")
        if now >= next_sample:
            run.samples.append(((now - began) / 60, [rss_kib(pid) / 1024 for pid in pids]))
            connections = max(connections, postgres_connections(monitor))
            next_sample += args.sample_seconds
        elapsed = now - began
        if elapsed >= min(window_start + window_seconds, total):
            cpu_now, totals_now = [cpu_seconds(pid) for pid in pids], pages.totals()
            window = Window(
                number=len(run.windows) + 1,
                start=window_start,
                end=elapsed,
                rss=[rss_kib(pid) / 1024 for pid in pids],
                cpu=[100 * (b - a) / (elapsed - window_start) for a, b in zip(cpu, cpu_now, strict=True)],
                connections=connections,
                answers=[a for a in traffic.answers if window_start <= a.sent - began < elapsed],
                skipped=traffic.skipped - skipped,
                events=totals_now[0] - totals[0],
                reconnects=totals_now[1] - totals[1],
                closes=totals_now[2] - totals[2],
                pages_open=totals_now[3],
            )
            run.windows.append(window)
            print_window(window, len(workers))
            cpu, totals, skipped, connections = cpu_now, totals_now, traffic.skipped, 0
            window_start = elapsed
            if elapsed >= total:
                break
        else:
            pages.totals()  # keeps the reports' queue short
        time.sleep(min(1.0, max(0.05, next_sample - time.monotonic())))  # the monitor's pace
    traffic.finish()


def check_counts(seeded: Seeded, traffic: Traffic, pages: PageProcesses, run: Run) -> None:
    """Once the traffic stopped: the rows against each proposal's count and against what the benchmark
    saw answered; then every page against its proposal's rows."""
    from django.db import connections

    from proposals.models import Proposal
    from votes.models import Support

    counts = dict(Proposal.objects.filter(pk__in=seeded.proposals).values_list("pk", "supports_count"))
    for pk in seeded.proposals:
        rows = Support.objects.filter(proposal_id=pk).count()
        run.rows[pk] = (rows, counts[pk], len(traffic.supporters[pk]))
    connections.close_all()
    run.pages_right, run.pages_wrong = pages.check({pk: r[0] for pk, r in run.rows.items()}, SETTLE_SECONDS)


# --- Report --------------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}" if not math.isnan(seconds) else "-"


def statuses(answers: list[Answer]) -> str:
    return status_counts(Counter(a.status for a in answers))


def by_kind(answers: list[Answer]) -> dict[str, list[Answer]]:
    kinds: dict[str, list[Answer]] = defaultdict(list)
    for answer in answers:
        kinds[answer.kind].append(answer)
    return kinds


def print_window(w: Window, workers: int) -> None:
    latencies = [a.seconds for a in w.answers]
    print(
        f"window {w.number} ({w.start / 60:.1f}-{w.end / 60:.1f} min): RSS"
        f" {' / '.join(f'{m:.1f}' for m in w.rss)} MiB, CPU {' / '.join(f'{c:.0f}' for c in w.cpu)} %,"
        f" PostgreSQL connections {w.connections}; {len(w.answers)} requests ({statuses(w.answers)}),"
        f" p50 {ms(percentile(latencies, 50))} ms, p99 {ms(percentile(latencies, 99))} ms,"
        f" {w.skipped} skipped; pages: {w.events} events, {w.reconnects} reconnections, {w.closes} closed"
        f" by the server side, {w.pages_open} open",
        flush=True,
    )


def report(run: Run, traffic: Traffic, args, workers: int) -> None:
    print()
    print(f"per window of {args.window_minutes:g} min: RSS at its end, CPU in % of one core, most PostgreSQL")
    print("connections seen, requests (errors: 5xx or no answer; skipped: every client busy), latency of all")
    print("requests, what the pages received")
    names = [f"w{i + 1}" for i in range(workers)]
    table(
        ["window", "min", *[f"RSS {n} MiB" for n in names], *[f"CPU {n}" for n in names], "PG conns",
         "requests", "errors", "skipped", "p50 ms", "p99 ms", "events", "reconnects", "closed"],
        [
            [str(w.number), f"{w.start / 60:.0f}-{w.end / 60:.0f}", *[f"{m:.1f}" for m in w.rss],
             *[f"{c:.0f}%" for c in w.cpu], str(w.connections), str(len(w.answers)), str(w.errors),
             str(w.skipped), ms(percentile([a.seconds for a in w.answers], 50)),
             ms(percentile([a.seconds for a in w.answers], 99)), str(w.events), str(w.reconnects),
             str(w.closes)]
            for w in run.windows
        ],
    )  # fmt: skip
    print()
    print("latency by kind (ms): p50 and p99 over the run, p99 of each window")
    every = by_kind(traffic.answers)
    windows = [by_kind(w.answers) for w in run.windows]
    table(
        ["kind", "requests", "statuses", "p50", "p99", *[f"p99 w{w.number}" for w in run.windows]],
        [
            [kind, str(len(every[kind])), statuses(every[kind]),
             ms(percentile([a.seconds for a in every[kind]], 50)),
             ms(percentile([a.seconds for a in every[kind]], 99)),
             *[ms(percentile([a.seconds for a in kinds[kind]], 99)) for kinds in windows]]
            for kind in KINDS
        ],
    )  # fmt: skip
    print()
    warmup = min(args.warmup_minutes, args.minutes / 2)
    print(
        f"memory: least-squares slope of each worker's RSS, one sample every {args.sample_seconds:g} s; the"
    )
    print(f"first {warmup:g} min (warm-up) left out")
    kept = [(t, mib) for t, mib in run.samples if t >= warmup]
    rows = []
    for i, name in enumerate(names):
        points = [(t, mib[i]) for t, mib in kept]
        rows.append(
            [name, f"{run.samples[0][1][i]:.1f}", f"{points[0][1]:.1f}" if points else "-",
             f"{run.samples[-1][1][i]:.1f}", f"{max(mib[i] for _t, mib in run.samples):.1f}",
             f"{slope(points) * 10:+.2f}", str(len(points))]
        )  # fmt: skip
    table(["worker", "start MiB", "after warm-up", "end", "max", "MiB per 10 min", "samples"], rows)
    print()
    errors = [a for a in traffic.answers if a.status == 0 or a.status >= 500]
    print(f"requests: {len(traffic.answers)} sent, {len(errors)} errors, {traffic.skipped} skipped")
    for (kind, status), body in sorted(traffic.first_body.items()):
        print(f"    first {kind} answered {status}: {body[:200]!r}")
    print(
        f"pages: {run.opened} opened in {run.connect_seconds:.1f} s ({run.failed} failed); after the traffic,"
        f" {run.pages_right}/{run.opened + run.failed} show their proposal's rows"
        + (f"; e.g. (proposal, shown, rows) {run.pages_wrong[:3]}" if run.pages_wrong else "")
    )
    wrong_rows = {pk: r for pk, r in run.rows.items() if r[0] != r[1]}
    unsure = sum(1 for r in run.rows.values() if r[0] != r[2])
    print(
        f"rows: {sum(r[0] for r in run.rows.values())} supports on {len(run.rows)} proposals; rows = count"
        f" for {len(run.rows) - len(wrong_rows)}/{len(run.rows)}"
        + (f" (rows, count): {dict(list(wrong_rows.items())[:3])}" if wrong_rows else "")
        + f"; rows = the supports answered 201 less those answered 204 for {len(run.rows) - unsure}/"
        f"{len(run.rows)} (a write that got no answer may have been committed)"
    )
    for text in run.logged:
        print(text, file=sys.stderr)
    before, after = run.load
    print(
        f"load average (1, 5, 15 min) before {' '.join(f'{x:.2f}' for x in before)}, after"
        f" {' '.join(f'{x:.2f}' for x in after)}; {os.cpu_count()} CPUs shared by the clients, the servers,"
        " PostgreSQL, Redis and whatever else runs on the machine"
    )


# --- Main ----------------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = arguments(__doc__)
    parser.add_argument("--database", default="cocreate_bench_soak", help="database to drop, create and use")
    parser.add_argument("--layer", default="pubsub", choices=["pubsub", "core"], help="channel layer")
    parser.add_argument("--minutes", type=float, default=30, help="how long the traffic runs")
    parser.add_argument("--window-minutes", type=float, default=5, help="one table row per window")
    parser.add_argument("--warmup-minutes", type=float, default=5, help="left out of the memory slope")
    parser.add_argument("--sample-seconds", type=float, default=10, help="between two memory samples")
    parser.add_argument("--pages", type=int, default=2000, help="open pages, half on each worker")
    parser.add_argument("--pages-per-process", type=int, default=1000, help="pages per client process")
    parser.add_argument("--handshakes", type=int, default=50, help="handshakes in flight, all processes")
    parser.add_argument("--reconnect-percent", type=float, default=1, help="pages that reconnect per minute")
    parser.add_argument("--rate", type=float, default=8, help="requests per second, all kinds")
    parser.add_argument("--clients", type=int, default=8, help="requests in flight at most")
    parser.add_argument("--proposal-every", type=float, default=60, help="seconds between new proposals")
    parser.add_argument("--response-every", type=float, default=120, help="seconds between responses")
    parser.add_argument("--proposals", type=int, default=30, help="proposals seeded (the pages' ones)")
    parser.add_argument("--citizens", type=int, default=2000, help="verified citizens with API tokens")
    parser.add_argument("--signed-in", type=int, default=50, help="citizens with a session cookie")
    parser.add_argument("--trace-memory", type=Path, help="directory for the workers' memory samples")
    parser.add_argument("--trace-seconds", type=float, default=120, help="between two memory samples")
    parser.add_argument("--trace-frames", type=int, default=25, help="frames per allocation; 0: no snapshots")
    parser.add_argument("--max-seconds", type=float, help="the whole run stops after this (minutes + 15)")
    return parser.parse_args(argv)


def server_env(database_url: str, redis_url: str, args) -> dict[str, str]:
    extra = {
        "REDIS_CHANNEL_LAYER": args.layer,
        "DB_POOL_MAX_SIZE": "10",  # production's pool (cocreate/settings/production.py)
        "PAGE_CACHE_SECONDS": "10",  # production's caches: the test settings turn them off
        "JOURNEY_CACHE_SECONDS": "5",
        "WHAT_CHANGED_CACHE_SECONDS": "60",
        "SEARCH_BACKEND": "database",
        "LOG_LEVEL": "WARNING",
        **{
            f"THROTTLE_{scope}_ADDRESS": RELAXED
            for scope in ("SUPPORT", "COMMENTS", "PROPOSAL_SUBMIT", "OFFICIAL", "FOLLOW")
        },
    }
    if args.trace_memory:  # bench/memory_trace.py
        args.trace_memory.mkdir(parents=True, exist_ok=True)
        extra["SOAK_TRACE_MEMORY_DIR"] = str(args.trace_memory)
        extra["SOAK_TRACE_MEMORY_SECONDS"] = str(args.trace_seconds)
        extra["SOAK_TRACE_MEMORY_FRAMES"] = str(args.trace_frames)
    return servers.server_env(
        database_url=database_url, redis_url=redis_url, settings_module="bench.soak_settings", extra=extra
    )


def main(argv=None) -> int:
    import psycopg

    args = parse_args(argv)
    database_url, redis_url = require_services("DATABASE_URL", "REDIS_URL")
    max_seconds = args.max_seconds or args.minutes * 60 + 900
    signal.alarm(int(max_seconds))
    deadline = time.monotonic() + max_seconds
    if raise_open_files_limit() < args.pages + 100:
        print(f"the open-files limit is below {args.pages} pages", file=sys.stderr)
        return 2
    print(f"database {args.database}: drop, create, migrate, seed {args.citizens} citizens ...", flush=True)
    bench_url = recreate_database(database_url, args.database)
    setup_django(bench_url, redis_url)
    seeded = seed(proposals=args.proposals, citizens=args.citizens, signed_in=args.signed_in)
    forget_earlier_runs(redis_url)
    from django.db import connections

    connections.close_all()  # the monitor counts the servers' connections only
    run = Run(load=(os.getloadavg(), ()))
    env = server_env(bench_url, redis_url, args)
    with (
        servers.serving(env, workers=2, access_log=False, uvicorn_args=("--log-level", "warning")) as workers,
        psycopg.connect(bench_url, autocommit=True) as monitor,
    ):
        # Page i goes to client process i % processes (client_processes): each process has pages of both.
        processes = math.ceil(args.pages / args.pages_per_process)
        plan = [
            (workers[i // processes % 2].port, seeded.proposals[i % len(seeded.proposals)])
            for i in range(args.pages)
        ]
        pages = PageProcesses(plan, consultation=seeded.consultation, args=args, deadline=deadline)
        traffic = Traffic(workers, seeded, args)
        try:
            print(f"{args.pages} pages on workers {workers[0].port} and {workers[1].port} ...", flush=True)
            started = time.monotonic()
            run.opened, run.failed = pages.start()
            run.connect_seconds = time.monotonic() - started
            print(f"  opened {run.opened} ({run.failed} failed) in {run.connect_seconds:.1f} s", flush=True)
            print(f"{args.minutes:g} min of traffic at {args.rate:g} requests/s, layer {args.layer} ...")
            soak(workers, traffic, pages, monitor, args, run)
            check_counts(seeded, traffic, pages, run)
        finally:
            traffic.finish()
            pages.close()
            for worker in workers:  # a traceback is an error even if every request was answered
                log = worker.log()
                if "Traceback" in log:
                    run.logged.append(f"--- uvicorn on port {worker.port} logged:\n{worker.log_tail(60)}")
    run.load = (run.load[0], os.getloadavg())
    report(run, traffic, args, workers=2)
    if args.trace_memory:
        from bench.memory_trace import growth

        warmup = min(args.warmup_minutes, args.minutes / 2) * 60
        print("\n".join(["", *growth(args.trace_memory, after_seconds=warmup, every=args.trace_seconds)]))
    errors = sum(w.errors for w in run.windows)
    right_rows = all(r[0] == r[1] for r in run.rows.values())
    return 0 if not errors and not run.logged and run.pages_right == args.pages and right_rows else 1


if __name__ == "__main__":
    run_bench(main)
