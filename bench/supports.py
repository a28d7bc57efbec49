"""Hot-row contention on a proposal's support count: supports per second to ONE proposal, through the API and
straight against PostgreSQL, and what each way of keeping the count costs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/supports.py [--parts http,row] [--clients 1,50,200] [--threads 1,50,90] ...

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench_supports), migrates it and seeds it. REDIS_URL
is the servers' channel layer, cache and rate counters; use a Redis database nobody else uses.

Part "http": real uvicorn workers (tests/support/servers.py), 1 and 2 of them, without a connection pool
(DB_POOL_MAX_SIZE=0: a new PostgreSQL connection per request) and with psycopg's pool (e.g. 20 per worker).
C concurrent HTTP clients (threads, keep-alive connections) send `--supports` supports, each by a distinct
verified citizen with an API token, ALL to the same proposal (a fresh one per row, whose threshold is half
way, so each row crosses it once). Supports per second, latency, answers by status; after each row the
stored count must equal the support rows and the 201s, and the threshold must have been reached once.
Right after each row, the same clients send as many GETs of a trivial API view (the API root, `TRIVIAL`)
to the same servers with the same tokens: its requests per second are the row's reference, and
supports/s is also given as a ratio to it. The servers' channel layer is `--layer` (core by default, the
layer of the published figures, whatever the settings' default).

Part "row": the count strategies without HTTP, K threads each with its own psycopg connection, distinct
users, one hot proposal per row, the statements the service sends:
  (a) lock: SELECT the proposal (with its consultation) FOR NO KEY UPDATE, insert the support under a
      savepoint, insert the follow, UPDATE the count and version to the values computed from the locked row
      (votes.services before these figures).
  (b) atomic: read the consultation, insert the support and the follow, then one UPDATE ... SET count =
      count + 1, version = version + 1 WHERE published RETURNING; the row is locked only from that UPDATE
      to the commit (votes.services since, through the ORM: an F() UPDATE, then the row read back under
      its lock, one round trip more).
  (c) count: insert the support and the follow only; the pages count the rows when they read (the read
      cost is measured separately on proposals with `--count-sizes` supports).
  (d) batched: (c) plus a delta row in a side table of this database; a folder thread moves the deltas
      into the count every `--fold-ms` (the count lags by up to that much).

Everything is bounded: `--max-seconds` stops the run (servers stopped, connections closed), every request and
statement has a timeout, and the number of threads in part "row" is capped by the connections PostgreSQL has
free (less `--spare-connections` for everyone else).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import itertools
import os
import queue
import signal
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.common import arguments, int_list, require_services, run_bench, table  # noqa: E402
from bench.live_support import (  # noqa: E402
    forget_earlier_runs,
    ms,
    percentile,
    raise_open_files_limit,
    recreate_database,
    setup_django,
)
from tests.support import servers  # noqa: E402

SETTINGS = (
    "cocreate.settings.test"  # DEBUG off, loopback hosts allowed; the services come from the environment
)
NO_LIMIT = "1000000/minute"  # the rate limits stay on (their Redis round trips are part of a request)
# What the servers' logs may say when a request fails.
CAUSES = ("too many clients", "PoolTimeout", "deadlock detected", "statement timeout", "Traceback")
REQUEST_TIMEOUT = 60  # seconds, one HTTP request
# The reference of part "http": an API view that authenticates the token and renders a small JSON body, and
# does nothing else (DRF's API root; no throttle, no permission check).
TRIVIAL = "/api/v1/"
STATEMENT_TIMEOUT_MS = 30_000  # one SQL statement, lock waits included


# --- Part "http": supports through the API ------------------------------------------------------------


@dataclass
class HttpRow:
    pool: int
    workers: int
    clients: int
    seconds: float
    latencies: list[float]
    statuses: collections.Counter
    first_bodies: dict[str, str]
    threshold: int
    stored: int = 0
    rows: int = 0
    thresholds: int = 0
    causes: list[str] = field(default_factory=list)  # of CAUSES, those in the servers' logs for this row
    trivial: Drive | None = None  # the trivial view, right after the row, same servers and clients

    @property
    def created(self) -> int:
        return self.statuses[201]

    @property
    def rate(self) -> float:
        return self.created / self.seconds

    @property
    def consistent(self) -> bool:
        """The count is the rows and the 201s; the promise was made once if the threshold was reached."""
        return self.stored == self.rows == self.created and self.thresholds == (
            self.created >= self.threshold
        )


def seed_http(*, citizens: int, rows: int) -> tuple[list[str], list[int]]:
    """Verified citizens with tokens, and one proposal per row, each in its own consultation whose threshold
    is half the supports it will get."""
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from tests.support import factories

    with transaction.atomic():
        users = [factories.citizen() for _ in range(citizens)]
        tokens = [Token.objects.create(user=user).key for user in users]
        proposals = [
            factories.ProposalFactory(
                consultation=factories.consultation(title=f"Hot row {i}", support_threshold=citizens // 2),
                author=users[0],
            ).pk
            for i in range(rows)
        ]
    return tokens, proposals


def _post_support(connection: http.client.HTTPConnection, proposal_id: int, token: str) -> tuple[int, bytes]:
    connection.request(
        "POST",
        f"/api/v1/proposals/{proposal_id}/support/",
        headers={"Authorization": f"Token {token}", "Accept": "application/json", "Content-Length": "0"},
    )
    response = connection.getresponse()
    return response.status, response.read()


def _get_trivial(connection: http.client.HTTPConnection, token: str) -> tuple[int, bytes]:
    connection.request(
        "GET", TRIVIAL, headers={"Authorization": f"Token {token}", "Accept": "application/json"}
    )
    response = connection.getresponse()
    return response.status, response.read()


def run_together(threads: list[threading.Thread], start: threading.Barrier) -> float:
    """Start the threads, release them at once through `start`; the seconds until the last one ends."""
    for thread in threads:
        thread.start()
    start.wait()
    t0 = time.monotonic()
    for thread in threads:
        thread.join()
    return time.monotonic() - t0


@dataclass
class Drive:
    """What `clients` threads saw sending one request per token."""

    seconds: float
    latencies: list[float]
    statuses: collections.Counter
    first_bodies: dict[str, str]  # the first body of each status but `ok`

    def rate(self, ok: int) -> float:
        return self.statuses[ok] / self.seconds


def drive(workers, *, clients: int, tokens: list[str], send, ok: int) -> Drive:
    """`clients` threads, each with its keep-alive connection to one of `workers` in turn, share the tokens
    and make one request `send(connection, token)` with each."""
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for token in tokens:
        todo.put(token)
    start = threading.Barrier(clients + 1, timeout=60)
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    first_bodies: dict[str, str] = {}

    def client(i: int) -> None:
        server = workers[i % len(workers)]
        connection = http.client.HTTPConnection(server.host, server.port, timeout=REQUEST_TIMEOUT)
        mine, seen = [], collections.Counter()
        start.wait()
        try:
            while True:
                try:
                    token = todo.get_nowait()
                except queue.Empty:
                    break
                t0 = time.monotonic()
                try:
                    status, body = send(connection, token)
                except (OSError, http.client.HTTPException) as error:
                    status, body = type(error).__name__, str(error).encode()
                    connection.close()  # http.client reconnects on the next request
                mine.append(time.monotonic() - t0)
                seen[status] += 1
                if status != ok:
                    with lock:
                        first_bodies.setdefault(str(status), body[:300].decode(errors="replace"))
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)
                statuses.update(seen)

    seconds = run_together(
        [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)], start
    )
    return Drive(seconds, latencies, statuses, first_bodies)


def http_row(workers, *, pool: int, clients: int, proposal_id: int, tokens: list[str]) -> HttpRow:
    """`clients` threads share the tokens (one support each) and all support `proposal_id`; then the same
    clients GET the trivial view once per token."""
    supports = drive(
        workers,
        clients=clients,
        tokens=tokens,
        send=lambda connection, token: _post_support(connection, proposal_id, token),
        ok=201,
    )
    row = HttpRow(
        pool,
        len(workers),
        clients,
        supports.seconds,
        supports.latencies,
        supports.statuses,
        supports.first_bodies,
        len(tokens) // 2,
    )
    check_http_row(row, proposal_id)
    row.trivial = drive(workers, clients=clients, tokens=tokens, send=_get_trivial, ok=200)
    return row


def check_http_row(row: HttpRow, proposal_id: int) -> None:
    from django.db import connections

    from proposals.models import AuditEntry, Proposal
    from votes.models import Support

    row.stored = Proposal.objects.get(pk=proposal_id).supports_count
    row.rows = Support.objects.filter(proposal_id=proposal_id).count()
    row.thresholds = AuditEntry.objects.filter(
        proposal_id=proposal_id, action=AuditEntry.Action.THRESHOLD_REACHED
    ).count()
    connections.close_all()  # no idle connection of ours while the servers need every one


def http_part(args, bench_url: str, redis_url: str) -> list[HttpRow]:
    from django.db import connections

    combos = [(pool, w) for pool in args.pools for w in args.workers]
    tokens, proposals = seed_http(citizens=args.supports, rows=len(combos) * len(args.clients))
    connections.close_all()
    forget_earlier_runs(redis_url)
    proposal_ids = iter(proposals)
    results = []
    for pool, count in combos:
        env = servers.server_env(
            database_url=bench_url,
            redis_url=redis_url,
            settings_module=SETTINGS,
            extra={
                "THROTTLE_SUPPORT": NO_LIMIT,
                "THROTTLE_SUPPORT_ADDRESS": NO_LIMIT,
                "DB_POOL_MAX_SIZE": str(pool),
                "DB_CONN_MAX_AGE": "0",
                "REDIS_CHANNEL_LAYER": args.layer,
                "LOG_LEVEL": "WARNING",
            },
        )
        print(f"http: {count} worker(s), DB_POOL_MAX_SIZE={pool} ...", flush=True)
        with servers.serving(env, workers=count, access_log=False) as started:
            workers = started if count > 1 else [started]
            for clients in args.clients:
                logged = [len(worker.log()) for worker in workers]
                row = http_row(
                    workers, pool=pool, clients=clients, proposal_id=next(proposal_ids), tokens=tokens
                )
                # What PostgreSQL said to the servers during this row (the log holds every row's).
                said = "".join(worker.log()[n:] for worker, n in zip(workers, logged, strict=True))
                row.causes = [cause for cause in CAUSES if cause in said]
                results.append(row)
                print(
                    f"  {clients} clients: {dict(row.statuses)} in {row.seconds:.1f}s, trivial view "
                    f"{dict(row.trivial.statuses)} in {row.trivial.seconds:.1f}s",
                    flush=True,
                )
                if not row.consistent:
                    for worker in workers:
                        print(f"--- uvicorn on port {worker.port}:\n{worker.log_tail(20)}", file=sys.stderr)
    return results


def hot_updates() -> list[tuple[str, int, int]]:
    """Per table of the proposals and votes apps that took updates: its updates and how many of them were
    HOT (heap-only: no index written). Read once the servers are stopped: a backend reports its counts
    when it ends, or when it has been idle a while."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
            "WHERE (relname LIKE 'proposals%%' OR relname LIKE 'votes%%') AND n_tup_upd > 0 ORDER BY relname"
        )
        found = cursor.fetchall()
    connection.close()
    return found


