"""How fast a support reaches every open page, on each channel layer, and what an open page costs a worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/live_support.py [--layer core,pubsub] [--workers 1,2] [--sockets 1000,5000] ...

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench), migrates it and seeds one consultation per
row, verified citizens with API tokens and the proposals they support. REDIS_URL is the channel layer and
cache of the servers; use a Redis database nobody else uses, since the channel groups are named by ids.

Each row starts fresh uvicorn workers (tests/support/servers.py) on loopback ports, with REDIS_CHANNEL_LAYER
set to the row's layer, opens N websocket clients on one consultation (client processes of at most
`--sockets-per-process` sockets each, handshakes gated) and measures:

  memory:    each worker's VmRSS before the sockets connect (after a few warm-up sockets) and once all are
             connected: (after - before) / sockets.
  support:   citizens support one proposal one after the other over the HTTP API. The next support is sent
             once the previous count reached every socket and then `--pause-ms` passed (more than the
             coalescing interval, so each support is one broadcast, sent at once). Arrival minus the time
             the 201 came back is a LOWER bound of the time from commit (the broadcast leaves on commit,
             handed to the worker's loop without holding up the response); arrival minus the time the
             request was sent is an UPPER bound.
  broadcast: no HTTP in the way: a process of the benchmark group_sends a pre-encoded event to the
             consultation's group through the row's channel layer, as the workers' sender does, and each
             socket's arrival is timed from just before the group_send.
  floor:     the same sockets, client processes and probes on bare `websockets` servers (no Django; as
             many processes as the row has workers), each writing the same pre-encoded probe to all its
             sockets in one loop on a trigger, with the row's deflate setting: what any server on this
             machine needs to reach those sockets. Each broadcast row prints its p50 and p99 beside it.
  rush:      (rows with `--rush-sockets` sockets) `--rush-clients` threads support ONE proposal as fast as
             they can for `--rush-seconds`, each support by another citizen. Per socket: how many counts of
             that proposal arrived, and whether the newest (by version) equals the final count of the API.

Rows: every layer x worker count x socket count with permessage-deflate on (uvicorn's default), and for
each layer one worker with it off at `--no-deflate-sockets` sockets.

Everything is bounded: every wait has a deadline, `--max-seconds` bounds the whole run, and the servers
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
import multiprocessing
import os
import queue
import re
import resource
import statistics
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.common import arguments, int_list, require_services, run_bench, table  # noqa: E402
from tests.support import servers  # noqa: E402

SETTINGS = (
    "cocreate.settings.test"  # DEBUG off, loopback hosts allowed; the services come from the environment
)
SERVER_SETTINGS = "bench.live_settings"  # the same, with each live probe's round trip in the workers' logs
PROBE_LINE = re.compile(r"live: probe of \S+ back in ([0-9.]+) s")
ARRIVAL_WAIT = 30  # seconds for one event to reach every socket before the next is sent
WARM_UP_SOCKETS = 5  # per worker, opened and closed before the memory baseline
PROBE_TYPE = "bench.probe"  # the event the benchmark broadcasts itself; pages ignore unknown types
COUNT_TYPE = "proposal.support_changed"


# --- Setup: database, data, servers -----------------------------------------------------------------


def raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def recreate_database(server_url: str, name: str) -> str:
    """Drop and create `name` on the server of `server_url`; return the DATABASE_URL of the new database."""
    import psycopg

    parts = urllib.parse.urlsplit(server_url)
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl()


def setup_django(database_url: str, redis_url: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE=SETTINGS, DATABASE_URL=database_url, REDIS_URL=redis_url, LOG_LEVEL="WARNING"
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def forget_earlier_runs(redis_url: str) -> None:
    """Ids repeat from one run to the next (the database is recreated): forget the rate counters and the
    channel groups a killed run may have left in this Redis database."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for pattern in ("*throttle_*", "asgi*:group:*"):  # the core layer's groups, whatever its database
        for key in client.scan_iter(match=pattern, count=1000):
            client.delete(key)


@dataclass(frozen=True)
class Row:
    layer: str
    workers: int
    sockets: int
    deflate: bool
    rush: bool

    @property
    def label(self) -> str:
        deflate = "" if self.deflate else ", deflate off"
        return f"{self.layer}, {self.workers} worker(s), {self.sockets} sockets{deflate}"


@dataclass(frozen=True)
class Target:
    consultation: int
    paced: int  # the proposal supported one citizen at a time
    rushed: int  # the proposal of the rush


