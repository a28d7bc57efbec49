"""Search latency over many proposals, on the database backend and on the search engine backend.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate \\
        .venv/bin/python bench/search.py [--proposals 100000] [--calls 200] [--max-seconds 900]

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench_search), migrates it and writes N proposals in
bulk, in English and French, spread over a few consultations, categories and statuses, with skewed
support counts. Then, in this process (no HTTP):

  (a) database backend: `proposal_search` and `proposal_similar` for a fixed list of queries (rare and
      common words, two and three words, an accented query and its unaccented form, with and without a
      status or category filter, page 1 and page 5), in rounds until `--calls` calls or the backend's
      share of the time is spent, after two warm-up calls. It also times the full-text match alone, once
      with vectors computed from the text by the query (as the backend did before migration 0003) and
      once on the stored `search_en`/`search_fr` columns and their GIN indexes, which the backend reads.
  (b) engine backend: starts the in-memory OpenSearch-API test server (osmem-server) on a free loopback
      port, runs `manage.py reindex` (timed: proposals per second) and times the same calls. For each
      call it also records the engine's `took` and the time inside the client's HTTP call, and prints per
      query the total, `took`, total - took, and the backend's own overhead: the time outside the HTTP
      call (building the request, the part of the database look-up of live consultations that outlasts
      the HTTP call, which it runs beside, reading the answer) plus a no-op round trip of the same size
      (the query's recorded request sent through the same client to a local HTTP server that answers at
      once with the query's recorded answer: serializing, the loopback round trip, parsing). The test
      server's `took` leaves out its highlighting, so total - took there is mostly the server's own work
      (see docs/performance.md).

Everything is bounded: `--max-seconds` bounds the whole run (each backend gets its share, and a round
stops when it is spent), and the search server is stopped at the end, whatever happens. It can be re-run:
the database is recreated and the server is a fresh process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.common import arguments, require_services, run_bench, table  # noqa: E402
from bench.live_support import ms, percentile, recreate_database  # noqa: E402

SETTINGS = "cocreate.settings.test"  # DEBUG off, so no query log grows during the run
BATCH = 5000
PAGE_SIZE = 20  # the search page's and the API's default

# --- Text ----------------------------------------------------------------------------------------------
# Words in rough order of frequency: each list is drawn with weights 1/rank (Zipf-like), so the first words
# of a list are in many proposals and the last in few. RARE words are sprinkled into a small share only.

EN_WORDS = """the of and to a in for is on that with online application appointment form benefit office
payment status claim letter phone website account advisor update job seeker support delay training
notification reminder document upload email message portal waiting time queue renewal deadline
interview schedule access accessible simple clear language translation mobile app booking calendar
tracker password login identity verification appeal decision refund overpayment allowance childcare
transport disability income housing voucher helpline chat callback counter receipt signature archive
summary feedback survey printer scanner kiosk""".split()  # noqa: SIM905 - prose, easier to read

FR_WORDS = """le la les de des et à en pour un une du sur avec démarche allocation délai rendez-vous
dossier demande formulaire paiement agence conseiller courrier téléphone site compte emploi chômage
attente inscription actualisation justificatif pièce déclaration réponse accueil guichet numérique
simplifier accès accessibilité rappel notification prestation indemnité versement droits aide mobilité
logement handicap formation entretien calendrier réclamation recours remboursement trop-perçu écran
borne messagerie identifiant sécurité délais échéance procédure""".split()  # noqa: SIM905 - prose, easier to read

RARE_WORDS = """xylograph quokka zeppelin tracker-app sms-reminder braille sign-language""".split()  # noqa: SIM905 - prose, easier to read

SUBJECTS_EN = ["Make", "Let citizens", "Allow", "Improve", "Simplify", "Shorten", "Add", "Show"]
SUBJECTS_FR = ["Rendre", "Permettre", "Améliorer", "Simplifier", "Raccourcir", "Ajouter", "Afficher"]


def _weights(words: list[str]) -> list[float]:
    return [1 / (rank + 1) for rank in range(len(words))]


class Writer:
    """Believable proposal text, reproducible from the seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.words = {"en": (EN_WORDS, _weights(EN_WORDS)), "fr": (FR_WORDS, _weights(FR_WORDS))}

    def sentence(self, language: str, n: int) -> str:
        words, weights = self.words[language]
        picked = self.rng.choices(words, weights=weights, k=n)
        if self.rng.random() < 0.003:
            picked[self.rng.randrange(n)] = self.rng.choice(RARE_WORDS)
        return " ".join(picked)

    def proposal(self) -> dict:
        language = "fr" if self.rng.random() < 0.4 else "en"
        subjects = SUBJECTS_FR if language == "fr" else SUBJECTS_EN
        title = f"{self.rng.choice(subjects)} {self.sentence(language, self.rng.randint(4, 8))}"
        summary = self.sentence(language, self.rng.randint(12, 25)).capitalize() + "."
        body = " ".join(
            self.sentence(language, self.rng.randint(8, 18)).capitalize() + "."
            for _ in range(self.rng.randint(4, 9))
        )
        return {"language": language, "title": title[:140], "summary": summary[:500], "body": body}