# --- Part "row": the strategies straight against PostgreSQL -------------------------------------------

OPEN_CHECK = """
    SELECT c.opens_at, c.closes_at, c.support_threshold, c.response_deadline_days, w.live
    FROM cms_consultationpage c JOIN wagtailcore_page w ON w.id = c.page_ptr_id WHERE c.page_ptr_id = %s"""
LOCK = """
    SELECT p.*, c.opens_at, c.closes_at, c.support_threshold, c.response_deadline_days, w.live
    FROM proposals_proposal p JOIN cms_consultationpage c ON c.page_ptr_id = p.consultation_id
    JOIN wagtailcore_page w ON w.id = c.page_ptr_id WHERE p.id = %s FOR NO KEY UPDATE OF p"""
INSERT_SUPPORT = "INSERT INTO votes_support (created_at, proposal_id, user_id) VALUES (now(), %s, %s)"
INSERT_FOLLOW = """
    INSERT INTO proposals_follow (created_at, proposal_id, user_id) VALUES (now(), %s, %s)
    ON CONFLICT DO NOTHING"""
SET_COUNT = "UPDATE proposals_proposal SET supports_count = %s, supports_version = %s WHERE id = %s"
ADD_ONE = """
    UPDATE proposals_proposal SET supports_count = supports_count + 1, supports_version = supports_version + 1
    WHERE id = %s AND visibility = 'published'
    RETURNING supports_count, supports_version, threshold_reached_at, status"""