def seed(*, citizens: int, rows: list[Row]) -> tuple[list[str], dict[Row, Target]]:
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from tests.support import factories

    with transaction.atomic():
        users = [factories.citizen() for _ in range(citizens)]
        tokens = [Token.objects.create(user=user).key for user in users]
        targets = {}
        for row in rows:
            consultation = factories.consultation(title=f"Delivery: {row.label}")
            paced, rushed = (
                factories.ProposalFactory(consultation=consultation, author=users[0]) for _ in range(2)
            )
            targets[row] = Target(consultation.pk, paced.pk, rushed.pk)
    return tokens, targets


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


# --- Client processes that hold the sockets ---------------------------------------------------------


def listener_process(targets, handshakes: int, deadline: float, stop, events, results) -> None:
    """Open one socket per (ws_url, origin) in `targets`, report ("ready", opened, failed), then record
    every count and probe each socket receives until `stop` is set. Reports ("got", key) once every socket
    here has an event (key: ("count", proposal, version) or ("probe", n)), then ("result", records)."""
    raise_open_files_limit()
    try:
        records = asyncio.run(_listen(targets, handshakes, deadline, stop, events))
        results.put(("result", records))
    except BaseException as error:  # the parent must hear of it rather than wait for the deadline
        results.put(("error", repr(error)))
        events.put(("error", repr(error)))


@dataclass
class SocketRecord:
    counts: dict[int, list[tuple[float, int, int]]] = field(default_factory=dict)  # proposal -> arrivals
    probes: dict[int, float] = field(default_factory=dict)  # probe number -> arrival
    opened: bool = True
    closed_with: int | None = None  # the close code, if the server closed the socket before the end


async def _listen(targets, handshakes: int, deadline: float, stop, events) -> list[SocketRecord]:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidHandshake

    gate = asyncio.Semaphore(handshakes)

    async def open_one(url: str, origin: str):
        async with gate:
            try:
                ws = await connect(url, origin=origin, open_timeout=60, max_queue=None)
                snapshot = json.loads(await asyncio.wait_for(ws.recv(), 60))
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake):
                return None  # counted as a socket that received nothing
            assert snapshot["type"] == "snapshot", snapshot
            return ws

    opened = await asyncio.gather(*(open_one(url, origin) for url, origin in targets))
    sockets = [ws for ws in opened if ws is not None]
    events.put(("ready", len(sockets), len(opened) - len(sockets)))
    records = [SocketRecord() for _ in sockets]
    seen: dict[tuple, int] = {}

    def arrived(key: tuple) -> None:
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == len(sockets):
            events.put(("got", key))

    async def watch(record: SocketRecord, ws) -> None:
        with contextlib.suppress(ConnectionClosed):
            await read(record, ws)
        record.closed_with = ws.close_code  # not cancelled: the server closed it (1013: "reconnect")

    async def read(record: SocketRecord, ws) -> None:
        async for text in ws:
            now = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process on the machine
            message = json.loads(text)
            if message.get("type") == COUNT_TYPE:
                entry = (now, message["version"], message["supports"])
                record.counts.setdefault(message["proposal"], []).append(entry)
                arrived(("count", message["proposal"], message["version"]))
            elif message.get("type") == PROBE_TYPE:
                record.probes[message["n"]] = now
                arrived(("probe", message["n"]))

    watchers = [asyncio.create_task(watch(r, ws)) for r, ws in zip(records, sockets, strict=True)]
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        for watcher in watchers:
            watcher.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return records + [SocketRecord(opened=False) for _ in range(len(opened) - len(sockets))]


CONTEXT = multiprocessing.get_context("spawn")  # a clean interpreter: no Django, no inherited sockets


