"""The improvement loop over 100,000 check-ins: how long the journey map and the What changed page take to
serve, against a trivial view measured in the same run, and what one check-in costs at 100 and at 100,000
check-ins on its stage.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/journeys.py [--checkins 100000] [--stage-sizes 100,100000] [--requests 200] ...

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench_journeys), migrates it and seeds:

  - one open consultation whose service journey has five stages, with `--checkins` check-ins spread over
    them (fewer at each later stage, as people drop out on the way) and over the last 365 days, one per
    citizen per stage, one in twelve with a story; a stage where frustration overtakes motivation (the
    breaking point), on which a step was done 90 days ago, after which its check-ins are less frustrating;
  - `--proposals` published proposals, most of them about a stage, with skewed support counts, and a few
    implementation steps (milestones): done, in progress and planned, one about no stage;
  - for part 2, one more open consultation per `--stage-sizes` value, whose one stage has that many
    check-ins.

The check-ins are written in bulk (bulk_create) and their tallies (StageTally: each stage's running totals
and one row per local day) with one INSERT ... SELECT ... GROUP BY GROUPING SETS, which leaves them as the
check-in services would have. Before anything is measured the tallies are checked against a recount of the
check-ins, and again at the end, after part 2's check-ins went through the service and the API. REDIS_URL is
the servers' cache, channel layer and rate counters; use a Redis database nobody else uses.

Part 1, the pages, with the settings of the tests (DEBUG off). In this process first, with Django's test
client: each page's status, SQL statements and size. Then `--workers` real uvicorn workers
(tests/support/servers.py, DB_POOL_MAX_SIZE=`--pool`): after `--warmup` GETs of each page, `--clients`
concurrent clients (threads with keep-alive connections, spread over the workers) GET each page
`--requests` times in all, in `--rounds` rounds that go through every page in turn, so that a change in the
machine's load falls on all of them alike. The pages: the consultation page (with its journey map), the
journey API, the What changed page and its API. The references, in the same rounds: the accessibility
statement (a template in the site's layout, no query of its own) for the pages, DRF's API root for the
APIs. p50, p99, and each page's p50 and p99 over its reference's.

Part 2, a check-in's cost, on the stage with 100 check-ins and on the one with 100,000 (`--stage-sizes`):
`--checkin-samples` citizens who never checked in give a check-in (new), and as many who checked in on an
earlier day change theirs (moved from that day to today), through `proposals.services.checkin_save` in this
process: the median time of a call and the SQL statements it sends, which must not depend on the number of
check-ins. Then the same through the API against the workers (PUT /api/v1/consultations/{id}/checkins/
{stage}/ with an API token, one request at a time, the rate limits raised), and one PUT of each kind in this
process to count the whole request's statements.

Everything is bounded: every request has a timeout, `--max-seconds` bounds the whole run (a measurement
stops early when it is spent, and says so), and the servers are stopped at the end, whatever happens.
`--profile N` also profiles N in-process GETs of each page (cProfile, the project's own functions);
`--json PATH` writes the figures there too.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.common import arguments, int_list, require_services, run_bench, table  # noqa: E402
from bench.live_support import (  # noqa: E402
    forget_earlier_runs,
    ms,
    percentile,
    recreate_database,
    setup_django,
)
from tests.support import servers  # noqa: E402

REQUEST_TIMEOUT = 30  # seconds for one request
NO_LIMIT = "1000000/minute"  # the check-in rate limits, raised for part 2 (their Redis round trips stay)
BATCH = 5000  # rows per INSERT of the bulk writes

STAGES = ("Find out", "Apply online", "Send documents", "Wait for a decision", "Get paid")
STAGE_SHARES = (0.28, 0.24, 0.20, 0.16, 0.12)  # of the check-ins: fewer at each later stage
# Per stage: weights of frustration 1..5, of motivation 1..5, and the chance that someone gave up there.
PROFILES = (
    ((30, 35, 20, 10, 5), (5, 10, 20, 35, 30), 0.02),
    ((15, 30, 30, 15, 10), (5, 15, 25, 30, 25), 0.05),
    ((5, 10, 20, 35, 30), (20, 30, 25, 15, 10), 0.15),  # the breaking point
    ((10, 20, 35, 25, 10), (10, 20, 30, 25, 15), 0.06),
    ((25, 35, 25, 10, 5), (10, 15, 25, 30, 20), 0.02),
)
FIXED = 2  # the stage on which a step was done FIXED_DAYS_AGO, after which it frustrates less
FIXED_DAYS_AGO = 90
AFTER_FIX = ((12, 25, 30, 20, 13), (12, 25, 30, 20, 13), 0.08)
DAYS = 365
STORY_EVERY = 12  # one check-in in this many tells a story

WORDS = """online application appointment form benefit office payment status claim letter phone website
account advisor update document upload email message portal waiting time queue renewal deadline interview
schedule access simple clear language mobile booking calendar tracker password login identity decision
refund allowance helpline chat callback counter receipt signature summary""".split()  # noqa: SIM905
VERBS = ["Make", "Let citizens", "Allow", "Improve", "Simplify", "Shorten", "Add", "Show", "Explain"]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


# --- Seed ---------------------------------------------------------------------------------------------------


@dataclass
class SizedStage:
    """Part 2: a consultation whose one stage has `size` check-ins when the measurements start."""

    size: int
    consultation_id: int
    stage_id: int
    slug: str
    fresh: list[int]  # citizens with no check-in on it, verified, with an API token
    returning: list[int]  # citizens whose check-in on it is of an earlier day, verified, with an API token


@dataclass
class Seed:
    consultation_id: int
    url: str  # the consultation page's path
    stage_ids: list[int]
    checkins: int
    sized: list[SizedStage]
    tokens: dict[int, str]  # API token by user id


def citizens(n: int, *, prefix: str, verified: bool) -> list[int]:
    """`n` citizens written in bulk (one password hash for all), optionally with a confirmed address; their
    ids."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from cocreate.accounts.models import User

    password = make_password("correct horse battery staple")
    ids: list[int] = []
    for start in range(0, n, BATCH):
        users = User.objects.bulk_create(
            User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.org", password=password)
            for i in range(start, min(n, start + BATCH))
        )
        if verified:
            EmailAddress.objects.bulk_create(
                EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users
            )
        ids += [u.pk for u in users]
    return ids