DELTA_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_support_delta (proposal_id bigint NOT NULL, delta integer NOT NULL)"
)
INSERT_DELTA = "INSERT INTO bench_support_delta (proposal_id, delta) VALUES (%s, 1)"
FOLD = """
    WITH moved AS (DELETE FROM bench_support_delta WHERE proposal_id = %s RETURNING delta)
    UPDATE proposals_proposal
    SET supports_count = supports_count + s.n, supports_version = supports_version + 1
    FROM (SELECT coalesce(sum(delta), 0) AS n FROM moved) s WHERE id = %s AND s.n <> 0"""
COUNT = "SELECT count(*) FROM votes_support WHERE proposal_id = %s"


def _supported(cursor, proposal_id: int, user_id: int) -> None:
    cursor.execute("SAVEPOINT support")  # as the service: a duplicate must not poison the transaction
    cursor.execute(INSERT_SUPPORT, (proposal_id, user_id))
    cursor.execute("RELEASE SAVEPOINT support")
    cursor.execute(INSERT_FOLLOW, (proposal_id, user_id))


def support_lock(cursor, proposal_id: int, consultation_id: int, user_id: int) -> float:
    locking = time.monotonic()
    cursor.execute(LOCK, (proposal_id,))
    columns = [c.name for c in cursor.description]
    row = dict(zip(columns, cursor.fetchone(), strict=True))
    assert row["visibility"] == "published" and row["live"], row
    _supported(cursor, proposal_id, user_id)
    cursor.execute(SET_COUNT, (row["supports_count"] + 1, row["supports_version"] + 1, proposal_id))
    return locking


