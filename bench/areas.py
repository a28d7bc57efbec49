"""The area maps of a consultation with 30 areas, 1,000 proposals and 100,000 supports: the consultation page
with its map, the proposal page with its supporters by declared area, and their API, against a trivial page
on the same worker in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/areas.py [--supports 100000] [--proposals 1000] [--requests 300] ...

DATABASE_URL names the PostgreSQL server (its database name is ignored): the benchmark drops and recreates
its own database there (`--database`, default cocreate_bench_areas), migrates it and seeds, in bulk:

- one open consultation divided into `--columns` × `--rows` areas (30): a grid of districts over a city,
  each side a jagged line of `--edge-points` points shared with its neighbour (about 600 points an area,
  18,000 in all, as detailed as real district boundaries), one district with a park cut out of it (a hole)
  and one with an island (a MultiPolygon);
- `--citizens` verified citizens (20,000), 85% of them with a declared area, more in some areas than others;
- `--proposals` published proposals, 90% of them about an area (the central ones more often), and
  `--supports` supports spread over them in a Zipf-like draw (the first has about 13,000), one per citizen
  per proposal, written by INSERT ... SELECT FROM unnest; then 300 of the first proposal's supports set
  aside by an official (votes.invalidations), as after a fraud review, and ANALYZE.

REDIS_URL is the server's cache and channel layer; use a Redis database nobody else uses.

It measures, with the settings of the tests (DEBUG off) and visitors' pages not kept
(PAGE_CACHE_SECONDS=`--page-cache-seconds`, 0 by default: each request renders its page, which is what the
map costs; production keeps an anonymous page 10 s):
  (a) in this process: each page's status, SQL statements and size (as served and gzipped), the size of the
      map's SVG, the time to draw the boundaries (cms.maps.outline, what the cache saves) and the plans of
      the two grouped statements (EXPLAIN ANALYZE);
  (b) against one real uvicorn worker (tests/support/servers.py; DB_POOL_MAX_SIZE=`--pool`): after
      `--warmup` requests, `--requests` sequential GETs of each page over one keep-alive connection;
      p50/p99/max of the time to the last byte, and each over the trivial page's (the accessibility
      statement).

Every request has a timeout, `--max-seconds` bounds the whole run, and the server is stopped at the end,
whatever happens.
"""

from __future__ import annotations

import argparse
import gzip
import math
import os
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench import one_worker  # noqa: E402
from bench.common import arguments, require_services, run_bench, table  # noqa: E402
from bench.live_support import ms, recreate_database, setup_django  # noqa: E402
from bench.pages import TRIVIAL, Target, Timing, verified_citizens  # noqa: E402
from tests.support import servers  # noqa: E402

WEST, SOUTH, EAST, NORTH = 2.25, 48.815, 2.42, 48.90  # a city's extent, in degrees
SET_ASIDE = 300
BATCH = 20_000


@dataclass
class Seed:
    consultation_id: int
    url: str
    top_id: int  # the most supported proposal
    median_id: int  # one of middling support
    area_set_id: int


# --- Boundaries ---------------------------------------------------------------------------------------------


