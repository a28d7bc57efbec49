"""How fast a support reaches every open page, and how many supports per second the API takes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/live_support.py [--workers 1,2] [--sockets 100,1000] [--supports 30] ...

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench), migrates it and seeds one consultation per
measurement, verified citizens with API tokens and their proposals. REDIS_URL is the channel layer and
cache of the servers; use a Redis database nobody else uses, since the channel groups are named by ids.

It starts real uvicorn workers (tests/servers.py) on loopback ports and measures:

  (a) delivery: N websocket clients (in a few client processes) watch one proposal; citizens support it one
      after the other over the HTTP API. For each support and each client, the arrival time minus the
      time the HTTP 201 came back. The commit happened before the 201 (the broadcast is sent on commit,
      before the response), so this under-states the time from commit; arrival minus the time the request
      was sent over-states it. Both are shown; the truth lies between them.
  (b) throughput: C concurrent HTTP clients (threads with keep-alive connections), each a distinct citizen,
      support the same proposals in step (one support per citizen per proposal), as when a popular
      proposal is being supported by many at once. Supports per second and the request latencies.

Everything is bounded: every wait has a deadline, `--max-seconds` bounds the whole run, and the servers
and client processes are stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import queue
import resource
import signal
import statistics
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from tests import servers  # noqa: E402

SETTINGS = (
    "cocreate.settings.test"  # DEBUG off, loopback hosts allowed; the services come from the environment
)
SUPPORT_WAIT = 30  # seconds for one support to reach every socket before the next is sent
HANDSHAKES_AT_ONCE = 50  # per client process: a page load storm, not a SYN flood


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


def forget_earlier_runs(redis_url: str, consultation_ids: list[int]) -> None:
    """Ids repeat from one run to the next (the database is recreated): forget the rate counters of these
    users and the members a killed run may have left in these consultations' channel groups."""
    import redis

    from proposals.live.broadcasts import consultation_group

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match="*throttle_*", count=1000):
        client.delete(key)
    for consultation_id in consultation_ids:
        client.delete(f"asgi:group:{consultation_group(consultation_id)}")


@dataclass
class Seed:
    tokens: list[str]  # one per verified citizen
    delivery: dict[int, tuple[int, int]]  # sockets -> (consultation id, proposal id)
    throughput: dict[int, list[int]]  # concurrency -> the proposals its clients support in step


def seed(*, citizens: int, sockets: list[int], concurrency: list[int], requests: int) -> Seed:
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from tests import factories

    with transaction.atomic():
        users = [factories.citizen() for _ in range(citizens)]
        tokens = [Token.objects.create(user=user).key for user in users]
        delivery = {}
        for n in sockets:
            consultation = factories.consultation(title=f"Delivery to {n} sockets")
            proposal = factories.ProposalFactory(consultation=consultation, author=users[0])
            delivery[n] = (consultation.pk, proposal.pk)
        throughput = {}
        for c in concurrency:
            consultation = factories.consultation(title=f"Throughput with {c} clients")
            throughput[c] = [
                factories.ProposalFactory(consultation=consultation, author=users[0]).pk
                for _ in range(math.ceil(requests / c))
            ]
    return Seed(tokens, delivery, throughput)


# --- (a) Delivery: client processes that hold the sockets -------------------------------------------


def listener_process(targets, supports: int, deadline: float, events, results) -> None:
    """Open one socket per (ws_url, origin) in `targets`, report ("ready", count), then record when each
    socket sees each version; report ("got", version) once every socket here has it, then ("result", ...)."""
    raise_open_files_limit()
    try:
        arrivals = asyncio.run(_listen(targets, supports, deadline, events))
        results.put(("result", arrivals))
    except BaseException as error:  # the parent must hear of it rather than wait for the deadline
        results.put(("error", repr(error)))
        events.put(("error", repr(error)))


async def _listen(targets, supports: int, deadline: float, events) -> list[dict[int, float]]:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidHandshake

    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)

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
    events.put(("ready", len(sockets)))
    counts: dict[int, int] = {}
    arrivals: list[dict[int, float]] = [{} for _ in sockets]

    async def watch(i: int, ws) -> None:
        while len(arrivals[i]) < supports:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                text = await asyncio.wait_for(ws.recv(), remaining)
            except (TimeoutError, ConnectionClosed):
                return
            now = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process on the machine
            message = json.loads(text)
            if message.get("type") != "proposal.support_changed":
                continue
            version = message["version"]
            arrivals[i][version] = now
            counts[version] = counts.get(version, 0) + 1
            if counts[version] == len(sockets):
                events.put(("got", version))

    try:
        await asyncio.gather(*(watch(i, ws) for i, ws in enumerate(sockets)))
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return arrivals + [{} for _ in range(len(opened) - len(sockets))]


@dataclass
class Delivery:
    sockets: int
    workers: int
    connect_seconds: float
    after_201: list[float]  # seconds, one per (support, socket) that arrived
    after_send: list[float]
    missing: int


