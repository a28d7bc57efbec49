"""A PostgreSQL server of a test's own, to stop and restart under load without touching the machine's
server that every other test uses. PostgreSQL refuses to run as root, so its commands run as the
`postgres` system user when the tests run as root (CI). And a database's copy by `dump` and `restore_into`,
the backup and restore of docs/reliability.md."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.db import connection
from psycopg import sql

from .servers import database_url_of, free_port


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
    def frozen(self) -> Iterator[None]:
        """As a server that hangs rather than refuses (a frozen host, a failover that left the old address
        taking connections): the postmaster and every backend stopped (SIGSTOP), so the kernel still
        completes connections and acknowledges what is sent, and nothing answers. Thawed on the way out."""
        postmaster = int((self.directory / "data" / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGSTOP)  # first: it forks no backend after this
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
        stopped = [postmaster]
        try:
            for pid in map(int, children):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
            yield
        finally:
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)


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


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise RuntimeError(f"{command[0]} exited with {done.returncode}:\n{done.stdout}{done.stderr}")


def dump(database_url: str, file: Path) -> None:
    """The backup of docs/reliability.md: `pg_dump` of the database into `file`, in the custom format,
    without owners or privileges (the copy belongs to whoever restores it)."""
    _run(_bin("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={file}", database_url)


def restore_into(server_url: str, name: str, file: Path) -> str:
    """The restore of docs/reliability.md: a new empty database `name` on the server of `server_url`, then
    `pg_restore` of `file` into it, stopping at the first error. Returns the new database's URL."""
    parts = urllib.parse.urlsplit(server_url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = parts._replace(path="/" + urllib.parse.quote(name, safe="")).geturl()
    _run(_bin("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={url}", str(file))
    return url


def copy_test_database(cluster: Cluster, tmp_path: Path) -> str:
    """A copy of the test database on `cluster`, as database `cocreate`; returns its URL."""
    dump(database_url_of(connection.settings_dict), tmp_path / "test.dump")
    return restore_into(cluster.url(), "cocreate", tmp_path / "test.dump")


def wait_for(condition, timeout: float = 30) -> float:
    """Seconds until `condition()` holds, polled; fails the test after `timeout`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.05)  # polling a condition, with a deadline
    return time.monotonic() - started