def verify(user_ids: list[int]) -> dict[int, str]:
    """Confirm the addresses of these citizens and give each an API token; the tokens by user id."""
    from allauth.account.models import EmailAddress
    from rest_framework.authtoken.models import Token

    from cocreate.accounts.models import User

    users = list(User.objects.filter(pk__in=user_ids).only("pk", "email"))
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users),
        ignore_conflicts=True,
    )
    tokens = Token.objects.bulk_create(Token(user=u, key=Token.generate_key()) for u in users)
    return {token.user_id: token.key for token in tokens}


def _scores(rng: random.Random, profile) -> tuple[int, int, bool]:
    frustration_weights, motivation_weights, gave_up = profile
    return (
        rng.choices(range(1, 6), weights=frustration_weights)[0],
        rng.choices(range(1, 6), weights=motivation_weights)[0],
        rng.random() < gave_up,
    )


def write_checkins(
    rng: random.Random, *, consultation_id: int, stage_id: int, authors: list[int], profile, fixed_on=None
) -> None:
    """One check-in by each of `authors` on the stage, on days spread over the last DAYS days; from
    `fixed_on` on (if given) with the AFTER_FIX profile. In bulk, without the tallies (build_tallies)."""
    from django.utils import timezone

    from proposals.models import CheckIn, Visibility

    today = timezone.localdate()
    for start in range(0, len(authors), BATCH):
        rows = []
        for i, author in enumerate(authors[start : start + BATCH], start=start):
            day = today - timedelta(days=rng.randrange(1, DAYS))  # not today: part 2 moves some to today
            frustration, motivation, gave_up = _scores(
                rng, AFTER_FIX if fixed_on is not None and day >= fixed_on else profile
            )
            story = _sentence(rng, rng.randint(8, 30)).capitalize() + "." if i % STORY_EVERY == 0 else ""
            rows.append(
                CheckIn(
                    consultation_id=consultation_id,
                    stage_id=stage_id,
                    author_id=author,
                    frustration=frustration,
                    motivation=motivation,
                    gave_up=gave_up,
                    story=story,
                    visibility=Visibility.PUBLISHED,
                    language=rng.choice(["en", "en", "en", "fr"]),
                    day=day,
                )
            )
        CheckIn.objects.bulk_create(rows)


def build_tallies(stage_ids: list[int]) -> None:
    """The stages' StageTally rows from their check-ins, as the services keep them: a running totals row
    (`day` empty, its version the number of check-ins, as if each had moved it once) and a row per local
    day. One INSERT ... SELECT."""
    from django.db import connection

    from proposals.models import SCALE, CheckIn, StageTally

    counts = {
        "checkins": "count(*)",
        "gave_up": "count(*) FILTER (WHERE gave_up)",
        **{f"frustration_{v}": f"count(*) FILTER (WHERE frustration = {v})" for v in SCALE},
        **{f"motivation_{v}": f"count(*) FILTER (WHERE motivation = {v})" for v in SCALE},
        "version": "CASE WHEN GROUPING(day) = 1 THEN count(*) ELSE 0 END",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {StageTally._meta.db_table} (stage_id, day, {', '.join(counts)}) "  # noqa: S608
            "SELECT stage_id, CASE WHEN GROUPING(day) = 1 THEN NULL ELSE day END, "
            f"{', '.join(counts.values())} "
            f"FROM {CheckIn._meta.db_table} WHERE stage_id = ANY(%s) "
            "GROUP BY GROUPING SETS ((stage_id, day), (stage_id))",
            [stage_ids],
        )