# --- Setup: database and data ---------------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        SEARCH_BACKEND="database",
        ELASTICSEARCH_URL="",
    )
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")  # the settings want one; search uses none
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


@dataclass
class Seeded:
    consultations: list[int]
    categories: list[str]  # slugs, each in every consultation
    published: int
    seconds: float


def seed(*, proposals: int, seed_value: int) -> Seeded:
    from django.db import connection, transaction
    from django.utils import timezone

    from proposals.models import Proposal, Status, Visibility
    from tests.support import factories

    started = time.monotonic()
    names = ["Online services", "Payments", "Appointments", "Accessibility", "Letters and forms"]
    with transaction.atomic():
        pages = [
            factories.consultation(title=title, categories=names)
            for title in ("Unemployment benefit", "Family allowance", "Housing aid", "Job seekers' journey")
        ]
    categories = {(c.page_id, c.slug): c.pk for page in pages for c in page.categories.all()}
    slugs = sorted({slug for _page, slug in categories})
    writer, rng = Writer(seed_value), random.Random(seed_value + 1)  # noqa: S311
    statuses = [Status.OPEN, Status.UNDER_REVIEW, Status.ACCEPTED, Status.REJECTED, Status.IMPLEMENTED]
    now = timezone.now()
    published = 0
    with connection.cursor() as cursor:
        _drop_vector_indexes(cursor)
    for start in range(0, proposals, BATCH):
        batch = []
        for _ in range(min(BATCH, proposals - start)):
            page = rng.choices(pages, weights=[5, 3, 1, 1])[0]
            visibility = rng.choices(list(Visibility), weights=[2, 95, 3])[0]
            published += visibility == Visibility.PUBLISHED
            category = None if rng.random() < 0.1 else categories[(page.pk, rng.choice(slugs))]
            batch.append(
                Proposal(
                    consultation_id=page.pk,
                    category_id=category,
                    visibility=visibility,
                    status=rng.choices(statuses, weights=[60, 15, 10, 10, 5])[0],
                    supports_count=min(50_000, int(rng.paretovariate(1.1)) - 1),
                    published_at=now if visibility == Visibility.PUBLISHED else None,
                    **writer.proposal(),
                )
            )
        Proposal.objects.bulk_create(batch)
        print(f"  {start + len(batch)}/{proposals} proposals", flush=True)
    with connection.cursor() as cursor:
        _create_vector_indexes(cursor)
        # Every table, as autovacuum would: with the page tables unanalysed the planner takes them for
        # empty and joins proposals by scanning them once per page instead of through the GIN indexes.
        cursor.execute("ANALYZE")
    return Seeded([p.pk for p in pages], slugs, published, time.monotonic() - started)


# The GIN indexes of the stored vectors (migration 0003). Kept up to date row by row, they made writing
# 100,000 proposals take about ten minutes; dropped during the writes and built once at the end, as the
# migration builds them, it takes a fraction of that. The trigger still fills the vectors of every row.
VECTOR_INDEXES = {"proposal_search_en": "search_en", "proposal_search_fr": "search_fr"}