def measure_delivery(
    workers: list[servers.AsgiServer],
    *,
    sockets: int,
    target: tuple[int, int],
    tokens: list[str],
    supports: int,
    per_process: int,
    deadline: float,
) -> Delivery:
    consultation_id, proposal_id = target
    path = servers.stream_path(consultation_id)
    targets = [(w.ws_url(path), w.origin) for i in range(sockets) for w in [workers[i % len(workers)]]]
    processes = max(1, math.ceil(sockets / per_process))
    chunks = [targets[i::processes] for i in range(processes)]
    context = multiprocessing.get_context("spawn")  # a clean interpreter: no Django, no inherited sockets
    events, results = context.Queue(), context.Queue()
    children = [
        context.Process(
            target=listener_process, args=(chunk, supports, deadline, events, results), daemon=True
        )
        for chunk in chunks
    ]
    started = time.monotonic()
    for child in children:
        child.start()
    try:
        ready = 0
        while ready < processes:
            kind, value = events.get(timeout=max(1, deadline - time.monotonic()))
            if kind == "error":
                raise RuntimeError(f"a listener failed: {value}")
            ready += kind == "ready"
        connect_seconds = time.monotonic() - started

        sent, returned = {}, {}
        for i in range(supports):
            token = tokens[i]
            t_send = time.monotonic()
            response = post_support(workers[i % len(workers)], proposal_id, token)
            t_201 = time.monotonic()
            if response[0] != 201:
                raise RuntimeError(f"support {i} answered {response}")
            version = response[1]["version"]
            sent[version], returned[version] = t_send, t_201
            # The next support only once this one has reached every socket, or after SUPPORT_WAIT (a socket
            # that lost it shows up as missing).
            waiting, until = processes, min(deadline, time.monotonic() + SUPPORT_WAIT)
            with contextlib.suppress(queue.Empty):
                while waiting:
                    kind, value = events.get(timeout=max(0.01, until - time.monotonic()))
                    if kind == "error":
                        raise RuntimeError(f"a listener failed: {value}")
                    waiting -= kind == "got" and value == version

        arrivals = []
        for _ in children:
            kind, value = results.get(timeout=max(1, deadline - time.monotonic()))
            if kind == "error":
                raise RuntimeError(f"a listener failed: {value}")
            arrivals.extend(value)
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
                child.join()

    after_201, after_send, missing = [], [], 0
    for per_socket in arrivals:
        for version in sent:
            arrived = per_socket.get(version)
            if arrived is None:
                missing += 1
                continue
            after_201.append(arrived - returned[version])
            after_send.append(arrived - sent[version])
    return Delivery(sockets, len(workers), connect_seconds, after_201, after_send, missing)


# --- (b) Throughput: concurrent HTTP clients with keep-alive connections ----------------------------


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


@dataclass
class Throughput:
    concurrency: int
    workers: int
    requests: int
    errors: int
    seconds: float
    latencies: list[float]


def measure_throughput(
    workers: list[servers.AsgiServer], *, concurrency: int, proposals: list[int], tokens: list[str]
) -> Throughput:
    start = threading.Barrier(concurrency + 1)

    def client(i: int):
        server = workers[i % len(workers)]
        connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
        latencies, errors = [], 0
        start.wait(timeout=60)
        try:
            for proposal_id in proposals:
                t0 = time.monotonic()
                status, body = post_support(server, proposal_id, tokens[i], connection)
                latencies.append(time.monotonic() - t0)
                if status != 201:
                    errors += 1
                    if errors == 1:
                        print(f"    first error: {status} {body}", file=sys.stderr)
        finally:
            connection.close()
        return latencies, errors

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(client, i) for i in range(concurrency)]
        start.wait(timeout=60)
        t0 = time.monotonic()
        done = [f.result(timeout=600) for f in futures]
        seconds = time.monotonic() - t0
    latencies = [x for lat, _ in done for x in lat]
    return Throughput(concurrency, len(workers), len(latencies), sum(e for _, e in done), seconds, latencies)