def _edge(a, b, points: int, rng: random.Random) -> list[list[float]]:
    """A boundary from `a` to `b` (both included) as streets and a river make one: bends across the straight
    line (sine waves of random phase, the widest a twentieth of its length, the narrowest the size of a
    block, about a pixel of the map) and the small jitter of a survey, pinned at both ends, in `points`
    points. About 45 points an area are left on the map, as of real districts at that scale."""
    length = ((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5
    nx, ny = -(b[1] - a[1]) / length, (b[0] - a[0]) / length  # unit normal
    waves = [(rng.uniform(-1, 1) * length / (20 * k), k, rng.uniform(0, 6.283)) for k in (1, 3, 7, 15)]
    waves[-1] = (rng.choice((-1, 1)) * length / 100, 15, rng.uniform(0, 6.283))  # blocks
    line = []
    for i in range(points):
        t = i / (points - 1)
        off = sum(amp * (math.sin(k * math.pi * t + phase) - (1 - t) * math.sin(phase)
                         - t * math.sin(k * math.pi + phase)) for amp, k, phase in waves)  # fmt: skip
        off += rng.uniform(-1, 1) * length / 5000 if 0 < i < points - 1 else 0
        line.append([a[0] + (b[0] - a[0]) * t + nx * off, a[1] + (b[1] - a[1]) * t + ny * off])
    return line


def districts(columns: int, rows: int, edge_points: int, rng: random.Random) -> list[dict]:
    """columns × rows GeoJSON geometries tiling the city's extent, neighbours sharing their jagged sides."""
    dx, dy = (EAST - WEST) / columns, (NORTH - SOUTH) / rows
    corners = {
        (i, j): (
            WEST + i * dx + (rng.uniform(-0.2, 0.2) * dx if 0 < i < columns else 0),
            SOUTH + j * dy + (rng.uniform(-0.2, 0.2) * dy if 0 < j < rows else 0),
        )
        for i in range(columns + 1)
        for j in range(rows + 1)
    }
    edges: dict = {}

    def side(p, q):
        if (q, p) in edges:
            return edges[(q, p)][::-1]
        edges[(p, q)] = _edge(corners[p], corners[q], edge_points, rng)
        return edges[(p, q)]

    shapes = []
    for j in range(rows):
        for i in range(columns):
            ring = []
            for p, q in (((i, j), (i + 1, j)), ((i + 1, j), (i + 1, j + 1)),
                         ((i + 1, j + 1), (i, j + 1)), ((i, j + 1), (i, j))):  # fmt: skip
                ring += side(p, q)[:-1]
            ring.append(ring[0])
            shapes.append({"type": "Polygon", "coordinates": [ring]})
    # A park cut out of one district, an island off another.
    cx, cy = corners[(2, 2)]
    park = [[cx + dx * 0.3, cy + dy * 0.3], [cx + dx * 0.3, cy + dy * 0.6],
            [cx + dx * 0.6, cy + dy * 0.6], [cx + dx * 0.6, cy + dy * 0.3]]  # fmt: skip
    shapes[2 * columns + 2]["coordinates"].append([*park, park[0]])
    island = [[EAST - dx * 0.3, SOUTH - dy * 0.3], [EAST - dx * 0.1, SOUTH - dy * 0.3],
              [EAST - dx * 0.1, SOUTH - dy * 0.1], [EAST - dx * 0.3, SOUTH - dy * 0.1]]  # fmt: skip
    shapes[columns - 1] = {"type": "MultiPolygon", "coordinates": [shapes[columns - 1]["coordinates"],
                                                                   [[*island, island[0]]]]}  # fmt: skip
    return shapes


# --- Seed ---------------------------------------------------------------------------------------------------

_INSERT = """
    INSERT INTO votes_support (proposal_id, user_id, created_at)
    SELECT p, u, now() FROM unnest(%s::bigint[], %s::bigint[]) AS s(p, u)"""


def seed(args, rng: random.Random) -> Seed:
    from django.db import connection
    from django.utils import timezone

    from cms.models import Area, AreaSet
    from proposals.models import DeclaredArea, Proposal, Visibility
    from tests.support import factories
    from votes.invalidations import supports_invalidate

    consultation = factories.consultation(title="Repairing the streets", service="Roads")
    area_set = AreaSet.objects.create(name="Districts", updated_at=timezone.now())
    shapes = districts(args.columns, args.rows, args.edge_points, rng)
    areas = Area.objects.bulk_create(
        Area(
            area_set=area_set,
            name=f"District {i + 1}",
            slug=f"district-{i + 1}",
            geometry=shape,
            sort_order=i,
        )
        for i, shape in enumerate(shapes)
    )
    consultation.area_set = area_set
    consultation.save(update_fields=["area_set"])
    # Some districts are more populous, and the central ones have more proposals.
    people = [rng.uniform(0.5, 2) for _ in areas]
    users = verified_citizens(args.citizens)
    DeclaredArea.objects.bulk_create(
        (DeclaredArea(user=user, area_set=area_set, area=rng.choices(areas, people)[0])
         for user in users if rng.random() < 0.85),
        batch_size=5000,
    )  # fmt: skip
    now = timezone.now()
    proposals = Proposal.objects.bulk_create(
        (Proposal(consultation=consultation, author=rng.choice(users), title=f"Repair {i}",
                  summary="Potholes.", body="Details.", visibility=Visibility.PUBLISHED, published_at=now,
                  area=rng.choices(areas, people)[0] if rng.random() < 0.9 else None)
         for i in range(args.proposals)),
        batch_size=1000,
    )  # fmt: skip
    weights = [1 / (rank + 1) for rank in range(len(proposals))]
    scale = args.supports / sum(weights)
    counts = [min(len(users), int(w * scale)) for w in weights]
    counts[-1] += args.supports - sum(counts)
    user_ids = [u.pk for u in users]
    pending_p, pending_u = [], []
    with connection.cursor() as cursor:
        for proposal, n in zip(proposals, counts, strict=True):
            pending_p += [proposal.pk] * n
            pending_u += rng.sample(user_ids, n)
            if len(pending_p) >= BATCH:
                cursor.execute(_INSERT, [pending_p, pending_u])
                pending_p, pending_u = [], []
        if pending_p:
            cursor.execute(_INSERT, [pending_p, pending_u])
        cursor.execute(
            "UPDATE proposals_proposal p SET supports_count = s.n, supports_version = s.n FROM (SELECT "
            "proposal_id, count(*) AS n FROM votes_support GROUP BY proposal_id) s WHERE s.proposal_id = p.id"
        )
    top = proposals[0]
    top.refresh_from_db()
    cheats = list(top.supports.values_list("user_id", flat=True)[:SET_ASIDE])
    supports_invalidate(
        actor=factories.official(), proposal=top, reason="Accounts made in a batch", user_ids=cheats
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Seed(consultation.pk, consultation.url, top.pk, proposals[len(proposals) // 10].pk, area_set.pk)


def targets(data: Seed) -> list[Target]:
    return [
        Target(TRIVIAL, "/accessibility/"),
        Target("consultation page, with its map", data.url),
        Target("proposal page, 1st (~13,000 supports)", f"/proposals/{data.top_id}/"),
        Target("proposal page, 101st (~130 supports)", f"/proposals/{data.median_id}/"),
        Target("API consultation areas", f"/api/v1/consultations/{data.consultation_id}/areas/"),
        Target("API supports by area, 1st", f"/api/v1/proposals/{data.top_id}/supports-by-area/"),
    ]


# --- (a) In process -----------------------------------------------------------------------------------------


def weigh(target: Target) -> list[str]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get(target.path)  # the first request's one-off reads (the site, the locales), and the drawing
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target.path)
    body = response.content
    svg = b"".join(re.findall(rb'<svg[^>]*class="area-map__drawing".*?</svg>', body, re.S))
    return [target.name, str(response.status_code), str(len(queries)), f"{len(body) / 1024:.1f}",
            f"{len(gzip.compress(body, 6)) / 1024:.1f}",
            f"{len(svg) / 1024:.1f} / {len(gzip.compress(svg, 6)) / 1024:.1f}" if svg else "-"]  # fmt: skip


def drawing_times(data: Seed, repeat: int = 5) -> tuple[float, int]:
    """The median time to read and draw the boundaries (what the cache saves on each page), and their
    number of points."""
    from cms import maps
    from cms.models import Area

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        geometries = dict(Area.objects.filter(area_set_id=data.area_set_id).values_list("pk", "geometry"))
        maps.outline(geometries)
        times.append(time.perf_counter() - t0)
    points = sum(len(ring) for geometry in geometries.values() for ring in maps._rings(geometry))
    return statistics.median(times), points


def map_costs(data: Seed) -> list[str]:
    """What the maps add to their pages: the median time of what each page calls for its map (figures,
    drawing from the cache, words), warm."""
    from django.utils import translation

    from cms.models import ConsultationPage
    from frontend.area_maps import consultation_area_map, proposal_supports_map
    from proposals.models import Proposal

    consultation = ConsultationPage.objects.get(pk=data.consultation_id)
    top, median = (
        Proposal.objects.select_related("consultation").get(pk=pk) for pk in (data.top_id, data.median_id)
    )
    calls = {
        "consultation_area_map": lambda: consultation_area_map(consultation=consultation),
        "proposal_supports_map, 1st": lambda: proposal_supports_map(proposal=top),
        "proposal_supports_map, 101st": lambda: proposal_supports_map(proposal=median),
    }
    lines = []
    with translation.override("en"):
        for label, call in calls.items():
            call()
            times = []
            for _ in range(20):
                t0 = time.perf_counter()
                call()
                times.append(time.perf_counter() - t0)
            lines.append(f"  {label}: {ms(statistics.median(times))} ms (median of 20, warm)")
    return lines


def plans(data: Seed) -> list[str]:
    """The plans of the two grouped statements, as the selectors send them, and their time, warm."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from proposals.area_selectors import proposal_counts_by_area
    from votes.selectors import supports_by_declared_area

    calls = {
        "proposals by area": lambda: proposal_counts_by_area(consultation_id=data.consultation_id),
        "supporters by declared area, 1st proposal": lambda: supports_by_declared_area(
            proposal_id=data.top_id, area_set_id=data.area_set_id
        ),
        "supporters by declared area, 101st proposal": lambda: supports_by_declared_area(
            proposal_id=data.median_id, area_set_id=data.area_set_id
        ),
    }
    lines = []
    for label, call in calls.items():
        with CaptureQueriesContext(connection) as queries:
            call()
        (statement,) = [q["sql"] for q in queries.captured_queries]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + statement)
            plan = [row[0] for row in cursor.fetchall()]
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        lines.append(
            f"  {label}: {ms(statistics.median(times))} ms through the selector (median of 20, warm)"
        )
        lines += [f"    {line}" for line in plan]
    return lines


# --- Report -------------------------------------------------------------------------------------------------


def report(weights, drawing, plan_lines, timings: list[Timing], args) -> None:
    print()
    print("(a) in process (the second request: the boundaries' drawing in the cache)")
    table(["page", "status", "queries", "KB", "KB gzip", "map SVG KB / gzip"], weights)
    seconds, points = drawing
    print(f"  drawing the boundaries ({points:,} points) without the cache: {ms(seconds)} ms (median of 5)")
    print("\n".join(plan_lines))
    print()
    print(f"(b) {args.requests} sequential GETs per page after {args.warmup} warm-up, one uvicorn worker, "
          f"DB_POOL_MAX_SIZE={args.pool}, PAGE_CACHE_SECONDS={args.page_cache_seconds}, one keep-alive "
          "connection; time to the last byte")  # fmt: skip
    one_worker.timings_table(timings)
    print(f"{os.cpu_count()} CPUs shared by the client, the server, PostgreSQL and Redis (loopback only); "
          f"load average before the run: {args.load_before}.")  # fmt: skip


# --- Main ---------------------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = arguments(__doc__)
    parser.add_argument("--database", default="cocreate_bench_areas", help="database to drop, create and use")
    parser.add_argument("--supports", type=int, default=100_000, help="supports in all")
    parser.add_argument("--proposals", type=int, default=1000, help="published proposals")
    parser.add_argument("--citizens", type=int, default=20_000, help="verified citizens (supporters)")
    parser.add_argument("--columns", type=int, default=6, help="areas west to east")
    parser.add_argument("--rows", type=int, default=5, help="areas south to north")
    parser.add_argument("--edge-points", type=int, default=150, help="points of each side of an area")
    parser.add_argument("--page-cache-seconds", type=int, default=0, help="PAGE_CACHE_SECONDS of the worker")
    one_worker.options(parser)
    args = parser.parse_args(argv)
    if min(args.columns, args.rows) < 3:  # the park is cut out of the third district of the third row
        parser.error("--columns and --rows must be at least 3")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    args.load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    deadline = time.monotonic() + args.max_seconds
    database_url, redis_url = require_services("DATABASE_URL", "REDIS_URL")
    print(f"database {args.database}: drop, create, migrate, seed {args.supports} supports ...", flush=True)
    bench_url = recreate_database(database_url, args.database)
    setup_django(bench_url, redis_url)
    t0 = time.monotonic()
    data = seed(args, random.Random(args.seed))
    print(f"  seeded in {time.monotonic() - t0:.1f}s", flush=True)
    pages = targets(data)
    weights = [weigh(target) for target in pages]
    drawing = drawing_times(data)
    plan_lines = map_costs(data) + plans(data)
    extra = {"DB_POOL_MAX_SIZE": str(args.pool), "DB_CONN_MAX_AGE": "0", "LOG_LEVEL": "WARNING",
             "PAGE_CACHE_SECONDS": str(args.page_cache_seconds)}  # fmt: skip
    env = servers.server_env(database_url=bench_url, redis_url=redis_url, extra=extra)
    no_cookie = SimpleNamespace(citizen_cookie=None)
    timings = one_worker.measure(env, pages, no_cookie, args, deadline=deadline)
    report(weights, drawing, plan_lines, timings, args)
    bad_weights = [w for w in weights if w[1] != "200"]
    return 1 if one_worker.said_errors(timings) or bad_weights else 0


if __name__ == "__main__":
    run_bench(main)
