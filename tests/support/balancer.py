"""A real load balancer in front of the server processes: HAProxy (Debian's package), as production runs
several stateless workers behind one.

    with serving(env, workers=2) as workers, balancing(workers) as site:
        api_request(site, "GET", "/api/v1/")          # site has the servers' http_url, ws_url, origin
        site.states()                                  # {"w1": "UP", "w2": "UP"}: HAProxy's view
        workers[0].process.kill(); site.wait_state("w1", "DOWN")

Its own `haproxy` process (never the system service) in the foreground, on a free loopback port, with a
generated configuration and its admin socket in a temporary directory. HAProxy health-checks each worker's
`/readyz` (cocreate/health.py), tunnels websockets, and retries a request whose connection to a worker
failed on another one (the request was never sent, so it is safe to send again). Every wait has a
deadline; the process is stopped when its `with` block ends and, as a last resort, with this one.
Nothing here imports pytest.
"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .servers import HOST, AsgiServer, Site, _die_with_parent, free_port, terminate

BACKEND = "workers"

# The configuration a production deployment can start from: only the addresses differ. Websockets: HAProxy
# switches a connection to tunnel mode on the upgrade, then `timeout tunnel` applies (an open page is idle
# for long stretches). Health: a failed connection to a worker marks it down at once (`observe layer4`): a
# killed worker is out before the checks notice. So the checks can be patient: `/readyz` every 2 s, down
# after three failures, each given 5 s, up after two successes. Impatient checks (1 s) marked the surviving
# worker down too while it served the reconnection wave of the killed one's pages: no worker left, 503s.
# Patient ones still did, once, under a longer wave (its /readyz waits behind the queued requests). So each
# worker is also a backup without checks (`-spare`): when every worker is marked down, HAProxy sends to all
# of them anyway (`allbackups`; a dead one refuses, and the request is retried on another): a worker that
# answers late, or answers its own 503 with Retry-After, is better than the balancer's 503 for everything.
# Retries: only connection failures (the default `retry-on`), each on another worker (`redispatch 1`): a
# request that reached a worker is never sent twice, since a comment is not idempotent.
CONFIG = """\
global
    maxconn {maxconn}
    stats socket {admin} mode 600 level admin
    log stderr format raw local0 {log_level}

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 2s
    timeout check 5s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout tunnel 1h
    timeout client-fin 5s
    timeout server-fin 5s
    retries 3
    option redispatch 1

frontend site
    bind {host}:{port}
    maxconn {maxconn}
    default_backend {backend}

backend {backend}
    balance leastconn
    option httpchk
    http-check send meth GET uri /readyz
    http-check expect status 200
    option allbackups
    default-server inter 2s fastinter 500ms downinter 1s fall 3 rise 2
{servers}
"""


class BalancerError(RuntimeError):
    """haproxy is missing, did not start, or did not see its workers in time."""


@dataclass
class Balancer(Site):
    process: subprocess.Popen
    port: int
    directory: Path
    workers: dict[str, AsgiServer]  # HAProxy's server name -> the worker
    host: str = HOST

    def log(self) -> str:
        with contextlib.suppress(FileNotFoundError):
            return (self.directory / "haproxy.log").read_text(errors="replace")
        return ""

    def command(self, line: str, timeout: float = 5) -> str:
        """One command on HAProxy's admin socket (e.g. "show stat"), and its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as admin:
            admin.settimeout(timeout)
            admin.connect(str(self.directory / "admin.sock"))
            admin.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := admin.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's statistics of each worker (status, scur, check_status, ...), by server name."""
        text = self.command("show stat").lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {r["svname"]: r for r in rows if r["pxname"] == BACKEND and r["svname"] in self.workers}

    def states(self) -> dict[str, str]:
        """Each worker's status as HAProxy sees it: "UP", "DOWN", or a transition ("UP 1/2")."""
        return {name: row["status"] for name, row in self.stats().items()}

    def wait_state(self, name: str, state: str, timeout: float = 15) -> float:
        """Wait until HAProxy sees worker `name` in `state`; returns the seconds waited."""
        started = time.monotonic()
        deadline = started + timeout
        while (seen := self.states().get(name)) != state:
            if self.process.poll() is not None:
                raise BalancerError(f"haproxy exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise BalancerError(f"{name} is {seen}, not {state}, after {timeout} s:\n{self.log()}")
            time.sleep(0.05)  # polling a condition, with a deadline
        return time.monotonic() - started

    def stop(self, timeout: float = 10) -> None:
        terminate(self.process, timeout)


def config(workers: dict[str, AsgiServer], *, port: int, admin: Path, maxconn: int, log_level: str) -> str:
    checked = "check observe layer4 error-limit 1 on-error mark-down"
    lines = "\n".join(
        f"    server {name} {w.host}:{w.port} {checked}\n    server {name}-spare {w.host}:{w.port} backup"
        for name, w in workers.items()
    )
    names = {"host": HOST, "backend": BACKEND, "servers": lines}
    return CONFIG.format(maxconn=maxconn, admin=admin, port=port, log_level=log_level, **names)


def start(
    workers: Sequence[AsgiServer], *, maxconn: int = 4000, log_level: str = "notice", timeout: float = 30
) -> Balancer:
    """Start HAProxy in front of `workers` (named w1, w2, ...) and wait until it answers and sees every
    worker UP. `log_level` "info" logs each request too."""
    executable = shutil.which("haproxy")
    if executable is None:
        raise BalancerError("haproxy is not installed (apt-get install haproxy)")
    directory = Path(tempfile.mkdtemp(prefix="haproxy-"))
    named = {f"w{i}": worker for i, worker in enumerate(workers, 1)}
    port = free_port()
    text = config(named, port=port, admin=directory / "admin.sock", maxconn=maxconn, log_level=log_level)
    (directory / "haproxy.cfg").write_text(text)
    with open(directory / "haproxy.log", "wb") as log:
        process = subprocess.Popen(
            [executable, "-db", "-f", str(directory / "haproxy.cfg")],  # -db: foreground, no daemon
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    balancer = Balancer(process=process, port=port, directory=directory, workers=named)
    try:
        _wait_ready(balancer, timeout)
    except BaseException:
        stop(balancer)
        raise
    return balancer


def _wait_ready(balancer: Balancer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if balancer.process.poll() is not None:
            raise BalancerError(f"haproxy exited with {balancer.process.returncode}:\n{balancer.log()}")
        with contextlib.suppress(OSError):
            if set(balancer.states().values()) == {"UP"}:
                with socket.create_connection((balancer.host, balancer.port), timeout=2):
                    return
        if time.monotonic() > deadline:
            raise BalancerError(f"haproxy did not see its workers up in {timeout} s:\n{balancer.log()}")
        time.sleep(0.05)  # polling a condition, with a deadline


def stop(balancer: Balancer) -> None:
    balancer.stop()
    shutil.rmtree(balancer.directory, ignore_errors=True)


@contextlib.contextmanager
def balancing(workers: Sequence[AsgiServer], **kwargs) -> Iterator[Balancer]:
    """`with balancing([a, b]) as site:` HAProxy in front of the workers until the block ends."""
    balancer = start(workers, **kwargs)
    try:
        yield balancer
    finally:
        stop(balancer)