# --- Report ---------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in [header, *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def report(deliveries: list[Delivery], throughputs: list[Throughput], supports: int) -> None:
    print()
    print(f"(a) a support reaching every open socket: {supports} supports one after the other, per row")
    print("    after 201:  arrival - time the HTTP 201 came back. A LOWER bound of the time from commit: the")
    print("                broadcast leaves on commit, before the response is written (so it can be < 0)")
    print("    after send: arrival - time the request was sent. An UPPER bound of the time from commit")
    table(
        ["workers", "sockets", "connect s", "after 201 ms p50", "p95", "p99", "max", "after send p50", "p99",
         "max", "missing"],
        [
            [str(d.workers), str(d.sockets), f"{d.connect_seconds:.1f}", ms(percentile(d.after_201, 50)),
             ms(percentile(d.after_201, 95)), ms(percentile(d.after_201, 99)), ms(max(d.after_201)),
             ms(percentile(d.after_send, 50)), ms(percentile(d.after_send, 99)), ms(max(d.after_send)),
             str(d.missing)]
            for d in deliveries
        ],
    )  # fmt: skip
    print()
    print("(b) supports through the API: C clients, each a distinct citizen, supporting the same proposals")
    table(
        ["workers", "clients", "requests", "errors", "supports/s", "p50 ms", "p99 ms"],
        [
            [str(t.workers), str(t.concurrency), str(t.requests), str(t.errors),
             f"{(t.requests - t.errors) / t.seconds:.1f}", ms(statistics.median(t.latencies)),
             ms(percentile(t.latencies, 99))]
            for t in throughputs
        ],
    )  # fmt: skip
    print()
    print(f"{os.cpu_count()} CPUs shared by the clients, the servers, PostgreSQL and Redis (loopback only).")


# --- Main -------------------------------------------------------------------------------------------------


def int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cocreate_bench", help="database to drop, create and use")
    parser.add_argument("--workers", type=int_list, default=[1], help="worker counts to measure, e.g. 1,2")
    parser.add_argument("--sockets", type=int_list, default=[100, 1000], help="open sockets, e.g. 100,1000")
    parser.add_argument("--supports", type=int, default=30, help="supports per delivery measurement")
    parser.add_argument("--sockets-per-process", type=int, default=500, help="sockets per client process")
    parser.add_argument(
        "--concurrency", type=int_list, default=[1, 10, 50], help="HTTP clients, e.g. 1,10,50"
    )
    parser.add_argument("--requests", type=int, default=300, help="supports per throughput measurement")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="servers' DB_CONN_MAX_AGE; 0, as Django advises under ASGI (each request has its own thread)",
    )
    parser.add_argument("--max-seconds", type=float, default=900, help="the whole run stops after this")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        print("DATABASE_URL (a PostgreSQL server) and REDIS_URL are required.", file=sys.stderr)
        return 2
    deadline = time.monotonic() + args.max_seconds
    files = raise_open_files_limit()  # the servers inherit it
    if files < max(args.sockets) + 100:
        print(f"open-files limit {files} is below {max(args.sockets)} sockets", file=sys.stderr)
        return 2

    print(f"database {args.database}: drop, create, migrate, seed ...", flush=True)
    bench_url = recreate_database(database_url, args.database)
    setup_django(bench_url, redis_url)
    citizens = max(max(args.concurrency), args.supports)
    # Per-account rate limits stay on (their Redis round trips are part of a request) but high enough that
    # the benchmark measures the path, not the limiter.
    env = servers.server_env(
        database_url=bench_url,
        redis_url=redis_url,
        settings_module=SETTINGS,
        extra={
            "THROTTLE_SUPPORT": "100000/minute",
            "DB_CONN_MAX_AGE": str(args.conn_max_age),
            "LOG_LEVEL": "WARNING",
        },
    )

    deliveries, throughputs = [], []
    for count in args.workers:
        # Fresh consultations, proposals and citizens for each worker count: every support is a new one.
        data = seed(
            citizens=citizens, sockets=args.sockets, concurrency=args.concurrency, requests=args.requests
        )
        forget_earlier_runs(redis_url, [c for c, _p in data.delivery.values()])
        print(f"starting {count} uvicorn worker(s) ...", flush=True)
        with servers.serving(env, workers=count, access_log=False) as started:
            workers = started if count > 1 else [started]
            try:
                measure_all(workers, data, args, deadline, deliveries, throughputs)
            except BaseException:
                for worker in workers:  # what the servers said, before their logs go with them
                    print(f"--- uvicorn on port {worker.port}:\n{worker.log_tail(40)}", file=sys.stderr)
                raise
    report(deliveries, throughputs, args.supports)
    return 0


def measure_all(workers, data: Seed, args, deadline: float, deliveries: list, throughputs: list) -> None:
    for n in args.sockets:
        print(f"  delivery: {n} sockets, {args.supports} supports ...", flush=True)
        deliveries.append(
            measure_delivery(
                workers,
                sockets=n,
                target=data.delivery[n],
                tokens=data.tokens,
                supports=args.supports,
                per_process=args.sockets_per_process,
                deadline=deadline,
            )
        )
    for c in args.concurrency:
        print(f"  throughput: {c} clients, {len(data.throughput[c]) * c} supports ...", flush=True)
        throughputs.append(
            measure_throughput(workers, concurrency=c, proposals=data.throughput[c], tokens=data.tokens)
        )
        if throughputs[-1].errors:
            for worker in workers:
                print(f"--- uvicorn on port {worker.port}:\n{worker.log_tail(30)}", file=sys.stderr)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # so that every `with` block stops what it started


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with contextlib.suppress(queue.Empty):
        sys.exit(main())
    print("a wait ran past its deadline", file=sys.stderr)
    sys.exit(1)