def _drop_vector_indexes(cursor) -> None:
    for name in VECTOR_INDEXES:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")


def _create_vector_indexes(cursor) -> None:
    cursor.execute("SET maintenance_work_mem = '256MB'")
    for name, column in VECTOR_INDEXES.items():
        cursor.execute(f"CREATE INDEX {name} ON proposals_proposal USING gin ({column})")


# --- Calls ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    label: str
    kind: str  # "search" or "similar"
    query: str
    status: str | None = None
    category: int | None = None  # index into the seeded categories
    page: int = 1
    summary: str = ""


CALLS = [
    Call("rare word", "search", "quokka"),
    Call("rare word, filtered", "search", "zeppelin", status="open"),
    Call("common EN word", "search", "appointment"),
    Call("similar EN", "similar", "Send an appointment reminder by text", summary="Before the interview."),
    Call("common EN word, page 5", "search", "appointment", page=5),
    Call("common EN word, status", "search", "application", status="accepted"),
    Call("common EN word, category", "search", "tracker", category=0),
    Call("accented FR word", "search", "démarche"),
    Call("same, unaccented", "search", "demarche"),
    Call("accented, page 5", "search", "délai", page=5),
    Call("unaccented, status", "search", "delai", status="under_review"),
    Call("shared EN/FR word", "search", "allocation"),
    Call("hyphenated FR word", "search", "rendez-vous"),
    Call("two words", "search", "online payment"),
    Call("two words FR, category", "search", "dossier paiement", category=2),
    Call("three words", "search", "appointment reminder phone"),
    Call("three words FR, page 5", "search", "demande allocation délai", page=5),
    Call("no hit", "search", "hovercraft"),
    Call("similar FR", "similar", "Rappel du rendez-vous par SMS", summary="Pour ne pas rater l'entretien."),
    Call("similar, misspelt", "similar", "Onlin aplication tracker", summary=""),
]


def run_call(call: Call, seeded: Seeded):
    from proposals.search import proposal_search, proposal_similar

    if call.kind == "similar":
        return proposal_similar(
            consultation_id=seeded.consultations[0], title=call.query, summary=call.summary
        )
    return proposal_search(
        query=call.query,
        consultation_id=None,
        status=call.status,
        category=None if call.category is None else seeded.categories[call.category],
        page=call.page,
        page_size=PAGE_SIZE,
    )


@dataclass
class Timings:
    backend: str
    per_call: dict[str, list[float]] = field(default_factory=dict)
    totals: dict[str, str] = field(default_factory=dict)  # matching proposals per search call, "+": at least
    stopped_early: bool = False
    unavailable: int = 0  # calls that ran out of the client's timeout (counted in the latencies)
    # Engine only, per call: the engine's `took` and the time inside the client's HTTP calls (seconds).
    took: dict[str, list[float]] = field(default_factory=dict)
    http: dict[str, list[float]] = field(default_factory=dict)
    noop: dict[str, list[float]] = field(default_factory=dict)  # the query's no-op round trips

    @property
    def all(self) -> list[float]:
        return [x for values in self.per_call.values() for x in values]


def measure(backend: str, seeded: Seeded, *, calls: int, until: float) -> Timings:
    """Two warm-up calls (untimed: a search and a similar), then rounds over CALLS until `calls` timed calls
    or `until`. The check comes after each call, so a call that has started always finishes."""
    from proposals.search import SearchUnavailable

    timings = Timings(backend)
    probe = EngineProbe.install() if backend == "engine" else None
    for call in (CALLS[0], CALLS[-1]):
        with contextlib.suppress(SearchUnavailable):
            run_call(call, seeded)
    while len(timings.all) < calls and time.monotonic() < until:
        for call in CALLS:
            if probe:
                probe.reset()
            t0 = time.perf_counter()
            try:
                result = run_call(call, seeded)
            except SearchUnavailable:  # the client's timeout ran out: what a user would get as a 503
                timings.unavailable += 1
                result = None
            timings.per_call.setdefault(call.label, []).append(time.perf_counter() - t0)
            if probe:
                timings.took.setdefault(call.label, []).append(probe.took)
                timings.http.setdefault(call.label, []).append(probe.http)
                probe.samples[call.label] = probe.last
            if result is not None:
                timings.totals[call.label] = (
                    str(len(result))
                    if isinstance(result, list)
                    else f"{result.total}{'+' if result.total_is_lower_bound else ''}"
                )
            if time.monotonic() > until:
                break
    timings.stopped_early = len(timings.all) < calls
    if probe:
        timings.noop = probe.noop_round_trips(repeats=30)
    return timings


