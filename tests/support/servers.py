"""Real ASGI server processes for the integration tests, the browser tests and the benchmark.

Each server is `uvicorn cocreate.asgi:application` in its own process, on a free loopback port, talking to
the database and Redis its environment names. Nothing here imports pytest; the fixtures live in the
conftest files and are a few lines over these functions:

    env = server_env(database_url=database_url_of(connection.settings_dict), redis_url=settings.REDIS_URL)
    with serving(env) as server:                      # or serving(env, workers=2) -> list of servers
        server.http_url("/api/v1/"), server.ws_url("/ws/consultations/3/"), server.origin

A server that fails to start raises ServerError with its log. Every server started here is stopped when
its `with` block ends (terminate, then kill) and, as a last resort, when the Python process exits or dies.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

BASE_DIR = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
APP = "cocreate.asgi:application"
READY_PATH = "/api/v1/"  # DRF's API root: a cheap page that needs the URLconf and nothing else

_running: list[AsgiServer] = []


class ServerError(RuntimeError):
    """The server process did not start, or stopped when it should be running."""


class Site:
    """The addresses of a site at `host`:`port` (a server, or a load balancer in front of several), which
    api_request and open_stream take."""

    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def origin(self) -> str:
        """The Origin a browser on this site sends; AllowedHostsOriginValidator accepts it."""
        return self.base_url

    def http_url(self, path: str = "/") -> str:
        return self.base_url + path

    def ws_url(self, path: str) -> str:
        return f"ws://{self.host}:{self.port}{path}"


@dataclass
class AsgiServer(Site):
    process: subprocess.Popen
    port: int
    log_path: Path
    host: str = HOST
    _log_offset: int = field(default=0, repr=False)

    def is_running(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        """Everything the process has written to stdout and stderr so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def stop(self, timeout: float = 10) -> int:
        """Terminate (uvicorn shuts down gracefully), then kill if it hangs. Returns the exit code."""
        terminate(self.process, timeout)
        with contextlib.suppress(ValueError):
            _running.remove(self)
        with contextlib.suppress(FileNotFoundError):
            self.log_path.unlink()
        return self.process.returncode