def support_atomic(cursor, proposal_id: int, consultation_id: int, user_id: int) -> float:
    cursor.execute(OPEN_CHECK, (consultation_id,))
    assert cursor.fetchone()[-1]
    _supported(cursor, proposal_id, user_id)
    locking = time.monotonic()
    cursor.execute(ADD_ONE, (proposal_id,))
    assert cursor.fetchone() is not None
    return locking


def support_count(cursor, proposal_id: int, consultation_id: int, user_id: int) -> float | None:
    cursor.execute(OPEN_CHECK, (consultation_id,))
    assert cursor.fetchone()[-1]
    _supported(cursor, proposal_id, user_id)
    return None  # the proposal's row is not locked


def support_batched(cursor, proposal_id: int, consultation_id: int, user_id: int) -> float | None:
    support_count(cursor, proposal_id, consultation_id, user_id)
    cursor.execute(INSERT_DELTA, (proposal_id,))
    return None


STRATEGIES = {"a": support_lock, "b": support_atomic, "c": support_count, "d": support_batched}
STRATEGY_NAMES = {
    "a": "(a) lock, then set",
    "b": "(b) atomic +1 RETURNING",
    "c": "(c) insert only",
    "d": "(d) batched deltas",
}


@dataclass
class RowRow:
    strategy: str
    threads: int
    seconds: float
    latencies: list[float]
    errors: collections.Counter
    stored: int = 0
    rows: int = 0
    locked: list[float] = field(default_factory=list)
    commits: list[float] = field(default_factory=list)
    folds: list[float] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return self.strategy == "c" or self.stored == self.rows == len(self.latencies)