class EngineProbe:
    """Wraps the engine client's transport: adds up, per call of the backend, the time inside its HTTP
    requests (serializing the body, the round trip, parsing the answer) and the `took` the engine reports
    (whole milliseconds), and keeps the last request and answer of each query to replay them against a
    no-op server. Measured in the benchmark only: the backend is unchanged."""

    def __init__(self, transport) -> None:
        self.original = transport.perform_request
        self.took = self.http = 0.0
        self.last: tuple = ()
        self.samples: dict[str, tuple] = {}
        transport.perform_request = self.perform_request

    @classmethod
    def install(cls) -> EngineProbe:
        from proposals.search import engine

        return cls(engine.client().transport)

    def reset(self) -> None:
        self.took = self.http = 0.0

    def perform_request(self, method, url, headers=None, params=None, body=None):
        answer, t0 = None, time.perf_counter()
        try:
            answer = self.original(method, url, headers=headers, params=params, body=body)
            return answer
        finally:
            self.http += time.perf_counter() - t0
            if isinstance(answer, dict) and isinstance(answer.get("took"), int | float):
                self.took += answer["took"] / 1000
                self.last = (method, params, body, answer)

    def noop_round_trips(self, *, repeats: int) -> dict[str, list[float]]:
        """Each query's last request, sent through a client configured as the backend's to a local server
        that answers every request at once with that query's recorded answer: the client's and the loopback's
        share of a call, without the engine's work."""
        from proposals.search import engine

        labels = [label for label in self.samples if self.samples[label]]
        answers = [
            json.dumps(self.samples[label][3], ensure_ascii=False, separators=(",", ":")) for label in labels
        ]
        times: dict[str, list[float]] = {}
        with noop_server(answers) as url:
            client = engine._client(url)
            for n, label in enumerate(labels):
                method, params, body, _answer = self.samples[label]
                client.transport.perform_request(method, f"/noop/{n}", params=params, body=body)  # warm-up
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    client.transport.perform_request(method, f"/noop/{n}", params=params, body=body)
                    times.setdefault(label, []).append(time.perf_counter() - t0)
        return times