def tally_mismatches(stage_ids: list[int]) -> list[str]:
    """Where the tallies differ from the check-ins counted afresh (through the ORM, not build_tallies'
    SQL): each stage's running totals, and each of its days. A day row left at zero by check-ins moved
    away from it is no difference."""
    from django.db.models import Count, Q

    from proposals.journey_selectors import TALLY_FIELDS
    from proposals.models import SCALE, CheckIn, StageTally

    counted = {
        "checkins": Count("pk"),
        "gave_up": Count("pk", filter=Q(gave_up=True)),
        **{f"frustration_{v}": Count("pk", filter=Q(frustration=v)) for v in SCALE},
        **{f"motivation_{v}": Count("pk", filter=Q(motivation=v)) for v in SCALE},
    }
    checkins = CheckIn.objects.filter(stage_id__in=stage_ids).order_by()
    expected = {(row["stage_id"], None): row for row in checkins.values("stage_id").annotate(**counted)} | {
        (row["stage_id"], row["day"]): row for row in checkins.values("stage_id", "day").annotate(**counted)
    }
    found = {
        (row["stage_id"], row["day"]): row
        for row in StageTally.objects.filter(stage_id__in=stage_ids).values("stage_id", "day", *TALLY_FIELDS)
    }
    zero = dict.fromkeys(TALLY_FIELDS, 0)
    wrong = []
    for key in sorted(set(expected) | set(found), key=lambda k: (k[0], k[1] or date.min)):
        want = {name: expected.get(key, zero)[name] for name in TALLY_FIELDS}
        got = {name: found.get(key, zero)[name] for name in TALLY_FIELDS}
        if want != got:
            wrong.append(f"stage {key[0]}, {key[1] or 'totals'}: tallies {got}, check-ins {want}")
    return wrong


def _proposals(rng: random.Random, page, authors: list[int], stage_ids: list[int], *, count: int) -> list:
    """`count` published proposals, most supported first, four in five about a stage (the breaking point's
    most often)."""
    from django.utils import timezone

    from proposals.models import Proposal, Status, Visibility

    now = timezone.now()
    categories = list(page.categories.all())
    stage_weights = [1, 1.5, 3, 1, 0.5]
    rows = []
    for rank in range(count):
        published = now - timedelta(days=rng.uniform(1, DAYS))
        supports = int(600 / (rank + 1) ** 0.8) + rng.randint(0, 3)
        status = rng.choices(
            [Status.OPEN, Status.UNDER_REVIEW, Status.ACCEPTED, Status.REJECTED, Status.IMPLEMENTED],
            weights=[70, 10, 10, 5, 5],
        )[0]
        rows.append(
            Proposal(
                consultation=page,
                author_id=rng.choice(authors),
                category=rng.choice([*categories, None]),
                stage_id=rng.choices(stage_ids, weights=stage_weights)[0] if rng.random() < 0.8 else None,
                title=f"{rng.choice(VERBS)} the {_sentence(rng, 3)} ({rank + 1})",
                summary=_sentence(rng, rng.randint(15, 40)).capitalize() + ".",
                body="\n\n".join(_sentence(rng, rng.randint(40, 90)) for _ in range(3)),
                visibility=Visibility.PUBLISHED,
                status=status,
                supports_count=supports,
                supports_version=supports,
                published_at=published,
                created_at=published,
                responded_at=None
                if status == Status.OPEN
                else published + timedelta(days=rng.uniform(1, 20)),
            )
        )
    created = Proposal.objects.bulk_create(rows, batch_size=1000)
    # created_at is auto_now_add: bulk_update writes the spread-out dates the rows carry.
    Proposal.objects.bulk_update(created, ["created_at"], batch_size=1000)
    return created