def connect(url: str):
    import psycopg

    return psycopg.connect(url, options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")


def free_connections(url: str) -> int:
    with connect(url) as connection:
        (free,) = connection.execute(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
            " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        ).fetchone()
    return free


def seed_row(url: str, *, users: int) -> tuple[int, int, list[int]]:
    """A consultation (threshold out of reach: the strategies differ in how they count, not in the promise)
    and `users` users made in one statement; returns the consultation and the user ids."""
    from django.db import connections, transaction

    from tests.support import factories

    with transaction.atomic():
        consultation = factories.consultation(title="Hot row strategies", support_threshold=10**9)
        author = factories.citizen()
    connections.close_all()
    with connect(url) as connection:
        ids = connection.execute(
            """INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
               is_staff, is_active, date_joined, display_name, department, email_notifications, language)
               SELECT '!', false, 'row' || g, '', '', 'row' || g || '@example.org', false, true, now(),
                      '', '', false, 'en' FROM generate_series(1, %s) g RETURNING id""",
            (users,),
        ).fetchall()
        connection.execute(DELTA_TABLE)
    return consultation.pk, author.pk, [i for (i,) in ids]


def new_proposal(consultation_id: int, author_id: int) -> int:
    from django.db import connections

    from cms.models import ConsultationPage
    from tests.support import factories

    consultation = ConsultationPage.objects.get(pk=consultation_id)
    proposal = factories.ProposalFactory(consultation=consultation, author_id=author_id)
    connections.close_all()
    return proposal.pk


def row_run(
    url: str,
    *,
    strategy: str,
    threads: int,
    proposal_id: int,
    consultation_id: int,
    users: list[int],
    fold_ms: int,
) -> RowRow:
    work = STRATEGIES[strategy]
    connections = [connect(url) for _ in range(threads)]
    next_user = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    locked: list[float] = []  # from the locking statement to the end of the commit
    commits: list[float] = []  # the COMMIT alone: the WAL flush, during which the row stays locked
    errors: collections.Counter = collections.Counter()
    start = threading.Barrier(threads + 1, timeout=60)
    running = threading.Event()
    folds: list[float] = []

    def worker(connection) -> None:
        mine, held, flushed, failed = [], [], [], collections.Counter()
        cursor = connection.cursor()
        start.wait()
        try:
            while (i := next(next_user)) < len(users):
                t0 = time.monotonic()
                try:
                    with connection.transaction():
                        locking = work(cursor, proposal_id, consultation_id, users[i])
                        committing = time.monotonic()
                except Exception as error:  # noqa: BLE001 - counted and shown, the run goes on
                    failed[type(error).__name__] += 1
                    continue
                done = time.monotonic()
                mine.append(done - t0)
                flushed.append(done - committing)
                if locking is not None:
                    held.append(done - locking)
        finally:
            with lock:
                latencies.extend(mine)
                locked.extend(held)
                commits.extend(flushed)
                errors.update(failed)

    def folder(connection) -> None:
        while running.is_set():
            time.sleep(fold_ms / 1000)  # the period of the batch, by design
            t0 = time.monotonic()
            with connection.transaction():
                connection.execute(FOLD, (proposal_id, proposal_id))
            folds.append(time.monotonic() - t0)

    try:
        running.set()
        fold_connection = connect(url) if strategy == "d" else None
        background = threading.Thread(target=folder, args=(fold_connection,), daemon=True)
        if fold_connection:
            background.start()
        seconds = run_together(
            [threading.Thread(target=worker, args=(c,), daemon=True) for c in connections], start
        )
        running.clear()
        if fold_connection:
            background.join()
            with fold_connection.transaction():  # the last batch, so that the count can be checked
                fold_connection.execute(FOLD, (proposal_id, proposal_id))
            fold_connection.close()
    finally:
        for connection in connections:
            connection.close()
    row = RowRow(strategy, threads, seconds, latencies, errors, locked=locked, commits=commits, folds=folds)
    with connect(url) as connection:
        row.stored = connection.execute(
            "SELECT supports_count FROM proposals_proposal WHERE id = %s", (proposal_id,)
        ).fetchone()[0]
        row.rows = connection.execute(COUNT, (proposal_id,)).fetchone()[0]
    return row


@dataclass
class CountCost:
    supports: int
    vacuumed: bool
    latencies: list[float]
    plan: str


def count_costs(
    url: str, *, consultation_id: int, author_id: int, users: list[int], sizes: list[int], repeat: int
):
    """COUNT(*) of one proposal's supports, as a page would run it on every view under strategy (c)."""
    results = []
    for size in sizes:
        proposal_id = new_proposal(consultation_id, author_id)
        with connect(url) as connection:
            connection.execute(
                "INSERT INTO votes_support (created_at, proposal_id, user_id)"
                " SELECT now(), %s, u FROM unnest(%s::bigint[]) u",
                (proposal_id, users[:size]),
            )
        for vacuumed in (False, True):
            with connect(url) as connection:
                if vacuumed:
                    connection.autocommit = True
                    connection.execute("VACUUM ANALYZE votes_support")
                connection.execute(COUNT, (proposal_id,))  # warm: the pages' tables are in memory
                latencies = []
                for _ in range(repeat):
                    t0 = time.monotonic()
                    connection.execute(COUNT, (proposal_id,)).fetchone()
                    latencies.append(time.monotonic() - t0)
                plan = connection.execute("EXPLAIN " + COUNT, (proposal_id,)).fetchall()
            node = next((line for (line,) in plan if "Scan" in line), plan[0][0]).strip(" ->")
            results.append(CountCost(size, vacuumed, latencies, node.split("  (")[0]))
    return results


def row_part(args, bench_url: str):
    consultation_id, author_id, users = seed_row(bench_url, users=max(args.row_supports, *args.count_sizes))
    free = free_connections(bench_url) - args.spare_connections - 1  # the folder's
    results = []
    # Round after round, every strategy and thread count in each: a burst of load from elsewhere on a
    # shared machine then falls on all of them rather than on one row.
    runs = [(s, k) for _round in range(args.rounds) for k in args.threads for s in args.strategies]
    for strategy, wanted in runs:
        threads = max(1, min(wanted, free))
        if threads < wanted:
            print(f"row: {wanted} threads asked, {threads} connections free: {threads} threads", flush=True)
        proposal_id = new_proposal(consultation_id, author_id)
        print(f"row: {STRATEGY_NAMES[strategy]}, {threads} threads ...", flush=True)
        results.append(
            row_run(
                bench_url,
                strategy=strategy,
                threads=threads,
                proposal_id=proposal_id,
                consultation_id=consultation_id,
                users=users[: args.row_supports],
                fold_ms=args.fold_ms,
            )
        )
    print("row: COUNT(*) read cost ...", flush=True)
    costs = count_costs(
        bench_url,
        consultation_id=consultation_id,
        author_id=author_id,
        users=users,
        sizes=args.count_sizes,
        repeat=args.count_repeat,
    )
    return results, costs


# --- Report ---------------------------------------------------------------------------------------------


def ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}x" if reference > 0 else "-"


def report_http(rows: list[HttpRow], supports: int) -> None:
    print()
    print(f"http: {supports} supports per row, each by a distinct citizen, all to one proposal; trivial: as")
    print(f"    many GETs of {TRIVIAL} right after the row, same servers, clients and tokens (requests/s)")
    table(
        ["pool", "workers", "clients", "supports/s", "p50 ms", "p99 ms", "trivial/s", "÷ trivial", "answers",
         "count=rows=201s", "threshold", "servers' logs"],
        [
            [str(r.pool or "none"), str(r.workers), str(r.clients), f"{r.rate:.1f}",
             ms(statistics.median(r.latencies)), ms(percentile(r.latencies, 99)),
             f"{r.trivial.rate(200):.1f}", ratio(r.rate, r.trivial.rate(200)),
             " ".join(f"{k}:{v}" for k, v in sorted(r.statuses.items(), key=str)),
             f"{'yes' if r.stored == r.rows == r.created else 'NO'} ({r.stored}/{r.rows}/{r.created})",
             f"{r.thresholds}x", ", ".join(r.causes) or "-"]
            for r in rows
        ],
    )  # fmt: skip
    for r in rows:
        for what, bodies in [("", r.first_bodies), ("trivial view, ", r.trivial.first_bodies)]:
            for status, body in bodies.items():
                print(
                    f"  pool {r.pool}, {r.workers} worker(s), {r.clients} clients, {what}first {status}: "
                    f"{body[:200]}"
                )


def report_row(runs: list[RowRow], costs: list[CountCost], supports: int, fold_ms: int) -> None:
    groups: dict[tuple[str, int], list[RowRow]] = {}
    for run in sorted(runs, key=lambda r: (r.strategy, r.threads)):
        groups.setdefault((run.strategy, run.threads), []).append(run)
    rounds = max(len(g) for g in groups.values())
    print()
    print(f"row: {supports} supports per run, distinct users, one hot proposal, one connection per thread;")
    print(f"    {rounds} run(s) per row: supports/s is their median (min-max), latencies are pooled")
    print(
        "    lock to commit: from the statement that locks the proposal's row to the end of the commit; with"
    )
    print(
        "    one thread, how long the row stays locked (its inverse bounds supports/s); more: plus the wait"
    )
    table(
        ["strategy", "threads", "supports/s", "(min-max)", "p50 ms", "p99 ms", "lock to commit p50 ms",
         "COMMIT p50 ms", "errors", "count=rows"],
        [
            [STRATEGY_NAMES[strategy], str(threads), f"{statistics.median(rates):.0f}",
             f"({min(rates):.0f}-{max(rates):.0f})", ms(statistics.median(latencies)),
             ms(percentile(latencies, 99)), ms(statistics.median(locked)) if locked else "-",
             ms(statistics.median(commits)), " ".join(f"{k}:{v}" for k, v in errors.items()) or "0",
             "n/a" if strategy == "c" else "yes" if all(r.consistent for r in group) else "NO"]
            for (strategy, threads), group in groups.items()
            for rates in [[len(r.latencies) / r.seconds for r in group]]
            for latencies in [[x for r in group for x in r.latencies]]
            for locked in [[x for r in group for x in r.locked]]
            for commits in [[x for r in group for x in r.commits]]
            for errors in [sum((r.errors for r in group), collections.Counter())]
        ],
    )  # fmt: skip
    folds = [f for r in runs for f in r.folds]
    if folds:
        print(f"  (d) folds every {fold_ms} ms: {len(folds)}, p50 {ms(statistics.median(folds))} ms, "
              f"max {ms(max(folds))} ms")  # fmt: skip
    print()
    print("COUNT(*) of one proposal's supports (what strategy (c) makes every page pay), one connection")
    table(
        ["supports", "after VACUUM", "p50 ms", "p99 ms", "plan"],
        [
            [f"{c.supports:,}", "yes" if c.vacuumed else "no", ms(statistics.median(c.latencies)),
             ms(percentile(c.latencies, 99)), c.plan]
            for c in costs
        ],
    )  # fmt: skip


# --- Main -------------------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = arguments(__doc__)
    parser.add_argument(
        "--database", default="cocreate_bench_supports", help="database to drop, create and use"
    )
    parser.add_argument("--parts", default="http,row", help="http, row or both (comma-separated)")
    parser.add_argument("--workers", type=int_list, default=[1, 2], help="http: uvicorn workers, e.g. 1,2")
    parser.add_argument(
        "--pools", type=int_list, default=[0, 20], help="http: DB_POOL_MAX_SIZE values (0 = none)"
    )
    parser.add_argument("--clients", type=int_list, default=[1, 50, 200], help="http: concurrent clients")
    parser.add_argument(
        "--layer", default="core", help="http: the servers' REDIS_CHANNEL_LAYER (core or pubsub)"
    )
    parser.add_argument("--supports", type=int, default=600, help="http: supports per row (= citizens)")
    parser.add_argument("--strategies", default="abcd", help="row: strategies among a, b, c, d")
    parser.add_argument("--threads", type=int_list, default=[1, 50, 90], help="row: threads (connections)")
    parser.add_argument("--row-supports", type=int, default=2000, help="row: supports per row")
    parser.add_argument("--rounds", type=int, default=3, help="row: runs of every strategy and thread count")
    parser.add_argument("--fold-ms", type=int, default=1000, help="row (d): period of the folder")
    parser.add_argument(
        "--count-sizes", type=int_list, default=[10_000, 100_000], help="row: supports counted by COUNT(*)"
    )
    parser.add_argument("--count-repeat", type=int, default=50, help="row: COUNT(*) runs per size")
    parser.add_argument(
        "--spare-connections", type=int, default=5, help="row: PostgreSQL connections left free for others"
    )
    parser.add_argument("--max-seconds", type=int, default=1200, help="the whole run stops after this")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    parts = {p.strip() for p in args.parts.split(",")}
    args.strategies = [s for s in args.strategies if s in STRATEGIES]
    database_url, redis_url = require_services("DATABASE_URL", "REDIS_URL")
    if not parts <= {"http", "row"}:
        print(f"--parts: http and/or row, not {args.parts}", file=sys.stderr)
        return 2
    signal.alarm(args.max_seconds)  # SIGALRM -> SystemExit: every `with` block stops what it started
    raise_open_files_limit()
    print(f"database {args.database}: drop, create, migrate ...", flush=True)
    bench_url = recreate_database(database_url, args.database)
    setup_django(bench_url, redis_url)
    http_rows = http_part(args, bench_url, redis_url) if "http" in parts else []
    hot = hot_updates() if http_rows else []  # before part "row", which updates the proposals too
    row_rows, costs = row_part(args, bench_url) if "row" in parts else ([], [])
    if http_rows:
        report_http(http_rows, args.supports)
        print("  updates of the whole part, per table: HOT (heap-only, no index written) / all")
        for name, updated, heap_only in hot:
            print(f"    {name}: {heap_only:,} / {updated:,} ({heap_only / updated:.0%})")
    if row_rows or costs:
        report_row(row_rows, costs, args.row_supports, args.fold_ms)
    print()
    print(f"{os.cpu_count()} CPUs shared by the clients, the servers, PostgreSQL and Redis (loopback only).")
    inconsistent = [r for r in [*http_rows, *row_rows] if not r.consistent]
    return 1 if inconsistent else 0


if __name__ == "__main__":
    run_bench(main)