# A server that reads a request and answers with the n-th recorded answer for a path ending in /n, at once,
# keeping the connection alive (HTTP/1.1 with a Content-Length), as the engine does.
NOOP_SERVER = """
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
answers = [a.encode() for a in json.load(open(sys.argv[1]))]
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else the body, sent after the headers, waits for a delayed ACK
    def answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = answers[int(self.path.split("?")[0].rsplit("/", 1)[1])]
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = answer
    def log_message(self, *args):
        pass
server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@contextlib.contextmanager
def noop_server(answers: list[str]):
    with tempfile.NamedTemporaryFile("w", suffix=".json") as recorded:
        json.dump(answers, recorded)
        recorded.flush()
        process = subprocess.Popen(
            [sys.executable, "-c", NOOP_SERVER, recorded.name], stdout=subprocess.PIPE, text=True
        )
        try:
            yield f"http://127.0.0.1:{process.stdout.readline().strip()}"
        finally:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()


# --- The cost of computing vectors per query ------------------------------------------------------------

VECTOR = (
    "setweight(to_tsvector('{c}', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('{c}', coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('{c}', coalesce(body, '')), 'C')"
)
MATCH = (
    "(({en}) @@ websearch_to_tsquery('cocreate_en', %s) OR ({fr}) @@ websearch_to_tsquery('cocreate_fr', %s))"
)


@dataclass
class VectorCost:
    query: str
    computed: list[float]
    stored: list[float]
    rows: int


def vector_cost(query: str, *, repeats: int) -> VectorCost:
    """Count the matches of `query` with vectors computed from the text (as the backend did before migration
    0003), then through the stored `search_en`/`search_fr` columns and their GIN indexes."""
    from django.db import connection

    count = "SELECT count(*) FROM proposals_proposal WHERE visibility = 'published' AND "
    computed_sql = count + MATCH.format(en=VECTOR.format(c="cocreate_en"), fr=VECTOR.format(c="cocreate_fr"))
    stored_sql = count + MATCH.format(en="search_en", fr="search_fr")
    with connection.cursor() as cursor:
        computed, rows = _time_sql(cursor, computed_sql, [query, query], repeats)
        stored, stored_rows = _time_sql(cursor, stored_sql, [query, query], repeats)
    assert stored_rows == rows, (stored_rows, rows)
    return VectorCost(query, computed, stored, rows)


def _time_sql(cursor, sql: str, params: list, repeats: int) -> tuple[list[float], int]:
    cursor.execute(sql, params)  # warm-up
    rows = cursor.fetchone()[0]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        cursor.execute(sql, params)
        cursor.fetchone()
        times.append(time.perf_counter() - t0)
    return times, rows


# --- The engine -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def search_server():
    """The in-memory OpenSearch-API server on a free loopback port, stopped on the way out."""
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False, addr="127.0.0.1:0")  # Japanese analysis off: less memory
    try:
        yield server
    finally:
        server.close()


def reindex() -> float:
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("reindex", stdout=io.StringIO())
    return time.perf_counter() - t0


# --- Report ---------------------------------------------------------------------------------------------


def report(seeded: Seeded, timings: list[Timings], index_seconds: float | None, cost: VectorCost | None):
    print()
    print(f"{seeded.published} published proposals (seeded in {seeded.seconds:.0f} s); page size {PAGE_SIZE}")
    print()
    print("Latency of one call, in process (milliseconds)")
    rows = []
    for t in timings:
        values = t.all
        if not values:
            rows.append([t.backend, "0", "-", "-", "-", "-"])
            continue
        rows.append(
            [t.backend + (" (stopped early)" if t.stopped_early else ""), str(len(values)),
             ms(statistics.median(values)), ms(percentile(values, 95)), ms(max(values)),
             ms(statistics.median([statistics.median(v) for v in t.per_call.values()]))]
        )  # fmt: skip
    table(["backend", "calls", "p50", "p95", "max", "median of per-query p50"], rows)
    for t in timings:
        if t.unavailable:
            print(f"{t.backend}: {t.unavailable} calls ran out of the client's timeout (a 503 for a user)")
    print()
    print("Per query: matching proposals (counted: + when a lower bound) and p50, p95 (milliseconds)")
    rows = []
    for call in CALLS:
        total = next((t.totals[call.label] for t in timings if call.label in t.totals), "")
        figures = []
        for t in timings:
            values = t.per_call.get(call.label)
            figures += [ms(statistics.median(values)), ms(percentile(values, 95))] if values else ["-", "-"]
        rows.append([call.label, f"{call.query!r}"[:34], str(total), *figures])
    headers = [f"{t.backend} {figure}" for t in timings for figure in ("p50", "p95")]
    table(["call", "query", "matches", *headers], rows)
    for t in timings:
        if t.took:
            engine_overhead(t)
    if index_seconds is not None:
        print()
        print(f"reindex: {seeded.published} proposals in {index_seconds:.1f} s, "
              f"{seeded.published / index_seconds:.0f} proposals/s")  # fmt: skip
    if cost is not None:
        computed, stored = ms(statistics.median(cost.computed)), ms(statistics.median(cost.stored))
        print()
        runs = len(cost.computed)
        print(f"Full-text match alone ({cost.query!r}, {cost.rows} matches; count(*), p50 of {runs})")
        print(f"  vectors computed from the text (as the backend did before stored vectors): {computed} ms")
        print(f"  stored tsvector columns + GIN indexes (what the backend reads): {stored} ms")
    print()
    print(f"{os.cpu_count()} CPUs shared by this process, PostgreSQL and the search server (loopback only).")


def p50_p95(values: list[float]) -> str:
    return f"{ms(statistics.median(values))} / {ms(percentile(values, 95))}"


def engine_overhead(t: Timings) -> None:
    """Per query: the backend's total time, the engine's `took`, total - took, and the backend's own
    overhead: its time outside the HTTP call plus the query's no-op round trip (p50, added to each call)."""
    print()
    print("Engine backend, per query, p50 / p95 (milliseconds): total, the engine's `took`, total - took,")
    print("and the backend's own overhead: outside the HTTP call + the same request's no-op round trip")
    rows, minus_took, own = [], [], []
    for call in CALLS:
        total, took, http = t.per_call.get(call.label), t.took.get(call.label), t.http.get(call.label)
        if not total:
            continue
        noop = statistics.median(t.noop[call.label]) if call.label in t.noop else float("nan")
        over = [a - b for a, b in zip(total, took, strict=True)]
        mine = [a - b + noop for a, b in zip(total, http, strict=True)]
        minus_took += over
        own += mine
        rows.append([call.label, *(p50_p95(values) for values in (total, took, over, mine)), ms(noop)])
    table(["call", "total", "took", "total - took", "own overhead", "no-op round trip p50"], rows)
    took_all = [x for v in t.took.values() for x in v]
    print(
        f"all calls: total - took {p50_p95(minus_took)} ms; own overhead {p50_p95(own)} ms (goal: p95 <= 5)"
    )
    print(f"`took` as the engine reports it: whole milliseconds, {sum(x == 0 for x in took_all)} of "
          f"{len(took_all)} calls at 0, max {ms(max(took_all))} ms")  # fmt: skip


