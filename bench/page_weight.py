"""What a phone downloads for each main page: prints the table of docs/performance.md ("Page weight").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/page_weight.py

It runs the browser test that holds the pages to their budget (tests/e2e/test_page_weight.py) with its output
shown. The test writes the content (one open consultation of 20 proposals, one of them with 31 comments, a
verified citizen who took part), loads each main page in a fresh headless Chromium context (an empty cache),
counts every response's body as served and gzip-compressed, by kind, with the number of requests, and prints
the table; it fails when a page is over its budget or asks another origin for anything. pytest-django makes
and drops its own database (test_<name>) on DATABASE_URL's server; REDIS_URL is the server's cache and
channel layer (use a Redis database nobody else uses).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.common import require_services  # noqa: E402

TEST = "tests/e2e/test_page_weight.py::test_main_pages_stay_within_the_page_weight_budget"


def main() -> int:
    require_services("DATABASE_URL", "REDIS_URL")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cocreate.settings.test"}
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", TEST]
    return subprocess.call(command, cwd=BASE_DIR, env=env, timeout=600)


if __name__ == "__main__":
    sys.exit(main())