def terminate(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM a process that still runs, then SIGKILL if it has not ended within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (the OS picks it when binding to 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def database_url_of(settings_dict: Mapping[str, Any]) -> str:
    """DATABASE_URL for a Django PostgreSQL connection's settings_dict, e.g. the test database that
    pytest-django created (read it after `django_db_setup`: NAME is then the test database's name)."""
    quote = urllib.parse.quote
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def server_env(
    *,
    database_url: str,
    redis_url: str,
    settings_module: str = "cocreate.settings.test",
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a server process: this one's (PATH, locale), with the services named explicitly
    so that a developer's .env cannot point the server somewhere else."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: SIGTERM the server if the process that started it dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def spawn(
    env: Mapping[str, str],
    *,
    port: int | None = None,
    access_log: bool = True,
    uvicorn_args: Sequence[str] = (),
    app: str = APP,
) -> AsgiServer:
    """Start a server process and return at once; `wait_ready` it before use. `uvicorn_args` are added to
    uvicorn's command line (e.g. `("--ws-per-message-deflate", "false")`); `app` is another ASGI
    application than cocreate's (the identity provider of the sign-in tests)."""
    port = port or free_port()
    fd, log_name = tempfile.mkstemp(prefix=f"uvicorn-{port}-", suffix=".log")
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        HOST,
        "--port",
        str(port),
        "--lifespan",
        "off",  # Channels' ProtocolTypeRouter has no lifespan handler
        "--timeout-graceful-shutdown",
        "5",
        "--access-log" if access_log else "--no-access-log",
        *uvicorn_args,
    ]
    with os.fdopen(fd, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    server = AsgiServer(process=process, port=port, log_path=Path(log_name))
    _running.append(server)
    return server


def wait_ready(server: AsgiServer, timeout: float = 30) -> None:
    """Poll until the server answers HTTP (any status), or raise ServerError with its log."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        if not server.is_running():
            raise ServerError(
                f"uvicorn on port {server.port} exited with {server.process.returncode}:\n{server.log()}"
            )
        try:
            with urllib.request.urlopen(server.http_url(READY_PATH), timeout=2):
                return
        except urllib.error.HTTPError:
            return  # an HTTP answer, even an error, means the application is up
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise ServerError(f"uvicorn on port {server.port} did not answer in {timeout}s:\n{server.log()}")
        time.sleep(delay)  # polling a condition, with a deadline
        delay = min(delay * 2, 0.5)


def start_servers(
    env: Mapping[str, str],
    workers: int = 1,
    *,
    access_log: bool = True,
    timeout: float = 30,
    uvicorn_args: Sequence[str] = (),
    app: str = APP,
) -> list[AsgiServer]:
    """Start `workers` separate server processes on distinct ports (sharing the database and the Redis
    channel layer, like several production workers) and wait until every one answers."""
    options = {"access_log": access_log, "uvicorn_args": uvicorn_args, "app": app}
    servers = [spawn(env, **options) for _ in range(workers)]
    try:
        for i, server in enumerate(servers):
            for _attempt in range(3):
                try:
                    wait_ready(server, timeout)
                    break
                except ServerError:
                    # Someone took the port between free_port() and uvicorn's bind: try another one.
                    if "address already in use" not in server.log().lower():
                        raise
                    server.stop()
                    server = servers[i] = spawn(env, **options)
            else:
                raise ServerError(f"no free port for uvicorn after 3 attempts:\n{server.log()}")
    except BaseException:
        stop_servers(servers)
        raise
    return servers


def start_server(env: Mapping[str, str], **kwargs: Any) -> AsgiServer:
    return start_servers(env, 1, **kwargs)[0]


def stop_servers(servers: list[AsgiServer]) -> None:
    for server in servers:
        server.stop()


@contextlib.contextmanager
def serving(env: Mapping[str, str], workers: int = 1, **kwargs: Any) -> Iterator[Any]:
    """`with serving(env) as server` or `with serving(env, workers=2) as (a, b)`."""
    servers = start_servers(env, workers, **kwargs)
    try:
        yield servers[0] if workers == 1 else servers
    finally:
        stop_servers(servers)


def running_servers() -> list[AsgiServer]:
    return list(_running)


@atexit.register
def _stop_all() -> None:
    stop_servers(running_servers())


# --- A client for the servers' HTTP API: the standard library only -------------------------------------


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Any  # the decoded JSON, None for an empty body, or the text of a body that is not JSON
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case


def fetch(
    server: AsgiServer, path: str, accept: str = "text/html", timeout: float = 30
) -> tuple[int, Any, str]:
    """One GET as a browser or a probe makes it: the status, the headers and the body's text. Error statuses
    are returned, not raised."""
    request = urllib.request.Request(server.http_url(path), headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def api_request(
    server: AsgiServer,
    method: str,
    path: str,
    *,
    token: str | None = None,
    data: Any = None,
    timeout: float = 10,
) -> ApiResponse:
    """One JSON request; authenticates with a DRF token (no session, so no CSRF). Error statuses are
    returned, not raised."""
    headers = {"Accept": "application/json"}
    body = None
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(server.http_url(path), data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, received = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, received = error.code, error.read(), error.headers
    headers = {name.lower(): value for name, value in received.items()}
    if raw and "json" not in headers.get("content-type", ""):
        # Not the application's answer: a load balancer's error page, or a server's HTML error.
        return ApiResponse(status, raw.decode(errors="replace") or None, headers)
    return ApiResponse(status, json.loads(raw) if raw else None, headers)


# --- A client for the servers' live streams: the `websockets` package --------------------------------


def stream_path(consultation_id: int) -> str:
    return f"/ws/consultations/{int(consultation_id)}/"


def open_stream(
    server: AsgiServer, consultation_id: int, *, origin: str | None = None, **kwargs: Any
) -> connect:
    """`async with open_stream(server, 3) as ws:` a consultation's stream, opened as a page of `server`
    would: with its Origin (AllowedHostsOriginValidator refuses a socket without one). Pass `origin` to
    play another site; keyword arguments go to websockets' `connect`."""
    kwargs.setdefault("open_timeout", 10)
    return connect(server.ws_url(stream_path(consultation_id)), origin=origin or server.origin, **kwargs)


async def receive_json(ws: ClientConnection, timeout: float = 5) -> Any:
    """The next message, decoded; TimeoutError if none comes within `timeout` seconds."""
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


# A real S3-API server: moto's, in its own process on a loopback port, for the object-store tests. It
# keeps its buckets in memory, so each server starts empty; no request leaves the machine.
S3_REGION = "us-east-1"
S3_KEYS = {"access_key": "test-access-key", "secret_key": "test-secret-key"}


@dataclass
class S3Server:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def storage_options(self, bucket: str) -> dict[str, Any]:
        """The OPTIONS of a django-storages S3Storage on this server, as cocreate.settings.base builds
        them from the environment (uploads_storage)."""
        return {
            "bucket_name": bucket,
            "endpoint_url": self.endpoint_url,
            "region_name": S3_REGION,
            "addressing_style": "path",
            "default_acl": None,
            "file_overwrite": False,
            **S3_KEYS,
        }

    def client(self):
        import boto3  # the tests' own reading of the bucket, past the code under test

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=S3_REGION,
            aws_access_key_id=S3_KEYS["access_key"],
            aws_secret_access_key=S3_KEYS["secret_key"],
        )


@contextlib.contextmanager
def s3_serving(timeout: float = 30) -> Iterator[S3Server]:
    """moto's S3-API server process until the block ends; raises ServerError with its log if it does not
    answer within `timeout` seconds."""
    port = free_port()
    fd, log_name = tempfile.mkstemp(prefix=f"moto-{port}-", suffix=".log")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": S3_KEYS["access_key"],
        "AWS_SECRET_ACCESS_KEY": S3_KEYS["secret_key"],
    }
    with os.fdopen(fd, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    server = S3Server(process=process, port=port, log_path=Path(log_name))
    try:
        _wait_answering(server, timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_answering(server: S3Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise ServerError(f"moto's server exited: {server.log()}")
        try:
            with urllib.request.urlopen(f"{server.endpoint_url}/", timeout=2):  # noqa: S310 (loopback)
                return
        except urllib.error.HTTPError:
            return  # it answers: an error status is an answer
        except OSError:
            if time.monotonic() > deadline:
                raise ServerError(f"moto's server did not answer in {timeout} s: {server.log()}") from None
            time.sleep(0.05)  # polling a condition, with a deadline