def _milestones(proposals: list, stage_ids: list[int], today: date) -> None:
    """A few steps: done on three stages (on FIXED, the day its check-ins changed), in progress and planned
    on others, one done about no stage."""
    from proposals.models import Milestone, MilestoneState, Status

    def pick(stage_id):
        """An accepted or implemented proposal about the stage; its most supported one accepted if none is."""
        about = [p for p in proposals if p.stage_id == stage_id]
        chosen = next((p for p in about if p.status in (Status.ACCEPTED, Status.IMPLEMENTED)), None)
        if chosen is None:
            chosen = about[0]
            chosen.status, chosen.responded_at = Status.ACCEPTED, chosen.published_at + timedelta(days=5)
            chosen.save(update_fields=["status", "responded_at"])
        return chosen

    no_stage = next(p for p in proposals if p.stage_id is None and p.status != Status.OPEN)
    done, in_progress, planned = MilestoneState.DONE, MilestoneState.IN_PROGRESS, MilestoneState.PLANNED

    def ago(*, days: int) -> date:
        return today - timedelta(days=days)

    fixed_on, soon, later = (
        today - timedelta(days=FIXED_DAYS_AGO),
        today + timedelta(20),
        today + timedelta(60),
    )
    steps = [
        (pick(stage_ids[1]), "Shorter application form online", done, ago(days=230), ago(days=200)),
        (pick(stage_ids[FIXED]), "Upload documents from a phone", done, ago(days=100), fixed_on),
        (pick(stage_ids[FIXED]), "Say which documents are missing", done, ago(days=50), ago(days=40)),
        (pick(stage_ids[3]), "Tell claimants where their claim stands", in_progress, soon, None),
        (pick(stage_ids[4]), "Pay on the first day of the month", planned, later, None),
        (no_stage, "Letters in plain language", done, ago(days=150), ago(days=140)),
    ]  # fmt: skip
    Milestone.objects.bulk_create(
        Milestone(
            proposal=proposal,
            title=title,
            state=state,
            planned_for=planned_for,
            started_on=(done_on or today) - timedelta(days=30) if state != planned else None,
            done_on=done_on,
            note="Tested with ten claimants.",
        )
        for proposal, title, state, planned_for, done_on in steps
    )


def seed(*, checkins: int, proposals: int, stage_sizes: list[int], samples: int, rng: random.Random) -> Seed:
    from django.db import transaction
    from django.utils import timezone

    from cms.models import ConsultationStage
    from tests.support import factories

    now = timezone.now()
    today = timezone.localdate()
    open_fields = {"opens_at": now - timedelta(days=DAYS + 30), "closes_at": now + timedelta(days=60)}
    per_stage = [round(checkins * share) for share in STAGE_SHARES]
    people = max([*per_stage, *stage_sizes])
    with transaction.atomic():
        page = factories.consultation(
            title="Redesigning the unemployment-benefit journey",
            categories=("Online services", "Letters", "Payments", "Phone and counter"),
            stages=STAGES,
            support_threshold=1000,
            **open_fields,
        )
        stages = list(ConsultationStage.objects.filter(page=page).order_by("sort_order"))
        stage_ids = [stage.pk for stage in stages]
        print(f"  {people} citizens ...", flush=True)
        authors = citizens(people, prefix="c", verified=False)
        print(f"  {sum(per_stage)} check-ins over {len(STAGES)} stages ...", flush=True)
        for i, (stage_id, n) in enumerate(zip(stage_ids, per_stage, strict=True)):
            fixed_on = today - timedelta(days=FIXED_DAYS_AGO) if i == FIXED else None
            write_checkins(
                rng,
                consultation_id=page.pk,
                stage_id=stage_id,
                authors=authors[:n],
                profile=PROFILES[i],
                fixed_on=fixed_on,
            )
        created = _proposals(rng, page, authors, stage_ids, count=proposals)
        _milestones(created, stage_ids, today)
        sized = []
        for size in stage_sizes:
            print(f"  a stage with {size} check-ins ...", flush=True)
            other = factories.consultation(
                title=f"Check-ins on a stage of {size}", stages=("Apply online",), **open_fields
            )
            stage = ConsultationStage.objects.get(page=other)
            write_checkins(
                rng, consultation_id=other.pk, stage_id=stage.pk, authors=authors[:size], profile=PROFILES[1]
            )
            stage_ids_all = [stage.pk]
            build_tallies(stage_ids_all)
            # Their own returning citizens at each size: a citizen's first write through the API also stores
            # their language, a statement that must not be taken for the stage's size.
            returning = authors[len(sized) * (2 * samples + 1) : (len(sized) + 1) * (2 * samples + 1)]
            sized.append(SizedStage(size, other.pk, stage.pk, stage.slug, [], returning))
        build_tallies(stage_ids)
        # Part 2's citizens: fresh ones for new check-ins, and those of the first check-ins for changes.
        fresh = citizens((2 * samples + 4) * len(stage_sizes), prefix="new", verified=False)
        for i, item in enumerate(sized):
            item.fresh = fresh[i * (2 * samples + 4) : (i + 1) * (2 * samples + 4)]
        tokens = verify(fresh + [user_id for item in sized for user_id in item.returning])
    return Seed(page.pk, page.url, stage_ids, sum(per_stage), sized, tokens)


# --- Part 1: the pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    reference: str | None = None  # the name of the trivial view it is compared with; None: it is one


