"""A proposal's large document downloaded by many slow lines at once from one worker: the worker's memory.

Drops and recreates its own database (`cocreate_bench_downloads`) on DATABASE_URL's server, stores one
published proposal with one PDF of --megabytes, starts one uvicorn worker, and has --clients connections
download it at the same time, each reading at most --kbps kilobytes a second (a slow mobile line). It
samples the worker's resident memory every 0.1 s and prints: the worker's memory before, its peak during
the downloads and the difference per client; the time to each client's first byte (p50 and max); how long
the slowest download took; how many clients got the whole file, and the statuses answered.

    make bench-downloads   # BENCH_DOWNLOADS_ARGS="--clients 50 --megabytes 10 --kbps 512"
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import arguments, require_services, run_bench, status_counts, table  # noqa: E402
from bench.live_support import recreate_database, rss_kib, setup_django  # noqa: E402


def parse_args(argv):
    parser = arguments(__doc__)
    parser.add_argument("--clients", type=int, default=50, help="downloads at the same time")
    parser.add_argument("--megabytes", type=int, default=10, help="the document's size (the PDF limit: 10)")
    parser.add_argument("--kbps", type=int, default=512, help="each client's reading speed, KB/s")
    parser.add_argument("--database", default="cocreate_bench_downloads")
    return parser.parse_args(argv)


def seed(megabytes: int, media: Path) -> str:
    """One published proposal with one document of `megabytes`; its address."""
    from proposals.attachments import prepare_pdf
    from proposals.services import attachments_add
    from tests.support import factories, files

    author = factories.citizen()
    proposal = factories.ProposalFactory(author=author)
    (document,) = attachments_add(actor=author, proposal=proposal, files=[prepare_pdf(files.pdf())])
    block = bytes(range(256)) * 4096
    (media / document.file.name).write_bytes(files.PDF + block * (megabytes * 1024 * 1024 // len(block)))
    return document.get_absolute_url()


async def download(port: int, path: str, kbps: int, started: float) -> tuple[float, float, int, str]:
    """Seconds to the first byte and to the last, the bytes received, and the status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    first, received, chunk, status = None, 0, 16 * 1024, "none"
    while data := await reader.read(chunk):
        if first is None:
            first, status = time.monotonic() - started, data.split(b" ", 2)[1].decode()
        received += len(data)
        await asyncio.sleep(len(data) / (kbps * 1024))  # a slow line: the socket's buffers fill, then wait
    writer.close()
    return first or 0.0, time.monotonic() - started, received, status


async def run(port: int, pid: int, path: str, args) -> tuple[list, int]:
    peak = rss_kib(pid)
    done = asyncio.Event()

    async def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib(pid))
            await asyncio.sleep(0.1)

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    results = await asyncio.gather(*(download(port, path, args.kbps, started) for _ in range(args.clients)))
    done.set()
    await sampler
    return results, peak


def main(argv=None) -> int:
    args = parse_args(argv)
    database_url, redis_url = require_services("DATABASE_URL", "REDIS_URL")
    media = Path(tempfile.mkdtemp(prefix="bench-downloads-"))
    os.environ["MEDIA_ROOT"] = str(media)
    print(f"database {args.database}: drop, create, migrate, store a {args.megabytes} MB document ...")
    bench_url = recreate_database(database_url, args.database)
    setup_django(bench_url, redis_url)
    path = seed(args.megabytes, media)

    from tests.support import servers

    extra = {"MEDIA_ROOT": str(media), "DB_POOL_MAX_SIZE": "4", "LOG_LEVEL": "WARNING"}
    env = servers.server_env(database_url=bench_url, redis_url=redis_url, extra=extra)
    with servers.serving(env, access_log=False) as worker:
        asyncio.run(download(worker.port, path, 1_000_000, time.monotonic()))  # warm: imports, pool
        before = rss_kib(worker.process.pid)
        results, peak = asyncio.run(run(worker.port, worker.process.pid, path, args))
    size = next(media.rglob("*.pdf")).stat().st_size
    firsts = [first for first, *_rest in results]
    whole = sum(status == "200" and got >= size for _first, _last, got, status in results)
    slowest = max(last for _first, last, *_rest in results)
    row = [args.clients, args.megabytes, args.kbps, f"{before / 1024:.0f}", f"{peak / 1024:.0f}",
           f"{(peak - before) / 1024 / args.clients:.2f}", f"{statistics.median(firsts):.2f}",
           f"{max(firsts):.2f}", f"{slowest:.1f}", f"{whole}/{args.clients}",
           status_counts(Counter(status for *_rest, status in results))]  # fmt: skip
    header = ["clients", "MB each", "KB/s each", "RSS before MiB", "peak MiB", "+ per client MiB",
              "first byte p50 s", "first byte max s", "slowest s", "whole files", "statuses"]  # fmt: skip
    table(header, [[str(cell) for cell in row]])
    return 0 if whole == args.clients else 1


if __name__ == "__main__":
    run_bench(main)
