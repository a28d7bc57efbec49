"""What every benchmark does the same way: its command line, the services it is pointed at, its tables, and
how it stops. Imports nothing of the project, so that a benchmark can use it before Django is set up."""

from __future__ import annotations

import argparse
import os
import queue
import signal
import sys
from collections import Counter
from collections.abc import Callable
from typing import NoReturn

SERVICES = {"DATABASE_URL": "a PostgreSQL server", "REDIS_URL": "a Redis database"}


def arguments(doc: str) -> argparse.ArgumentParser:
    """A parser whose help is the benchmark's docstring: the first paragraph, then the rest as written."""
    description, _, epilog = doc.partition("\n\n")
    return argparse.ArgumentParser(
        description=description, epilog=epilog or None, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def int_list(text: str) -> list[int]:
    """An option's comma-separated whole numbers: "1,2" is [1, 2]."""
    return [int(x) for x in text.split(",") if x.strip()]


def require_services(*names: str) -> list[str]:
    """The environment's values of `names` (DATABASE_URL, REDIS_URL), in that order. If any is unset, says
    which on stderr and exits with status 2, as a wrong option does."""
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        what = " and ".join(f"{name} ({SERVICES.get(name, 'see the docstring')})" for name in missing)
        print(f"{what} {'is' if len(missing) == 1 else 'are'} required.", file=sys.stderr)
        raise SystemExit(2)
    return [os.environ[name] for name in names]


def table(header: list[str], rows: list[list[str]]) -> None:
    """Print the rows under the header, each column right-aligned to its widest cell."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in [header, *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def status_counts(counts: Counter) -> str:
    """HTTP statuses and how many answers had each, as "200x12 503x3" (0: no answer)."""
    return " ".join(f"{status}x{n}" for status, n in sorted(counts.items()))


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)  # so that every `with` block stops what it started


def run_bench(main: Callable[[], int]) -> NoReturn:
    """Exit with what `main()` returns. SIGTERM and SIGALRM (a run's `signal.alarm` deadline) exit too,
    through every `with` block, so that what the run started is stopped; Ctrl-C exits 130; a queue read
    that timed out (a client process that never answered) exits 1, saying so."""
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGALRM, _exit_on_signal)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except queue.Empty:
        print("a wait ran past its deadline", file=sys.stderr)
        sys.exit(1)