def targets(data: Seed) -> list[Target]:
    page, api = "trivial page (accessibility statement)", "trivial API view (API root)"
    return [
        Target(page, "/accessibility/"),
        Target(api, "/api/v1/"),
        Target("consultation page, with its journey map", data.url, page),
        Target("journey map API", f"/api/v1/consultations/{data.consultation_id}/journey/", api),
        Target("What changed page", f"/consultations/{data.consultation_id}/what-changed/", page),
        Target("What changed API", f"/api/v1/consultations/{data.consultation_id}/what-changed/", api),
    ]


@dataclass
class Weight:
    name: str
    status: int
    queries: int
    size: int
    note: str = ""


def weigh(target: Target) -> Weight:
    """Status, SQL statements and size of the page's second GET in this process (the first fills the
    per-process caches: Wagtail's site, content types)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get(target.path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target.path)
    note = ""
    if target.name.startswith("consultation page"):
        note = (
            "journey map on it" if b'data-role="journey-map"' in response.content else "NO journey map on it"
        )
    return Weight(
        target.name, response.status_code, len(captured.captured_queries), len(response.content), note
    )


def profile_pages(pages: list[Target], requests: int) -> dict[str, str]:
    """`requests` in-process GETs of each page under cProfile: the project's functions that take the most
    time, cumulatively."""
    from django.test import Client

    found = {}
    client = Client()
    for target in pages:
        client.get(target.path)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            client.get(target.path)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(r"/(cms|proposals|frontend|cocreate|votes)/(?!.*migrations)", 14)
        found[target.name] = out.getvalue()
    return found


@dataclass
class Timing:
    name: str
    path: str
    reference: str | None
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    truncated: bool = False


def _get(connection: http.client.HTTPConnection, path: str) -> int:
    connection.request("GET", path, headers={"Accept": "text/html,application/json"})
    response = connection.getresponse()
    response.read()
    return response.status


def measure_pages(workers, pages: list[Target], args, deadline: float) -> list[Timing]:
    """Warm-up GETs of each page, then `args.rounds` rounds: in each, `args.clients` clients GET one page
    together, `args.requests // args.rounds` times in all, then the next page."""
    timings = [Timing(t.name, t.path, t.reference) for t in pages]
    connections = [
        http.client.HTTPConnection(workers[i % len(workers)].host, workers[i % len(workers)].port,
                                   timeout=REQUEST_TIMEOUT)
        for i in range(args.clients)
    ]  # fmt: skip
    per_client = max(1, args.requests // args.rounds // args.clients)
    lock = threading.Lock()

    def client(i: int, timing: Timing, count: int, keep: bool) -> None:
        connection = connections[i]
        for _ in range(count):
            if time.monotonic() > deadline:
                timing.truncated = True
                return
            t0 = time.monotonic()
            try:
                status = _get(connection, timing.path)
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                connection.close()  # http.client reconnects on the next request
            elapsed = time.monotonic() - t0
            if keep:
                with lock:
                    timing.latencies.append(elapsed)
                    if status != 200:
                        timing.errors += 1
                        timing.first_error = timing.first_error or str(status)

    try:
        with ThreadPoolExecutor(max_workers=args.clients) as threads:

            def burst(timing: Timing, count: int, keep: bool) -> None:
                for future in [threads.submit(client, i, timing, count, keep) for i in range(args.clients)]:
                    future.result(timeout=REQUEST_TIMEOUT * (count + 1))

            for timing in timings:
                burst(timing, max(1, args.warmup // args.clients), keep=False)
            for n in range(args.rounds):
                print(f"  round {n + 1} of {args.rounds} ...", flush=True)
                for timing in timings:
                    burst(timing, per_client, keep=True)
    finally:
        for connection in connections:
            connection.close()
    return timings


# --- Part 2: a check-in's cost ------------------------------------------------------------------------------


@dataclass
class Cost:
    size: int  # check-ins on the stage when the measurement started
    way: str  # "service" (in process), "API PUT" (HTTP), "API PUT, in process" (statements only)
    kind: str  # "new" or "change"
    latencies: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""


class StatementCounter:
    """Counts the SQL statements sent on a connection (connection.execute_wrapper), cheaply enough to stay
    on while the calls are timed."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _rescore(rng: random.Random) -> dict:
    return {"frustration": rng.randint(1, 5), "motivation": rng.randint(1, 5), "gave_up": rng.random() < 0.1}


