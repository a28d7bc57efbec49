"""Page render times of a consultation with 1,000 proposals: the pages a visitor reads, and the REST list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/pages.py [--proposals 1000] [--requests 200] [--pools 0,4] ...

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench_pages), migrates it and seeds one open
consultation with N published proposals: six categories, every status, support counts from a skewed
(Zipf-like) draw with one support row per support, the threshold reached by some (awaiting a response,
overdue, or answered), official responses, comments and replies, plus a few pending and hidden proposals
that must not show, and a verified citizen who supports some of them. REDIS_URL is the servers' cache and
channel layer; use a Redis database nobody else uses.

It measures, with the settings of the tests (DEBUG off), except that the servers keep visitors' pages for
`--page-cache-seconds` (PAGE_CACHE_SECONDS, production's default 10; cocreate/page_cache.py), so that the
anonymous rows of (b) and (c) are served warm; `--page-cache-seconds 0` shows what a page costs rendered:

  (a) in this process, with Django's test client: the SQL queries, the status and the size in bytes of each
      page (the server cannot count its queries), and whether the hidden and pending proposals stay out;
  (b) against one real uvicorn worker (tests/support/servers.py), per `--pools` value (DB_POOL_MAX_SIZE: 0
      opens a PostgreSQL connection per request, N > 0 keeps a psycopg pool of at most N per worker): after
      `--warmup` requests, `--requests` sequential GETs of each page over one keep-alive connection,
      p50/p99/max of the time to the last byte;
  (c) `--concurrency` clients (threads, keep-alive) GET the anonymous consultation page together, then the
      REST list, `--concurrent-requests` in all, on one worker and then spread over `--workers` of them:
      requests per second and latencies.

The pages: the consultation page anonymous and signed in as the citizen (a session created in this process),
its later pages (?page=N), a proposal page with a response, a history and comments, the REST list of the
consultation's proposals (first and a later page), and the search page for a common word.

Everything is bounded: every request has a timeout, `--max-seconds` bounds the whole run (a measurement
stops early when it is spent, and says so), and the servers are stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.common import arguments, int_list, require_services, run_bench, table  # noqa: E402
from bench.live_support import ms, percentile, recreate_database, setup_django  # noqa: E402
from tests.support import servers  # noqa: E402

CATEGORIES = ("Online services", "Appointments", "Payments", "Letters", "Accessibility", "Phone and counter")
THRESHOLD = 100  # supports that promise a response: reached by a few dozen of the 1,000
AUTHORS = 300  # distinct authors and supporters; supports beyond them are anonymised (user NULL)
SEARCH_WORD = "appointment"
REQUEST_TIMEOUT = 30  # seconds for one request
TRIVIAL = "trivial page (accessibility statement)"  # the reference each page is compared with, same run

WORDS = """online application appointment form benefit office payment status claim letter phone website
account advisor update job seeker delay training notification reminder document upload email message portal
waiting time queue renewal deadline interview schedule access simple clear language translation mobile
booking calendar tracker password login identity verification appeal decision refund allowance childcare
transport disability income housing helpline chat callback counter receipt signature summary
feedback""".split()  # noqa: SIM905 - prose, easier to read
VERBS = ["Make", "Let citizens", "Allow", "Improve", "Simplify", "Shorten", "Add", "Show", "Explain"]


# --- Seed ---------------------------------------------------------------------------------------------------


@dataclass
class Seed:
    consultation_id: int
    url: str  # the consultation page's path
    pages: int  # pages of proposals on it
    detail_id: int  # a proposal with a response, a history and comments
    citizen_id: int  # a verified citizen who supports some proposals
    citizen_cookie: str  # "sessionid=..." of their session, for the server
    hidden_titles: list[str]  # pending and hidden proposals: never on a public page


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _proposal_fields(rng: random.Random, rank: int, now) -> dict:
    """Title, text, supports and the promise's dates of the proposal ranked `rank` by supports (0 = most)."""
    from proposals.models import Status

    supports = int(2000 / (rank + 1) ** 0.9) + rng.randint(0, 3)
    published = now - timedelta(days=rng.uniform(1, 60))
    fields = {
        "title": f"{rng.choice(VERBS)} the {_sentence(rng, 3)} ({rank + 1})",
        "summary": _sentence(rng, rng.randint(15, 40)).capitalize() + ".",
        "body": "\n\n".join(_sentence(rng, rng.randint(40, 90)) for _ in range(3)),
        "supports_count": supports,
        "supports_version": supports,
        "published_at": published,
        "created_at": published,
        "status": rng.choices(
            [Status.OPEN, Status.UNDER_REVIEW, Status.ACCEPTED, Status.REJECTED, Status.IMPLEMENTED],
            weights=[80, 8, 5, 5, 2],
        )[0],
    }
    if supports >= THRESHOLD:
        reached = published + timedelta(days=rng.uniform(0, 1))
        fields.update(threshold_reached_at=reached, response_due_at=reached + timedelta(days=30))
        if rank % 3 == 0:  # answered
            fields.update(responded_at=reached + timedelta(days=rng.uniform(1, 20)))
            fields["status"] = rng.choice([Status.UNDER_REVIEW, Status.ACCEPTED, Status.REJECTED])
        else:  # awaiting: some overdue
            fields["status"] = Status.AWAITING_RESPONSE
            if rank % 3 == 1:
                fields["response_due_at"] = now - timedelta(days=rng.uniform(1, 10))
                fields["threshold_reached_at"] = fields["response_due_at"] - timedelta(days=30)
    elif fields["status"] != Status.OPEN:
        fields["responded_at"] = published + timedelta(days=rng.uniform(1, 20))  # answered early
    return fields