def client_processes(target, items: list, *, per_process: int, handshakes: int, args=lambda i: ()) -> list:
    """Processes (not started) that share `items`, at most `per_process` each: process i runs
    target(items[i::n], gate, *args(i)), so each has its share of every worker's sockets, and the
    handshakes in flight (`gate` per process) stay under `handshakes` in all."""
    count = max(1, math.ceil(len(items) / per_process))
    gate = max(1, handshakes // count)
    return [
        CONTEXT.Process(target=target, args=(items[i::count], gate, *args(i)), daemon=True)
        for i in range(count)
    ]


class Listeners:
    """The client processes of one row, and the events they report."""

    def __init__(
        self, targets, *, per_process: int, handshakes: int, deadline: float, process=None, extra=()
    ) -> None:
        """`process`: another function than listener_process with its protocol, given `extra` arguments
        after the same ones (bench/faults.py's pages that reconnect)."""
        self.deadline = deadline
        self.stop_event, self.events, self.results = CONTEXT.Event(), CONTEXT.Queue(), CONTEXT.Queue()
        self.children = client_processes(
            process or listener_process,
            targets,
            per_process=per_process,
            handshakes=handshakes,
            args=lambda i: (deadline, self.stop_event, self.events, self.results, *extra),
        )
        self.processes = len(self.children)
        self.got: dict[tuple, int] = {}

    def start(self) -> tuple[int, int]:
        """Start the processes and wait until every socket is open; returns (opened, failed)."""
        for child in self.children:
            child.start()
        ready, opened, failed = 0, 0, 0
        while ready < self.processes:
            kind, *values = self._next(self.deadline)
            if kind == "ready":
                ready, opened, failed = ready + 1, opened + values[0], failed + values[1]
        return opened, failed

    def _next(self, until: float):
        event = self.events.get(timeout=max(0.01, until - time.monotonic()))
        if event[0] == "error":
            raise RuntimeError(f"a listener failed: {event[1]}")
        if event[0] == "got":
            self.got[event[1]] = self.got.get(event[1], 0) + 1
        return event

    def each(self, kind: str, seconds: float) -> list:
        """Wait until every process reported an event of `kind`, at most `seconds`; the first value each
        reported (fewer than the processes if the time ran out)."""
        until, values = min(self.deadline, time.monotonic() + seconds), []
        with contextlib.suppress(queue.Empty):
            while len(values) < self.processes:
                event = self._next(until)
                if event[0] == kind:
                    values.append(event[1])
        return values

    def wait_everywhere(self, key: tuple, seconds: float = ARRIVAL_WAIT) -> bool:
        """Wait until every socket has the event `key`, at most `seconds`. False if some socket lacks it."""
        until = min(self.deadline, time.monotonic() + seconds)
        with contextlib.suppress(queue.Empty):
            while self.got.get(key, 0) < self.processes:
                self._next(until)
        return self.got.get(key, 0) >= self.processes

    def finish(self) -> list[SocketRecord]:
        """Stop listening, close the sockets and return what each socket received."""
        self.stop_event.set()
        records = []
        for _ in self.children:
            kind, value = self.results.get(timeout=max(10, self.deadline - time.monotonic()))
            if kind == "error":
                raise RuntimeError(f"a listener failed: {value}")
            records.extend(value)
        return records

    def close(self) -> None:
        self.stop_event.set()
        for child in self.children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
                child.join()


# --- The benchmark's own broadcaster: the row's channel layer, no HTTP ---------------------------------


def prober_process(env: dict[str, str], group: str, commands, answers) -> None:
    """Set up Django with the servers' environment (so the same channel layer), then for each number from
    `commands` group_send a pre-encoded probe to `group` and answer ("sent", n, time before the send)."""
    try:
        os.environ.update(env)
        import django

        django.setup()
        asyncio.run(_probe(group, commands, answers))
    except BaseException as error:
        answers.put(("error", repr(error)))


async def _probe(group: str, commands, answers) -> None:
    from channels.layers import get_channel_layer

    from proposals.live.broadcasts import FORWARD_HANDLER

    layer = get_channel_layer()
    loop = asyncio.get_running_loop()
    answers.put(("ready",))
    while (n := await loop.run_in_executor(None, commands.get, True, 600)) is not None:
        text = json.dumps({"type": PROBE_TYPE, "n": n}, separators=(",", ":"))
        sent = time.monotonic()
        await layer.group_send(group, {"type": FORWARD_HANDLER, "text": text})
        answers.put(("sent", n, sent))


@contextlib.contextmanager
def prober(env: dict[str, str], group: str):
    context = multiprocessing.get_context("spawn")
    commands, answers = context.Queue(), context.Queue()
    process = context.Process(target=prober_process, args=(env, group, commands, answers), daemon=True)
    process.start()
    try:
        yield commands, answers
    finally:
        commands.put(None)
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join()


def answer(answers, timeout: float = 60):
    reply = answers.get(timeout=timeout)
    if reply[0] == "error":
        raise RuntimeError(f"the prober failed: {reply[1]}")
    return reply


# --- The floor: a bare websockets server, no Django ---------------------------------------------------


def floor_process(port: int, deflate: bool, commands, answers) -> None:
    """A bare `websockets` server on `port`: each socket gets a snapshot-typed message on connect (what the
    clients wait for), then, for each number from `commands`, one pre-encoded probe written to every open
    socket in one loop (`websockets.asyncio.server.broadcast`, per-connection deflate as uvicorn does)."""
    raise_open_files_limit()
    try:
        asyncio.run(_floor(port, deflate, commands, answers))
    except BaseException as error:
        answers.put(("error", repr(error)))


async def _floor(port: int, deflate: bool, commands, answers) -> None:
    from websockets.asyncio.server import broadcast, serve

    snapshot = json.dumps({"type": "snapshot", "proposals": []}, separators=(",", ":"))

    async def handler(ws) -> None:
        await ws.send(snapshot)
        await ws.wait_closed()

    loop = asyncio.get_running_loop()
    compression = "deflate" if deflate else None
    async with serve(handler, servers.HOST, port, compression=compression, backlog=4096) as server:
        answers.put(("ready",))
        while (n := await loop.run_in_executor(None, commands.get, True, 600)) is not None:
            text = json.dumps({"type": PROBE_TYPE, "n": n}, separators=(",", ":"))
            sent = time.monotonic()  # as the prober does just before its group_send
            broadcast(server.connections, text)
            answers.put(("sent", n, sent))


@contextlib.contextmanager
def floor_servers(count: int, deflate: bool):
    """`count` floor processes (one per worker of the row); yields (their ws URLs, the trigger). With two,
    the sockets are split between them as between the workers."""
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    ports = [servers.free_port() for _ in range(count)]
    channels = [context.Queue() for _ in ports]
    processes = [
        context.Process(target=floor_process, args=(port, deflate, commands, answers), daemon=True)
        for port, commands in zip(ports, channels, strict=True)
    ]
    for process in processes:
        process.start()

    def trigger(n: int) -> float:
        """Send probe `n` from every floor process; the time just before the first of them wrote it."""
        for commands in channels:
            commands.put(n)
        return min(answer(answers)[2] for _ in channels)

    try:
        for _ in processes:
            answer(answers)
        yield [f"ws://{servers.HOST}:{port}/" for port in ports], trigger
    finally:
        for commands in channels:
            commands.put(None)
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()


def floor(row: Row, args, *, origin: str, deadline: float) -> tuple[list[SocketRecord], dict[int, float]]:
    """The row's sockets, this time on bare websockets servers (as many as the row's workers), through the
    same client processes, and the same number of probes, each timed from just before it was written."""
    with floor_servers(row.workers, row.deflate) as (urls, trigger):
        sockets = [(urls[i % len(urls)], origin) for i in range(row.sockets)]
        listeners = Listeners(
            sockets, per_process=args.sockets_per_process, handshakes=args.handshakes, deadline=deadline
        )
        try:
            listeners.start()
            sent = {}
            for n in range(args.broadcasts):
                sent[n] = trigger(n)
                listeners.wait_everywhere(("probe", n))
                pause(args)
            return listeners.finish(), sent
        finally:
            listeners.close()


# --- HTTP ---------------------------------------------------------------------------------------------


def post_support(server: servers.AsgiServer, proposal_id: int, token: str, connection=None):
    """POST a support; returns (status, decoded body). Reuses `connection` when given."""
    own = connection is None
    connection = connection or http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request(
            "POST",
            f"/api/v1/proposals/{proposal_id}/support/",
            headers={"Authorization": f"Token {token}", "Accept": "application/json", "Content-Length": "0"},
        )
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        if own:
            connection.close()


def warm_up(workers: list[servers.AsgiServer], consultation_id: int) -> None:
    """Open and close a few sockets on each worker, so that the memory baseline includes what the first
    socket loads once (modules, the channel layer's connections) rather than charging it to every socket."""

    async def one(server: servers.AsgiServer) -> None:
        async with servers.open_stream(server, consultation_id) as ws:
            await servers.receive_json(ws, timeout=30)

    async def run() -> None:
        await asyncio.gather(*(one(w) for w in workers for _ in range(WARM_UP_SOCKETS)))

    asyncio.run(run())


# --- One row ------------------------------------------------------------------------------------------


@dataclass
class Result:
    row: Row
    connect_seconds: float = 0.0
    failed_sockets: int = 0
    rss_before: list[int] = field(default_factory=list)  # KiB, one per worker
    rss_after: list[int] = field(default_factory=list)
    after_201: list[float] = field(default_factory=list)  # seconds, one per (support, socket) that arrived
    after_send: list[float] = field(default_factory=list)
    support_missing: int = 0
    probe_delays: list[float] = field(default_factory=list)  # seconds, one per (probe, socket)
    probe_last: list[float] = field(default_factory=list)  # seconds to the last socket, one per probe
    probe_missing: int = 0
    broadcast_cpu: float = math.nan  # seconds of the workers' CPU (summed) per broadcast
    floor_delays: list[float] = field(default_factory=list)  # the same probes from the bare websockets floor
    floor_last: list[float] = field(default_factory=list)
    floor_missing: int = 0
    rush: Rush | None = None
    closes: dict[int, int] = field(default_factory=dict)  # close code -> sockets the server closed with it
    probe_rtts: list[float] = field(default_factory=list)  # seconds: the workers' own probes, whole row
    rush_probe_rtts: list[float] = field(default_factory=list)  # those that ended during the rush


@dataclass
class Rush:
    seconds: float
    supports: int  # 201s
    errors: int
    final: int  # the proposal's count from the API afterwards
    messages: list[int]  # per socket
    newest: int  # the newest count (by version) most sockets saw
    newest_right: int  # sockets whose newest count (by version) is the final count
    last_right: int  # sockets whose last-arrived count is the final count
    wrong: str  # what the first socket without the final count received last, if any


def measure_row(row: Row, args, *, env: dict, target: Target, tokens: list[str], deadline: float) -> Result:
    extra = {"REDIS_CHANNEL_LAYER": row.layer}
    row_env = {**env, **extra}
    uvicorn_args = ("--ws-per-message-deflate", "true" if row.deflate else "false")
    result = Result(row)
    from proposals.live.broadcasts import consultation_group

    with (
        servers.serving(row_env, workers=row.workers, access_log=False, uvicorn_args=uvicorn_args) as started,
        prober(row_env, consultation_group(target.consultation)) as (commands, answers),
    ):
        workers = started if row.workers > 1 else [started]
        try:
            warm_up(workers, target.consultation)
            answer(answers)  # the prober's Django is set up
            result.rss_before = [rss_kib(w.process.pid) for w in workers]
            path = servers.stream_path(target.consultation)
            sockets = [
                (w.ws_url(path), w.origin) for i in range(row.sockets) for w in [workers[i % len(workers)]]
            ]
            listeners = Listeners(
                sockets, per_process=args.sockets_per_process, handshakes=args.handshakes, deadline=deadline
            )
            try:
                started_at = time.monotonic()
                opened, result.failed_sockets = listeners.start()
                result.connect_seconds = time.monotonic() - started_at
                result.rss_after = [rss_kib(w.process.pid) for w in workers]
                sent = paced_supports(workers, listeners, target.paced, tokens, args)
                cpu_before = sum(cpu_seconds(w.process.pid) for w in workers)
                probes = broadcasts(listeners, commands, answers, args)
                cpu = sum(cpu_seconds(w.process.pid) for w in workers) - cpu_before
                result.broadcast_cpu = cpu / max(1, args.broadcasts)
                before_rush = [len(w.log()) for w in workers]
                rush = rush_supports(workers, listeners, target.rushed, tokens, args) if row.rush else None
                result.rush_probe_rtts = [t for w, at in zip(workers, before_rush, strict=True)
                                          for t in probe_rtts(w.log()[at:])]  # fmt: skip
                result.probe_rtts = [t for w in workers for t in probe_rtts(w.log())]
                records = listeners.finish()
            finally:
                listeners.close()
            summarize(result, records, target, sent, probes, rush)
            # The floor, in the same run and through the same client processes, once the workers' sockets
            # are closed (the workers stay up, idle).
            floor_records, floor_probes = floor(row, args, origin=workers[0].origin, deadline=deadline)
            result.floor_delays, result.floor_last, result.floor_missing = probe_delays(
                floor_records, floor_probes
            )
            for worker in workers:  # e.g. "live broadcast to ... failed": a lost event has its cause here
                if "Traceback" in worker.log():
                    print(
                        f"--- uvicorn on port {worker.port} logged:\n{worker.log_tail(40)}", file=sys.stderr
                    )
        except BaseException:
            for worker in workers:  # what the servers said, before their logs go with them
                print(f"--- uvicorn on port {worker.port}:\n{worker.log_tail(40)}", file=sys.stderr)
            raise
    return result


def pause(args) -> None:
    time.sleep(args.pause_ms / 1000)  # pacing: more than the coalescing interval since the last count


def paced_supports(workers, listeners: Listeners, proposal_id: int, tokens, args) -> dict[int, tuple]:
    """One support at a time; returns version -> (time sent, time the 201 came back)."""
    sent = {}
    for i in range(args.supports):
        t_send = time.monotonic()
        status, body = post_support(workers[i % len(workers)], proposal_id, tokens[i])
        t_201 = time.monotonic()
        if status != 201:
            raise RuntimeError(f"support {i} answered {status} {body}")
        sent[body["version"]] = (t_send, t_201)
        listeners.wait_everywhere(("count", proposal_id, body["version"]))  # a lost one shows as missing
        pause(args)
    return sent


def broadcasts(listeners: Listeners, commands, answers, args) -> dict[int, float]:
    """The benchmark's own broadcasts, one at a time; returns probe number -> time before the send."""
    sent = {}
    for n in range(args.broadcasts):
        commands.put(n)
        _kind, number, t_send = answer(answers)
        sent[number] = t_send
        listeners.wait_everywhere(("probe", n))
        pause(args)
    return sent


def rush_supports(workers, listeners: Listeners, proposal_id: int, tokens, args) -> tuple:
    """`--rush-clients` threads with keep-alive connections support one proposal, each support by the next
    citizen, until `--rush-seconds` pass or the citizens run out. Returns (seconds, 201s, errors, the final
    count and version from the API)."""
    citizens = itertools.count()
    lock = threading.Lock()
    start = threading.Barrier(args.rush_clients + 1, timeout=60)
    tally = {"ok": 0, "errors": 0}

    def client(k: int) -> None:
        server = workers[k % len(workers)]
        connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
        try:
            start.wait()
            while time.monotonic() < until:
                with lock:
                    i = next(citizens)
                if i >= len(tokens):
                    return
                status, body = post_support(server, proposal_id, tokens[i], connection)
                with lock:
                    tally["ok" if status == 201 else "errors"] += 1
                    if status != 201 and tally["errors"] == 1:
                        print(f"    first rush error: {status} {body}", file=sys.stderr)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(args.rush_clients)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    until = began + args.rush_seconds  # read by the clients once they are all ready, a few ms from now
    start.wait()
    for thread in threads:
        thread.join(timeout=args.rush_seconds + 60)
    seconds = time.monotonic() - began
    status = servers.api_request(workers[0], "GET", f"/api/v1/proposals/{proposal_id}/")
    if status.status != 200:
        raise RuntimeError(f"the rushed proposal answered {status.status} {status.body}")
    final, version = status.body["supports"], status.body["version"]
    listeners.wait_everywhere(("count", proposal_id, version), seconds=10)  # the last count, or not
    time.sleep(1)  # anything later than the last count would still be counted
    return seconds, tally["ok"], tally["errors"], final, version


def probe_rtts(log: str) -> list[float]:
    """The round trips of the workers' probes of the layer (proposals.live.subscriptions), from a log."""
    return [float(seconds) for seconds in PROBE_LINE.findall(log)]


def summarize(result: Result, records: list[SocketRecord], target: Target, sent, probes, rush) -> None:
    for record in records:
        if record.closed_with is not None:
            result.closes[record.closed_with] = result.closes.get(record.closed_with, 0) + 1
        arrivals = {version: t for t, version, _supports in record.counts.get(target.paced, [])}
        for version, (t_send, t_201) in sent.items():
            if version not in arrivals:
                result.support_missing += 1
                continue
            result.after_201.append(arrivals[version] - t_201)
            result.after_send.append(arrivals[version] - t_send)
    result.probe_delays, result.probe_last, result.probe_missing = probe_delays(records, probes)
    if rush is not None:
        result.rush = summarize_rush([r.counts.get(target.rushed, []) for r in records], *rush)


def probe_delays(records: list[SocketRecord], probes: dict[int, float]) -> tuple[list, list, int]:
    """Per (probe, socket) the delay from the send, per probe the delay to its last socket, and how many
    (probe, socket) never arrived."""
    delays, last, missing = [], [], 0
    for record in records:
        for n, t_send in probes.items():
            if n in record.probes:
                delays.append(record.probes[n] - t_send)
            else:
                missing += 1
    for n, t_send in probes.items():
        times = [r.probes[n] for r in records if n in r.probes]
        if times:
            last.append(max(times) - t_send)
    return delays, last, missing


def summarize_rush(counts, seconds: float, supports: int, errors: int, final: int, version: int) -> Rush:
    """`counts`: per socket, the (arrival, version, count) of the rushed proposal, in arrival order."""
    newest = [max(c, key=lambda e: e[1])[2] if c else -1 for c in counts]  # as a page keeps them
    wrong = next((i for i, n in enumerate(newest) if n != final), None)
    example = ""
    if wrong is not None:
        tail = [(v, n) for _t, v, n in counts[wrong][-4:]]
        example = f"socket {wrong} last received (version, count) {tail}; the API: ({version}, {final})"
    return Rush(
        seconds=seconds,
        supports=supports,
        errors=errors,
        final=final,
        messages=[len(c) for c in counts],
        newest=statistics.mode(newest),
        newest_right=newest.count(final),
        last_right=sum(bool(c) and c[-1][2] == final for c in counts),
        wrong=example,
    )


# --- Report ---------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}" if reference > 0 else "nan"


def row_cells(r: Result) -> list[str]:
    return [r.row.layer, str(r.row.workers), str(r.row.sockets), "on" if r.row.deflate else "off"]


ROW_HEADER = ["layer", "workers", "sockets", "deflate"]


def report(results: list[Result], args) -> None:
    print()
    print(f"support: {args.supports} supports one at a time per row, {args.pause_ms} ms apart (ms)")
    print("    after 201:  arrival - time the 201 came back, a LOWER bound of the time from commit")
    print("    after send: arrival - time the request was sent, an UPPER bound")
    table(
        [*ROW_HEADER, "connect s", "failed", "after 201 p50", "p99", "after send p50", "p99", "max",
         "missing"],
        [
            [*row_cells(r), f"{r.connect_seconds:.1f}", str(r.failed_sockets),
             ms(percentile(r.after_201, 50)), ms(percentile(r.after_201, 99)),
             ms(percentile(r.after_send, 50)), ms(percentile(r.after_send, 99)),
             ms(max(r.after_send, default=math.nan)),
             str(r.support_missing)]
            for r in results
        ],
    )  # fmt: skip
    print()
    print(
        f"broadcast: {args.broadcasts} group_sends of a pre-encoded event per row, no HTTP (ms from the send)"
    )
    print("    floor: the same sockets and clients on bare websockets servers (no Django, one per worker),")
    print("    each writing the same pre-encoded probe to all its sockets in one loop; x: broadcast / floor")
    print("    CPU: the workers' CPU time during the broadcasts (summed), per broadcast")
    table(
        [*ROW_HEADER, "p50", "p99", "last socket p50", "last socket max", "missing", "floor p50", "p99",
         "p50 x", "p99 x", "floor missing", "CPU ms"],
        [
            [*row_cells(r), ms(percentile(r.probe_delays, 50)), ms(percentile(r.probe_delays, 99)),
             ms(percentile(r.probe_last, 50)), ms(max(r.probe_last, default=math.nan)), str(r.probe_missing),
             ms(percentile(r.floor_delays, 50)), ms(percentile(r.floor_delays, 99)),
             ratio(percentile(r.probe_delays, 50), percentile(r.floor_delays, 50)),
             ratio(percentile(r.probe_delays, 99), percentile(r.floor_delays, 99)),
             str(r.floor_missing), ms(r.broadcast_cpu)]
            for r in results
        ],
    )  # fmt: skip
    print()
    print("memory: VmRSS of the worker processes (summed), before the sockets and with all of them open")
    table(
        [*ROW_HEADER, "before MiB", "after MiB", "KiB per socket"],
        [
            [*row_cells(r), f"{sum(r.rss_before) / 1024:.1f}", f"{sum(r.rss_after) / 1024:.1f}",
             f"{(sum(r.rss_after) - sum(r.rss_before)) / max(1, r.row.sockets - r.failed_sockets):.1f}"]
            for r in results
        ],
    )  # fmt: skip
    rushes = [r for r in results if r.rush]
    if rushes:
        print()
        print(f"rush: {args.rush_clients} clients support one proposal as fast as they can, each support by")
        print("    another citizen; counts of that proposal each socket received, per second of the rush")
        table(
            [*ROW_HEADER, "seconds", "supports", "errors", "supports/s", "msgs/socket p50", "max",
             "msgs/socket/s p50", "max", "final", "newest seen", "newest = final", "last = final"],
            [
                [*row_cells(r), f"{r.rush.seconds:.1f}", str(r.rush.supports), str(r.rush.errors),
                 f"{r.rush.supports / r.rush.seconds:.1f}", f"{statistics.median(r.rush.messages):.0f}",
                 str(max(r.rush.messages)), f"{statistics.median(r.rush.messages) / r.rush.seconds:.2f}",
                 f"{max(r.rush.messages) / r.rush.seconds:.2f}", str(r.rush.final), str(r.rush.newest),
                 f"{r.rush.newest_right}/{len(r.rush.messages)}",
                 f"{r.rush.last_right}/{len(r.rush.messages)}"]
                for r in rushes
            ],
        )  # fmt: skip
        for r in rushes:
            if r.rush.wrong:
                print(f"    {r.row.label}: {r.rush.wrong}")
    print()
    print("probes: each worker's own probe of the layer, per consultation every LIVE_PROBE_INTERVAL_MS;")
    print("    one back later than PROBE_TIMEOUT (5 s) closes its pages with 1013 (ms; rush: during it)")
    print("    closed: sockets the server closed before the end, by close code")
    table(
        [*ROW_HEADER, "probes", "p50", "p99", "max", "rush probes", "rush p50", "rush p99", "rush max",
         "closed"],
        [
            [*row_cells(r), str(len(r.probe_rtts)), ms(percentile(r.probe_rtts, 50)),
             ms(percentile(r.probe_rtts, 99)), ms(max(r.probe_rtts, default=math.nan)),
             str(len(r.rush_probe_rtts)), ms(percentile(r.rush_probe_rtts, 50)),
             ms(percentile(r.rush_probe_rtts, 99)), ms(max(r.rush_probe_rtts, default=math.nan)),
             ", ".join(f"{n} x {code}" for code, n in sorted(r.closes.items())) or "none"]
            for r in results
        ],
    )  # fmt: skip
    print()
    print(f"{os.cpu_count()} CPUs shared by the clients, the servers, PostgreSQL and Redis (loopback only).")


# --- Main -------------------------------------------------------------------------------------------------


def layer_list(text: str) -> list[str]:
    layers = [x.strip() for x in text.split(",") if x.strip()]
    if not layers or set(layers) - {"core", "pubsub"}:
        raise argparse.ArgumentTypeError("layers are core and/or pubsub, e.g. core,pubsub")
    return layers


def parse_args(argv=None) -> argparse.Namespace:
    parser = arguments(__doc__)
    parser.add_argument("--database", default="cocreate_bench", help="database to drop, create and use")
    parser.add_argument("--layer", type=layer_list, default=["core", "pubsub"], help="channel layers")
    parser.add_argument("--workers", type=int_list, default=[1, 2], help="worker counts, e.g. 1,2")
    parser.add_argument("--sockets", type=int_list, default=[1000], help="open sockets, e.g. 1000,5000")
    parser.add_argument(
        "--no-deflate-sockets",
        type=int,
        default=1000,
        help="sockets of the rows with permessage-deflate off (one worker, each layer); 0: no such rows",
    )
    parser.add_argument("--supports", type=int, default=20, help="paced supports per row")
    parser.add_argument("--broadcasts", type=int, default=20, help="the benchmark's own broadcasts per row")
    parser.add_argument(
        "--pause-ms", type=int, default=300, help="between paced events: more than LIVE_COUNT_INTERVAL_MS"
    )
    parser.add_argument("--rush-sockets", type=int, default=1000, help="rows with a rush; 0: none")
    parser.add_argument("--rush-clients", type=int, default=20, help="concurrent HTTP clients of a rush")
    parser.add_argument("--rush-seconds", type=float, default=5, help="how long a rush lasts")
    parser.add_argument("--citizens", type=int, default=800, help="verified citizens (a rush needs many)")
    parser.add_argument("--sockets-per-process", type=int, default=1000, help="sockets per client process")
    parser.add_argument("--handshakes", type=int, default=100, help="handshakes in flight, all processes")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="servers' DB_CONN_MAX_AGE; 0, as Django advises under ASGI (each request has its own thread)",
    )
    parser.add_argument("--max-seconds", type=float, default=900, help="the whole run stops after this")
    return parser.parse_args(argv)


