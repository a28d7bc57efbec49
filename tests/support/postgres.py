"""A PostgreSQL server of a test's own, to stop and restart under load without touching the machine's
server that every other test uses. PostgreSQL refuses to run as root, so its commands run as the
`postgres` system user when the tests run as root (CI)."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .servers import free_port


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))  # Debian keeps them here
    if not versions:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return str(versions[-1])


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@dataclass
class Cluster:
    directory: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        data, log = str(self.directory / "data"), str(self.directory / "log")
        command = _as_postgres(_bin("pg_ctl"), "-D", data, "-l", log, "-o", options, *args)
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self._pg_ctl("start", "-w")

    def stop(self) -> None:
        """As a restart or a failover does: every session is ended (`fast`), then nothing listens."""
        self._pg_ctl("stop", "-m", "fast", "-w")


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    directory = Path(tempfile.mkdtemp(prefix="cocreate-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    cluster = Cluster(directory, free_port())
    initdb = [_bin("initdb"), "-D", str(directory / "data"), "-A", "trust", "-U", "postgres", "--no-sync"]
    subprocess.run(_as_postgres(*initdb, "-E", "UTF8"), check=True, capture_output=True, timeout=120)
    cluster.start()
    try:
        yield cluster
    finally:
        subprocess.run(
            _as_postgres(_bin("pg_ctl"), "-D", str(directory / "data"), "stop", "-m", "immediate"),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(directory, ignore_errors=True)
