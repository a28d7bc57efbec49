"""What a soak worker's memory grows by (bench/soak.py --trace-memory DIR).

A worker started with SOAK_TRACE_MEMORY_DIR set writes a line to `<pid>.totals` there every
SOAK_TRACE_MEMORY_SECONDS (default 120), from a thread of its own: the bytes held by Python's allocations
since tracing started (0 if not tracing), glibc malloc's bytes in use and free but kept, Python's
small-object arenas and the bytes in use in them (0 while tracing, whose hooks hide them), the objects
the garbage collector tracks, and the websockets' compression contexts (one per open socket, unless
closed sockets are kept).

With SOAK_TRACE_MEMORY_FRAMES above 0 (default 25) it also traces allocations with that many frames each
and writes a snapshot, `<pid>-<n>.trace`; `growth` compares each worker's first snapshot after the warm-up
with its last, by traceback. Tracing costs: at 25 frames it slows a worker several times (1,000 pages at
8 requests/s overloaded the workers on the shared 2-core machine); trace a smaller soak. It starts
STARTS_AFTER seconds in, once the worker is up (traced, its imports would outlast the soak's wait for it
to answer): what it allocated before is not traced, what it allocates after is.

Reading them: the traced total or the tracked objects growing with the RSS is a leak or a cache filling
(the top sites say which); RSS growing while they stay flat is the allocator: fragmentation (free bytes
kept by malloc, arenas larger than the blocks in use), or C libraries (malloc's bytes in use growing).
"""

from __future__ import annotations

import ctypes
import gc
import itertools
import os
import re
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

STARTS_AFTER = 45  # seconds
MiB = 1024 * 1024
COLUMNS = (
    "seconds, MiB: traced, malloc in use, malloc free, pymalloc arenas, pymalloc in use; objects: gc-tracked,"
    " websocket compression contexts"
)


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                     "fordblks", "keepcost")
    ]  # fmt: skip


def malloc_heap() -> tuple[int, int]:
    """glibc malloc's bytes in use (mmapped blocks included) and its free bytes, over all its arenas."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _Mallinfo2
    info = libc.mallinfo2()
    return info.uordblks + info.hblkhd, info.fordblks


def pymalloc_arenas() -> tuple[int, int]:
    """The bytes of Python's small-object arenas, and of the blocks in use there (its debug statistics,
    which it writes only to the standard error: caught in a file meanwhile)."""
    with tempfile.TemporaryFile("w+") as caught:
        stderr = os.dup(2)
        os.dup2(caught.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(stderr, 2)
            os.close(stderr)
        caught.seek(0)
        text = caught.read()
    arenas = re.search(r"arenas \* \d+ bytes/arena\s+=\s+([\d,]+)", text)
    used = re.search(r"# bytes in allocated blocks\s+=\s+([\d,]+)", text)
    return tuple(int(m.group(1).replace(",", "")) if m else 0 for m in (arenas, used))


def start_from_environment() -> None:
    """In a worker: sample (and trace) if SOAK_TRACE_MEMORY_DIR is set."""
    directory = os.environ.get("SOAK_TRACE_MEMORY_DIR")
    if not directory:
        return
    every = float(os.environ.get("SOAK_TRACE_MEMORY_SECONDS", "120"))
    frames = int(os.environ.get("SOAK_TRACE_MEMORY_FRAMES", "25"))
    threading.Thread(target=_sample, args=(Path(directory), every, frames), daemon=True).start()


def _sample(directory: Path, every: float, frames: int) -> None:
    time.sleep(STARTS_AFTER)
    if frames:
        tracemalloc.start(frames)
    began = time.monotonic()
    for n in itertools.count():
        time.sleep(max(0.0, began + n * every - time.monotonic()))
        traced = tracemalloc.get_traced_memory()[0]
        sizes = (traced, *malloc_heap(), *pymalloc_arenas())
        objects = gc.get_objects()  # the websockets' compression contexts: those of open sockets, or more?
        counts = (len(objects), sum(1 for o in objects if type(o).__name__ == "PerMessageDeflate"))
        del objects
        with open(directory / f"{os.getpid()}.totals", "a") as totals:
            totals.write(" ".join(map(str, (round(time.monotonic() - began), *sizes, *counts))) + "\n")
        if not frames:
            continue
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__)]
        )
        path = directory / f"{os.getpid()}-{n:03d}.trace"
        snapshot.dump(f"{path}.part")
        os.replace(f"{path}.part", path)  # a reader sees whole snapshots only


def growth(directory: Path, *, after_seconds: float, every: float, top: int = 12) -> list[str]:
    """Lines to print: per worker, its totals at each sample, and the `top` sites that grew most from the
    first snapshot taken `after_seconds` after tracing started to the last one."""
    lines = []
    for path in sorted(directory.glob("*.totals")):
        pid = path.stem
        lines.append(f"worker {pid}, every {every:g} s ({COLUMNS}):")
        for line in path.read_text().splitlines():
            seconds, *sizes, tracked, deflate = line.split()
            mib = " ".join(f"{int(size) / MiB:8.1f}" for size in sizes)
            lines.append(f"  {seconds:>6} {mib} {tracked:>9} {deflate:>6}")
        paths = sorted(directory.glob(f"{pid}-*.trace"))
        kept = [p for p in paths if int(p.stem.split("-")[1]) * every >= after_seconds] or paths[-1:]
        if len(kept) < 2:
            continue
        first, last = (tracemalloc.Snapshot.load(str(p)) for p in (kept[0], kept[-1]))
        minutes = (len(kept) - 1) * every / 60
        lines.append(f"  sites that grew most over the last {minutes:g} min (newest frame last):")
        grown = sorted(last.compare_to(first, "traceback"), key=lambda s: s.size_diff, reverse=True)
        for stat in grown[:top]:
            lines.append(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks")
            lines.extend(f"      {line.strip()}" for line in stat.traceback.format(limit=8)[::2])
    return lines