def service_costs(item: SizedStage, samples: int, rng: random.Random, deadline: float) -> list[Cost]:
    """`samples` new check-ins by fresh citizens, then `samples` changes by citizens whose check-in is of
    an earlier day, through checkin_save; a few new ones first, unmeasured (caches, today's day row)."""
    from django.db import connection

    from cms.models import ConsultationPage
    from cocreate.accounts.models import User
    from proposals.services import checkin_save

    consultation = ConsultationPage.objects.get(pk=item.consultation_id)
    users = User.objects.in_bulk(item.fresh + item.returning)
    warm, new = item.fresh[:3], item.fresh[3 : 3 + samples]
    changing = item.returning[:samples]
    costs = []
    for kind, ids in (("warm-up", warm), ("new", new), ("change", changing)):
        cost = Cost(item.size, "service", kind)
        for user_id in ids:
            if time.monotonic() > deadline:
                break
            counter = StatementCounter()
            scores = _rescore(rng)
            with connection.execute_wrapper(counter):
                t0 = time.perf_counter()
                _checkin, created = checkin_save(
                    author=users[user_id], consultation=consultation, stage_id=item.stage_id, **scores
                )
                elapsed = time.perf_counter() - t0
            if created != (kind != "change"):
                cost.errors += 1
                cost.first_error = cost.first_error or f"created={created} for a {kind} check-in"
            cost.latencies.append(elapsed)
            cost.statements.append(counter.count)
        if kind != "warm-up":
            costs.append(cost)
    return costs