def plan(args) -> list[Row]:
    rows = [
        Row(layer, workers, sockets, deflate=True, rush=sockets == args.rush_sockets)
        for layer in args.layer
        for workers in args.workers
        for sockets in args.sockets
    ]
    if args.no_deflate_sockets:
        rows += [Row(layer, 1, args.no_deflate_sockets, deflate=False, rush=False) for layer in args.layer]
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
    database_url, redis_url = require_services("DATABASE_URL", "REDIS_URL")
    deadline = time.monotonic() + args.max_seconds
    rows = plan(args)
    files = raise_open_files_limit()  # the servers inherit it
    if files < max(r.sockets for r in rows) + 100:
        print(f"open-files limit {files} is below {max(r.sockets for r in rows)} sockets", file=sys.stderr)
        return 2

    print(f"database {args.database}: drop, create, migrate, seed {args.citizens} citizens ...", flush=True)
    bench_url = recreate_database(database_url, args.database)
    setup_django(bench_url, redis_url)
    tokens, targets = seed(citizens=max(args.citizens, args.supports), rows=rows)
    forget_earlier_runs(redis_url)
    # Per-account and per-address rate limits stay on (their Redis round trips are part of a request) but
    # high enough that the benchmark measures the path, not the limiter: every request comes from 127.0.0.1.
    env = servers.server_env(
        database_url=bench_url,
        redis_url=redis_url,
        settings_module=SERVER_SETTINGS,
        extra={
            "THROTTLE_SUPPORT": "100000/minute",
            "THROTTLE_SUPPORT_ADDRESS": "100000/minute",
            "DB_CONN_MAX_AGE": str(args.conn_max_age),
            "LOG_LEVEL": "WARNING",
        },
    )
    results, failed = [], 0
    for row in rows:
        print(f"  {row.label} ...", flush=True)
        try:
            result = measure_row(row, args, env=env, target=targets[row], tokens=tokens, deadline=deadline)
        except Exception as error:  # the other rows still say something; the exit status says it failed
            print(f"  {row.label}: FAILED: {error!r}", file=sys.stderr, flush=True)
            failed += 1
            continue
        results.append(result)
        support, broadcast = percentile(result.after_send, 50), percentile(result.probe_delays, 50)
        p99, floor_p99 = percentile(result.probe_delays, 99), percentile(result.floor_delays, 99)
        print(
            f"    connected in {result.connect_seconds:.1f} s; p50 support after send {ms(support)} ms,"
            f" broadcast {ms(broadcast)} ms, p99 {ms(p99)} ms = {ratio(p99, floor_p99)} x the floor's"
            f" {ms(floor_p99)} ms",
            flush=True,
        )
    report(results, args)
    return 1 if failed else 0


if __name__ == "__main__":
    run_bench(main)