# --- Main -----------------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = arguments(__doc__)
    parser.add_argument(
        "--database", default="cocreate_bench_search", help="database to drop, create and use"
    )
    parser.add_argument("--proposals", type=int, default=100_000, help="proposals to write")
    parser.add_argument("--calls", type=int, default=200, help="timed calls per backend (at least)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated text")
    parser.add_argument(
        "--backends", default="engine,database", help="engine, database or both, in this order"
    )
    parser.add_argument("--max-seconds", type=float, default=900, help="the whole run stops after this")
    args = parser.parse_args(argv)
    if not args.database.startswith("cocreate_bench"):
        parser.error("--database must start with cocreate_bench")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    [server_url] = require_services("DATABASE_URL")
    started = time.monotonic()
    deadline = started + args.max_seconds
    backends = [b for b in args.backends.split(",") if b]

    print(
        f"database {args.database}: drop, create, migrate, write {args.proposals} proposals ...", flush=True
    )
    setup_django(recreate_database(server_url, args.database))
    from django.test import override_settings

    seeded = seed(proposals=args.proposals, seed_value=args.seed)
    timings, index_seconds, cost = [], None, None
    for i, backend in enumerate(backends):
        # Each backend gets an equal share of the time left, so the last one is not starved.
        until = time.monotonic() + (deadline - time.monotonic()) / (len(backends) - i)
        print(f"{backend} backend ...", flush=True)
        if backend == "database":
            print("  the full-text match alone, computed vs stored vectors ...", flush=True)
            cost = vector_cost("appointment", repeats=3)
            print("  search and similar calls ...", flush=True)
            timings.append(measure("database", seeded, calls=args.calls, until=until))
        elif backend == "engine":
            with (
                search_server() as server,
                override_settings(SEARCH_BACKEND="engine", ELASTICSEARCH_URL=server.url),
            ):
                print(f"  search server on {server.url}; reindex ...", flush=True)
                index_seconds = reindex()
                timings.append(measure("engine", seeded, calls=args.calls, until=until))
        else:
            print(f"unknown backend {backend!r}", file=sys.stderr)
            return 2
    report(seeded, timings, index_seconds, cost)
    print(f"whole run: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    run_bench(main)