def _put(connection: http.client.HTTPConnection, path: str, token: str, body: dict) -> tuple[int, bytes]:
    data = json.dumps(body).encode()
    connection.request(
        "PUT",
        path,
        body=data,
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    response = connection.getresponse()
    return response.status, response.read()


def _checkin_path(item: SizedStage) -> str:
    return f"/api/v1/consultations/{item.consultation_id}/checkins/{item.slug}/"


def api_costs(server, item: SizedStage, tokens: dict[int, str], samples: int, rng, deadline) -> list[Cost]:
    """The same as service_costs through the API of a real worker, one PUT at a time."""
    new = item.fresh[3 + samples : 3 + 2 * samples]
    changing = item.returning[samples : 2 * samples]
    connection = http.client.HTTPConnection(server.host, server.port, timeout=REQUEST_TIMEOUT)
    costs = []
    try:
        for kind, ids, expected in (("new", new, 201), ("change", changing, 200)):
            cost = Cost(item.size, "API PUT", kind)
            for user_id in ids:
                if time.monotonic() > deadline:
                    break
                t0 = time.perf_counter()
                status, body = _put(connection, _checkin_path(item), tokens[user_id], _rescore(rng))
                cost.latencies.append(time.perf_counter() - t0)
                if status != expected:
                    cost.errors += 1
                    cost.first_error = cost.first_error or f"{status}: {body[:200].decode(errors='replace')}"
            costs.append(cost)
    finally:
        connection.close()
    return costs


def request_statements(item: SizedStage, tokens: dict[int, str], rng) -> list[Cost]:
    """One PUT of each kind in this process (Django's test client): the statements of the whole request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    costs = []
    # The last of each list: part 2's other measurements leave them out.
    for kind, user_id, expected in (("new", item.fresh[-1], 201), ("change", item.returning[-1], 200)):
        cost = Cost(item.size, "API PUT, in process", kind)
        with CaptureQueriesContext(connection) as captured:
            response = client.put(
                _checkin_path(item),
                data=json.dumps(_rescore(rng)),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {tokens[user_id]}",
            )
        cost.statements.append(len(captured.captured_queries))
        if response.status_code != expected:
            cost.errors += 1
            cost.first_error = f"{response.status_code}: {response.content[:200].decode(errors='replace')}"
        costs.append(cost)
    return costs


# --- Report -------------------------------------------------------------------------------------------------


def report(weights: list[Weight], timings: list[Timing], costs: list[Cost], args, seconds: dict) -> dict:
    by_name = {t.name: t for t in timings}
    weight_of = {w.name: w for w in weights}
    print()
    print(
        f"(1) each page: {args.clients} concurrent clients on {args.workers} uvicorn worker(s), "
        f"DB_POOL_MAX_SIZE={args.pool}, JOURNEY_CACHE_SECONDS={args.journey_cache}, "
        f"WHAT_CHANGED_CACHE_SECONDS={args.what_changed_cache}, {args.rounds} rounds through every page; "
        "time to the last byte. SQL and KB: in this process (Django's test client, nothing cached)."
    )
    rows, figures = [], []
    for t in (t for t in timings if t.latencies):
        ref = by_name.get(t.reference) if t.reference else None
        p50, p99 = statistics.median(t.latencies), percentile(t.latencies, 99)
        item = {
            "page": t.name, "path": t.path, "requests": len(t.latencies), "errors": t.errors,
            "p50_ms": round(p50 * 1000, 1), "p99_ms": round(p99 * 1000, 1),
            "max_ms": round(max(t.latencies) * 1000, 1), "sql": weight_of[t.name].queries,
            "kb": round(weight_of[t.name].size / 1024, 1), "reference": t.reference,
        }  # fmt: skip
        if ref and ref.latencies:
            item["p50_ratio"] = round(p50 / statistics.median(ref.latencies), 2)
            item["p99_ratio"] = round(p99 / percentile(ref.latencies, 99), 2)
        figures.append(item)
        rows.append([
            t.name, str(len(t.latencies)) + (" (time up)" if t.truncated else ""), str(t.errors),
            ms(p50), ms(p99), ms(max(t.latencies)),
            f"{item['p50_ratio']:.1f}x" if "p50_ratio" in item else "(reference)",
            f"{item['p99_ratio']:.1f}x" if "p99_ratio" in item else "(reference)",
            str(item["sql"]), f"{item['kb']:.1f}",
        ])  # fmt: skip
    table(
        ["page", "requests", "errors", "p50 ms", "p99 ms", "max ms", "p50/ref", "p99/ref", "SQL", "KB"], rows
    )
    for w in weights:
        if w.note:
            print(f"  {w.name}: {w.note}")
    print()
    print(
        "(2) one check-in, on a stage with N check-ins when the measurement started: new (a citizen's first "
        "on the stage) and change (of a check-in given on an earlier day); SQL statements per call"
    )
    cost_rows, cost_figures = [], []
    for c in costs:
        spread = sorted(set(c.statements))
        item = {
            "checkins_on_stage": c.size, "way": c.way, "kind": c.kind,
            "calls": len(c.statements) or len(c.latencies),
            "p50_ms": round(statistics.median(c.latencies) * 1000, 2) if c.latencies else None,
            "p99_ms": round(percentile(c.latencies, 99) * 1000, 2) if c.latencies else None,
            "statements": spread, "errors": c.errors,
        }  # fmt: skip
        cost_figures.append(item)
        cost_rows.append([
            f"{c.size:,}", c.way, c.kind, str(item["calls"]),
            ms(statistics.median(c.latencies)) if c.latencies else "-",
            ms(percentile(c.latencies, 99)) if c.latencies else "-",
            "/".join(map(str, spread)) or "-", str(c.errors),
        ])  # fmt: skip
    table(["check-ins", "way", "kind", "calls", "p50 ms", "p99 ms", "statements", "errors"], cost_rows)
    print()
    load = os.getloadavg()
    print(
        f"{os.cpu_count()} CPUs shared by the clients, the workers, PostgreSQL and Redis (loopback only); "
        f"load average at the end {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}."
    )
    return {"pages": figures, "checkins": cost_figures, "seconds": seconds, "load_average": load}


def same_statements(costs: list[Cost]) -> list[str]:
    """The ways and kinds whose statements per call differ from one stage size to another."""
    differ = []
    for way, kind in {(c.way, c.kind) for c in costs}:
        seen = {
            c.size: sorted(set(c.statements))
            for c in costs
            if (c.way, c.kind) == (way, kind) and c.statements
        }
        if len({tuple(s) for s in seen.values()}) > 1:
            differ.append(f"{way}, {kind}: {seen}")
    return differ


# --- Main ---------------------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = arguments(__doc__)
    parser.add_argument("--database", default="cocreate_bench_journeys", help="database to drop, create, use")
    parser.add_argument(
        "--checkins", type=int, default=100_000, help="check-ins over the consultation's stages"
    )
    parser.add_argument("--proposals", type=int, default=300, help="published proposals in the consultation")
    parser.add_argument("--stage-sizes", type=int_list, default=[100, 100_000], help="part 2's stage sizes")
    parser.add_argument("--checkin-samples", type=int, default=40, help="check-ins of each kind per size")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    parser.add_argument("--pool", type=int, default=4, help="DB_POOL_MAX_SIZE of each worker (0: none)")
    parser.add_argument(
        "--journey-cache", type=int, default=5, help="the servers' JOURNEY_CACHE_SECONDS (0: no cache)"
    )
    parser.add_argument(
        "--what-changed-cache",
        type=int,
        default=60,
        help="the servers' WHAT_CHANGED_CACHE_SECONDS (0: no cache)",
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients in part 1")
    parser.add_argument("--requests", type=int, default=200, help="GETs of each page in all (after warm-up)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds through every page")
    parser.add_argument("--warmup", type=int, default=20, help="GETs of each page before measuring")
    parser.add_argument("--profile", type=int, default=0, help="in-process GETs of each page to profile")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated data")
    parser.add_argument("--max-seconds", type=float, default=900, help="the whole run stops after this")
    args = parser.parse_args(argv)
    # Each size's returning citizens are the authors of its first check-ins, after the smaller sizes' ones.
    args.stage_sizes.sort()
    if any(size < (i + 1) * (2 * args.checkin_samples + 1) for i, size in enumerate(args.stage_sizes)):
        parser.error("the n-th of --stage-sizes needs n * (2 * --checkin-samples + 1) check-ins at least")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    deadline = time.monotonic() + args.max_seconds
    database_url, redis_url = require_services("DATABASE_URL", "REDIS_URL")
    print(f"database {args.database}: drop, create, migrate, seed {args.checkins} check-ins ...", flush=True)
    bench_url = recreate_database(database_url, args.database)
    # This process's check-ins through the API (request_statements) are rate limited as the servers' are.
    os.environ.update(THROTTLE_CHECKINS=NO_LIMIT, THROTTLE_CHECKINS_ADDRESS=NO_LIMIT)
    setup_django(bench_url, redis_url)
    forget_earlier_runs(redis_url)
    seconds = {}
    t0 = time.monotonic()
    rng = random.Random(args.seed)
    data = seed(
        checkins=args.checkins,
        proposals=args.proposals,
        stage_sizes=args.stage_sizes,
        samples=args.checkin_samples,
        rng=rng,
    )
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would soon after a bulk load: the plans of a settled table
    seconds["seed"] = round(time.monotonic() - t0, 1)
    print(f"  seeded in {seconds['seed']}s; the consultation at {data.url}", flush=True)
    all_stages = data.stage_ids + [item.stage_id for item in data.sized]
    wrong = tally_mismatches(all_stages)
    if wrong:
        print("The tallies differ from the check-ins:\n  " + "\n  ".join(wrong[:20]), file=sys.stderr)
        return 1
    print("  tallies equal a recount of the check-ins", flush=True)

    pages = targets(data)
    weights = [weigh(target) for target in pages]
    if args.profile:
        for name, text in profile_pages(pages, args.profile).items():
            print(f"\n--- profile of {args.profile} in-process GETs: {name}\n{text}")
    costs: list[Cost] = []
    t0 = time.monotonic()
    for item in data.sized:
        print(f"check-ins through the service on the stage of {item.size} ...", flush=True)
        costs += service_costs(item, args.checkin_samples, rng, deadline)
        costs += request_statements(item, data.tokens, rng)
    seconds["checkins in process"] = round(time.monotonic() - t0, 1)
    connections.close_all()  # no idle connection of ours while the servers need theirs

    env = servers.server_env(
        database_url=bench_url,
        redis_url=redis_url,
        settings_module="cocreate.settings.test",
        extra={
            "DB_POOL_MAX_SIZE": str(args.pool),
            "DB_CONN_MAX_AGE": "0",
            "LOG_LEVEL": "WARNING",
            "THROTTLE_CHECKINS": NO_LIMIT,
            "THROTTLE_CHECKINS_ADDRESS": NO_LIMIT,
            # As deployed (the defaults of cocreate/settings/base.py): the test settings cache nothing.
            "JOURNEY_CACHE_SECONDS": str(args.journey_cache),
            "WHAT_CHANGED_CACHE_SECONDS": str(args.what_changed_cache),
        },
    )
    print(f"starting {args.workers} uvicorn worker(s), DB_POOL_MAX_SIZE={args.pool} ...", flush=True)
    t0 = time.monotonic()
    with servers.serving(env, workers=args.workers, access_log=False) as started:
        workers = started if args.workers > 1 else [started]
        try:
            timings = measure_pages(workers, pages, args, deadline)
            seconds["pages over HTTP"] = round(time.monotonic() - t0, 1)
            for item in data.sized:
                print(f"check-ins through the API on the stage of {item.size} ...", flush=True)
                costs += api_costs(workers[0], item, data.tokens, args.checkin_samples, rng, deadline)
        except BaseException:
            for worker in workers:
                print(f"--- uvicorn on port {worker.port}:\n{worker.log_tail(40)}", file=sys.stderr)
            raise
    order = {"service": 0, "API PUT": 1, "API PUT, in process": 2}
    costs.sort(key=lambda c: (c.size, order[c.way], c.kind != "new"))
    result = report(weights, timings, costs, args, seconds)

    failed = []
    wrong = tally_mismatches(all_stages)
    result["tallies_equal_recount"] = not wrong
    if wrong:
        failed.append("the tallies differ from the check-ins after part 2:\n  " + "\n  ".join(wrong[:20]))
    else:
        print("The tallies still equal a recount of the check-ins after part 2.")
    differ = same_statements(costs)
    result["statements_independent_of_size"] = not differ
    if differ:
        failed.append("statements per check-in depend on the stage's size: " + "; ".join(differ))
    else:
        print("Statements per check-in: the same at every stage size.")
    failed += [f"{w.name}: status {w.status}" for w in weights if w.status != 200]
    failed += [f"{t.name}: {t.errors} errors, the first {t.first_error}" for t in timings if t.errors]
    failed += [
        f"{c.way} {c.kind} at {c.size}: {c.errors} errors, the first {c.first_error}"
        for c in costs
        if c.errors
    ]
    if args.json:
        result["args"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
        result["failures"] = failed
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"figures written to {args.json}")
    for line in failed:
        print(line, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    run_bench(main)
