"""Pages timed one after another on one worker, as bench/areas.py and bench/fraud.py time theirs: the
options, the measuring, the table and the errors they share (bench/pages.py times its pages this way, and
more)."""

from __future__ import annotations

import argparse
import statistics
import sys

from bench.common import table
from bench.live_support import ms, percentile
from bench.pages import TRIVIAL, Target, Timing, _ratios, measure_sequential
from tests.support import servers


def options(parser: argparse.ArgumentParser) -> None:
    """The options of a benchmark that times its pages one after another on one worker."""
    parser.add_argument("--requests", type=int, default=300, help="sequential GETs per page (after warm-up)")
    parser.add_argument("--warmup", type=int, default=30, help="GETs per page before measuring")
    parser.add_argument("--pool", type=int, default=4, help="DB_POOL_MAX_SIZE of the worker (0: no pool)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated data")
    parser.add_argument("--max-seconds", type=float, default=900, help="the whole run stops after this")


def measure(env: dict, pages: list[Target], cookies, args, *, deadline: float) -> list[Timing]:
    """Time each page in turn (measure_sequential, signed in with `cookies.citizen_cookie` where the page
    says so) on one uvicorn worker started on `env`; if that fails, the worker's log ends on stderr."""
    timings = []
    print("starting one uvicorn worker ...", flush=True)
    with servers.serving(env, access_log=False) as worker:
        try:
            for target in pages:
                print(f"  {target.name} ...", flush=True)
                timings.append(measure_sequential(worker, target, cookies, pool=args.pool, warmup=args.warmup,
                                                  requests=args.requests, deadline=deadline))  # fmt: skip
        except BaseException:
            print(f"--- uvicorn on port {worker.port}:\n{worker.log_tail(40)}", file=sys.stderr)
            raise
    return timings


def timings_table(timings: list[Timing]) -> None:
    """Each page's p50, p99 and max, and its p50 and p99 over the trivial page's, all on one worker."""
    trivial = next((t for t in timings if t.name == TRIVIAL and t.latencies), None)
    rows = []
    for t in timings:
        if not t.latencies:
            continue
        p50, p99 = statistics.median(t.latencies), percentile(t.latencies, 99)
        rows.append([t.name, ms(p50), ms(p99), ms(max(t.latencies)), *_ratios(t, trivial), str(t.errors),
                     f"{len(t.latencies)}{' (time up)' if t.truncated else ''}"])  # fmt: skip
    table(["page", "p50 ms", "p99 ms", "max ms", "p50 ×trivial", "p99 ×trivial", "errors", "requests"], rows)


def said_errors(timings: list[Timing]) -> bool:
    """Print the errors of each page that had some; whether any had."""
    for t in timings:
        if t.errors:
            print(f"{t.name}: {t.errors} errors, the first {t.first_error}")
    return any(t.errors for t in timings)