def _supports(proposals, users, rng: random.Random) -> list:
    """One support row per support: distinct citizens first, then anonymised ones (deleted accounts)."""
    from votes.models import Support

    rows = []
    for proposal in proposals:
        named = min(proposal.supports_count, len(users))
        supporters = rng.sample(users, named)
        rows += [Support(proposal=proposal, user=u) for u in supporters]
        rows += [Support(proposal=proposal, user=None) for _ in range(proposal.supports_count - named)]
    return rows


def _comments(proposals, users, rng: random.Random) -> list:
    """A few published comments on one proposal in eight, unsaved; the proposals' counts set."""
    from proposals.models import Comment, Visibility

    rows = []
    for proposal in proposals[::8]:
        n = rng.randint(1, 6)
        proposal.comments_count = n
        rows += [
            Comment(
                proposal=proposal,
                author=rng.choice(users),
                body=_sentence(rng, rng.randint(10, 40)),
                visibility=Visibility.PUBLISHED,
            )
            for _ in range(n)
        ]
    return rows


def verified_citizens(n: int):
    """Verified citizens, written in bulk (one password hash for all)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from cocreate.accounts.models import User

    password = make_password("correct horse battery staple")
    users = User.objects.bulk_create(
        User(username=f"author{i}", email=f"author{i}@example.org", first_name=f"A{i}", password=password)
        for i in range(n)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users
    )
    return users


def _proposals(page, users, rng: random.Random, *, count: int) -> list:
    """`count` published proposals, the most supported first, then three pending and three hidden ones;
    their supports, comments and official responses."""
    from django.utils import timezone

    from proposals.models import Comment, OfficialResponse, Proposal, Visibility
    from votes.models import Support

    now = timezone.now()
    categories = list(page.categories.all())
    rows = [
        Proposal(
            consultation=page,
            author=rng.choice(users),
            category=rng.choice([*categories, None]),
            visibility=Visibility.PUBLISHED,
            **_proposal_fields(rng, rank, now),
        )
        for rank in range(count)
    ]
    hidden = [
        Proposal(consultation=page, author=rng.choice(users), title=f"Not for the public {i}",
                 summary="Waiting or removed.", body="-", visibility=v, supports_count=s, supports_version=s)
        for i, (v, s) in enumerate([(Visibility.PENDING, 0)] * 3 + [(Visibility.HIDDEN, 3000)] * 3)
    ]  # fmt: skip
    created = Proposal.objects.bulk_create(rows + hidden)
    # created_at is auto_now_add: bulk_update writes the spread-out dates the rows carry.
    Proposal.objects.bulk_update(created, ["created_at"], batch_size=1000)
    Support.objects.bulk_create(_supports(created, users, rng), batch_size=5000)
    Comment.objects.bulk_create(_comments(created[:count], users, rng), batch_size=1000)
    Proposal.objects.bulk_update(created, ["comments_count"], batch_size=1000)
    OfficialResponse.objects.bulk_create(
        [
            OfficialResponse(
                proposal=p, author_name="Claire Martin", department="Employment Services",
                body=_sentence(rng, 60), decision=p.status if p.status != "open" else "",
            )
            for p in created if p.responded_at
        ]
    )  # fmt: skip
    return created


def seed(*, proposals: int, rng: random.Random) -> Seed:
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from cms.models import ConsultationPhase
    from proposals.models import Proposal
    from tests.support import factories
    from votes.models import Support

    now = timezone.now()
    with transaction.atomic():
        page = factories.consultation(
            title="Redesigning the unemployment-benefit journey",
            categories=CATEGORIES,
            support_threshold=THRESHOLD,
            opens_at=now - timedelta(days=61),
        )
        for i, title in enumerate(["Ideas", "Support and review", "Responses"]):
            start = (now + timedelta(days=30 * (i - 2))).date()
            ConsultationPhase.objects.create(
                page=page, title=title, starts_on=start, ends_on=start + timedelta(days=29), sort_order=i
            )
        users = verified_citizens(AUTHORS)
        created = _proposals(page, users, rng, count=proposals)
        citizen = factories.citizen()
        # The citizen supports one proposal in seven among the first 300 (so some on each early page).
        backed = created[: min(300, proposals) : 7]
        Support.objects.bulk_create([Support(proposal=p, user=citizen) for p in backed])
        for p in backed:
            p.supports_count += 1
            p.supports_version += 1
        Proposal.objects.bulk_update(backed, ["supports_count", "supports_version"])
        detail = _detail_proposal(created[1], users, rng)
    client = Client()
    client.force_login(citizen)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    from frontend.pages import PAGE_SIZE

    return Seed(
        consultation_id=page.pk,
        url=page.url,
        pages=-(-proposals // PAGE_SIZE),
        detail_id=detail.pk,
        citizen_id=citizen.pk,
        citizen_cookie=cookie,
        hidden_titles=[p.title for p in created[proposals:]],
    )


def _detail_proposal(proposal, users, rng: random.Random):
    """Through the services, so that its page has what a busy proposal's has: a status change and a
    response in its public history, and a long thread of comments with replies."""
    from proposals import services
    from proposals.models import Status
    from tests.support import factories

    official = factories.official()
    services.proposal_set_status(actor=official, proposal=proposal, status=Status.UNDER_REVIEW, note="Read.")
    services.response_publish(
        actor=official, proposal=proposal, body=_sentence(rng, 80), decision=Status.ACCEPTED
    )
    for i in range(40):
        comment = services.comment_post(author=users[i], proposal=proposal, body=_sentence(rng, 30))
        if i % 4 == 0:
            reply = _sentence(rng, 15)
            services.comment_post(author=users[i + 1], proposal=proposal, body=reply, parent=comment)
    return proposal


# --- Targets ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    signed_in: bool = False
    concurrent: bool = False  # also measured under concurrent clients, in (c)


def targets(data: Seed, *, search: bool) -> list[Target]:
    later = sorted({2, max(2, data.pages // 2), data.pages}) if data.pages > 1 else []
    api = f"/api/v1/consultations/{data.consultation_id}/proposals/"
    found = [
        Target(TRIVIAL, "/accessibility/"),
        Target("consultation, anonymous", data.url, concurrent=True),
        Target("consultation, citizen", data.url, signed_in=True),
        *[Target(f"consultation ?page={n}", f"{data.url}?page={n}") for n in later],
        Target("proposal page", f"/proposals/{data.detail_id}/"),
        Target("proposal page, citizen", f"/proposals/{data.detail_id}/", signed_in=True),
        Target("API list, page 1", api, concurrent=True),
    ]
    if data.pages > 1:
        found.append(Target(f"API list, page {data.pages}", f"{api}?page={data.pages}"))
    if search:
        found.append(Target(f"search ?q={SEARCH_WORD}", f"/search/?q={SEARCH_WORD}"))
    return found


# --- (a) Queries and weight, in process ---------------------------------------------------------------------


@dataclass
class Weight:
    target: Target
    status: int
    queries: int
    size: int
    gzipped: int
    leaks: list[str]  # hidden or pending titles found in the page


def weigh(target: Target, data: Seed) -> Weight:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if target.signed_in:
        client.force_login(get_user_model().objects.get(pk=data.citizen_id))
    client.get(target.path)  # the first request fills the per-process caches (Wagtail's site, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target.path)
    body = response.content
    text = body.decode(errors="replace")
    return Weight(
        target,
        response.status_code,
        len(captured.captured_queries),
        len(body),
        len(gzip.compress(body, 6)),
        [title for title in data.hidden_titles if title in text],
    )


# --- (b) Sequential GETs, (c) concurrent clients, over HTTP -------------------------------------------------


@dataclass
class Timing:
    name: str
    pool: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    size: int = 0
    truncated: bool = False
    first_error: str = ""


def get(connection: http.client.HTTPConnection, path: str, cookie: str | None) -> tuple[int, int]:
    headers = {"Accept": "text/html,application/json"}
    if cookie:
        headers["Cookie"] = cookie
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    return response.status, len(response.read())


def measure_sequential(
    server, target: Target, data: Seed, *, pool: int, warmup: int, requests: int, deadline: float
) -> Timing:
    timing = Timing(target.name, pool)
    cookie = data.citizen_cookie if target.signed_in else None
    connection = http.client.HTTPConnection(server.host, server.port, timeout=REQUEST_TIMEOUT)
    try:
        for i in range(warmup + requests):
            if time.monotonic() > deadline:
                timing.truncated = True
                break
            t0 = time.monotonic()
            status, size = get(connection, target.path, cookie)
            elapsed = time.monotonic() - t0
            if i < warmup:
                continue
            timing.latencies.append(elapsed)
            timing.size = size
            if status != 200:
                timing.errors += 1
                timing.first_error = timing.first_error or f"{status} at request {i - warmup + 1}"
    finally:
        connection.close()
    return timing


@dataclass
class Load:
    name: str
    pool: int
    workers: int
    clients: int
    latencies: list[float]
    errors: int
    seconds: float


def measure_concurrent(
    workers: list, target: Target, *, pool: int, clients: int, requests: int, deadline: float
) -> Load:
    """`clients` threads, each with its own keep-alive connection to one of `workers` in turn, GET the
    page `requests // clients` times each, all starting together."""
    start = threading.Barrier(clients + 1)
    per_client = max(1, requests // clients)

    def client(i: int) -> tuple[list[float], int]:
        server = workers[i % len(workers)]
        connection = http.client.HTTPConnection(server.host, server.port, timeout=REQUEST_TIMEOUT)
        latencies, errors = [], 0
        start.wait(timeout=60)
        try:
            for _ in range(per_client):
                if time.monotonic() > deadline:
                    break
                t0 = time.monotonic()
                status, _size = get(connection, target.path, None)
                latencies.append(time.monotonic() - t0)
                errors += status != 200
        finally:
            connection.close()
        return latencies, errors

    with ThreadPoolExecutor(max_workers=clients) as threads:
        futures = [threads.submit(client, i) for i in range(clients)]
        start.wait(timeout=60)
        t0 = time.monotonic()
        done = [f.result(timeout=max(1, deadline - time.monotonic()) + REQUEST_TIMEOUT) for f in futures]
        seconds = time.monotonic() - t0
    latencies = [x for lat, _ in done for x in lat]
    return Load(target.name, pool, len(workers), clients, latencies, sum(e for _, e in done), seconds)


# --- Report -------------------------------------------------------------------------------------------------


def report(weights: list[Weight], timings: list[Timing], loads: list[Load], args) -> None:
    print()
    print("(a) per page, in process (Django's test client, the second request, rendered: pages are not kept "
          "here): SQL queries and size")  # fmt: skip
    table(
        ["page", "status", "queries", "KB", "KB gzipped", "hidden shown"],
        [
            [w.target.name, str(w.status), str(w.queries), f"{w.size / 1024:.1f}", f"{w.gzipped / 1024:.1f}",
             ", ".join(w.leaks) or "none"]
            for w in weights
        ],
    )  # fmt: skip
    print()
    print(f"(b) {args.requests} sequential GETs per page after {args.warmup} warm-up, one uvicorn worker, "
          "one keep-alive connection; time to the last byte")  # fmt: skip
    trivial = {t.pool: t for t in timings if t.name == TRIVIAL and t.latencies}
    table(
        ["page", "DB_POOL_MAX_SIZE", "p50 ms", "p99 ms", "max ms", "p50 ×trivial", "p99 ×trivial", "errors",
         "requests"],
        [
            [t.name, str(t.pool), ms(statistics.median(t.latencies)), ms(percentile(t.latencies, 99)),
             ms(max(t.latencies)), *_ratios(t, trivial.get(t.pool)), str(t.errors),
             f"{len(t.latencies)}{' (time up)' if t.truncated else ''}"]
            for t in timings if t.latencies
        ],
    )  # fmt: skip
    print(f"  ×trivial: the page's p50 and p99 over those of '{TRIVIAL}' on the same worker, same run.")
    print()
    print("(c) concurrent clients (threads, keep-alive), spread over the workers")
    table(
        ["page", "DB_POOL_MAX_SIZE", "workers", "clients", "requests", "errors", "req/s", "p50 ms", "p99 ms"],
        [
            [x.name, str(x.pool), str(x.workers), str(x.clients), str(len(x.latencies)), str(x.errors),
             f"{len(x.latencies) / x.seconds:.1f}", ms(statistics.median(x.latencies)),
             ms(percentile(x.latencies, 99))]
            for x in loads if x.latencies
        ],
    )  # fmt: skip
    print()
    print(f"{os.cpu_count()} CPUs shared by the client, the server, PostgreSQL and Redis (loopback only).")


def _ratios(timing: Timing, trivial: Timing | None) -> list[str]:
    if trivial is None:
        return ["-", "-"]
    p50, p99 = statistics.median(trivial.latencies), percentile(trivial.latencies, 99)
    return [
        f"{statistics.median(timing.latencies) / p50:.1f}" if p50 > 0 else "-",
        f"{percentile(timing.latencies, 99) / p99:.1f}" if p99 > 0 else "-",
    ]


# --- Main ---------------------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = arguments(__doc__)
    parser.add_argument("--database", default="cocreate_bench_pages", help="database to drop, create and use")
    parser.add_argument("--proposals", type=int, default=1000, help="published proposals in the consultation")
    parser.add_argument("--requests", type=int, default=200, help="sequential GETs per page (after warm-up)")
    parser.add_argument("--warmup", type=int, default=20, help="GETs per page before measuring")
    parser.add_argument("--pools", type=int_list, default=[0, 4], help="DB_POOL_MAX_SIZE values, e.g. 0,4")
    parser.add_argument("--concurrency", type=int, default=10, help="concurrent clients for (c); 0: skip")
    parser.add_argument("--workers", type=int_list, default=[1, 2], help="worker counts for (c), e.g. 1,2")
    parser.add_argument("--concurrent-requests", type=int, default=400, help="GETs in all for (c)")
    parser.add_argument("--no-search", action="store_true", help="leave out the search page")
    parser.add_argument(
        "--page-cache-seconds", type=int, default=10,
        help="PAGE_CACHE_SECONDS of the servers: production's default (the test settings' is 0); 0: every "
             "visitor's page rendered afresh, what a page costs when it is not kept",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated data")
    parser.add_argument("--max-seconds", type=float, default=900, help="the whole run stops after this")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    deadline = time.monotonic() + args.max_seconds
    database_url, redis_url = require_services("DATABASE_URL", "REDIS_URL")
    print(f"database {args.database}: drop, create, migrate, seed {args.proposals} proposals ...", flush=True)
    bench_url = recreate_database(database_url, args.database)
    setup_django(bench_url, redis_url)
    t0 = time.monotonic()
    data = seed(proposals=args.proposals, rng=random.Random(args.seed))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would soon after a bulk load: the plans of a settled table
    seconds = time.monotonic() - t0
    print(f"  seeded in {seconds:.1f}s; {data.pages} pages of proposals at {data.url}", flush=True)
    pages = targets(data, search=not args.no_search)
    weights = [weigh(target, data) for target in pages]
    timings, loads = [], []
    for pool in args.pools:
        measure_pool(bench_url, redis_url, pool, pages, data, args, deadline, timings, loads)
    report(weights, timings, loads, args)
    failed = [w for w in weights if w.status != 200 or w.leaks] + [t for t in timings if t.errors]
    for t in timings:
        if t.errors:
            print(f"{t.name}, DB_POOL_MAX_SIZE={t.pool}: {t.errors} errors, the first {t.first_error}")
    return 1 if failed else 0


def measure_pool(bench_url, redis_url, pool: int, pages, data, args, deadline, timings, loads) -> None:
    """(b) on the first worker, then (c) on 1..max(--workers) of them, all with DB_POOL_MAX_SIZE=pool."""
    extra = {"DB_POOL_MAX_SIZE": str(pool), "DB_CONN_MAX_AGE": "0", "LOG_LEVEL": "WARNING"}
    extra["PAGE_CACHE_SECONDS"] = str(args.page_cache_seconds)
    env = servers.server_env(
        database_url=bench_url, redis_url=redis_url, settings_module="cocreate.settings.test", extra=extra
    )
    count = max(args.workers)
    print(f"starting {count} uvicorn worker(s), DB_POOL_MAX_SIZE={pool} ...", flush=True)
    with servers.serving(env, workers=count, access_log=False) as started:
        workers = started if count > 1 else [started]
        try:
            for target in pages:
                print(f"  {target.name} ...", flush=True)
                timings.append(
                    measure_sequential(workers[0], target, data, pool=pool, warmup=args.warmup,
                                       requests=args.requests, deadline=deadline)
                )  # fmt: skip
            concurrent = [t for t in pages if t.concurrent and args.concurrency]
            for n, target in ((n, t) for n in args.workers for t in concurrent):
                print(f"  {target.name}: {args.concurrency} clients on {n} worker(s) ...", flush=True)
                loads.append(
                    measure_concurrent(workers[:n], target, pool=pool, clients=args.concurrency,
                                       requests=args.concurrent_requests, deadline=deadline)
                )  # fmt: skip
        except BaseException:
            for worker in workers:
                print(f"--- uvicorn on port {worker.port}:\n{worker.log_tail(40)}", file=sys.stderr)
            raise


if __name__ == "__main__":
    run_bench(main)
