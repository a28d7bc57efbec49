"""A Redis server process of a test's own, to stop, restart or freeze while the site's servers use it.

The shared Redis of the suite is never touched: a fault test starts its own `redis-server` on a free
loopback port, with no persistence (as a restarted Redis that kept nothing), and points the site's server
processes at it:

    with redis_process() as redis:
        env = server_env(database_url=..., redis_url=redis.url())
        redis.stop(); ...; redis.start()      # down, then back on the same port, empty
        redis.pause(); ...; redis.resume()    # unreachable: connections open, nothing answers

Nothing here imports pytest.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

from .servers import HOST, _die_with_parent, free_port


class RedisProcessError(RuntimeError):
    """redis-server did not start, or is missing."""


class RedisProcess:
    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"

    def start(self, timeout: float = 10) -> None:
        """Start the server on its port and wait until it answers PING. Call it from a thread that lives as
        long as the server should (the main thread): Linux stops the server when the thread that started it
        ends (servers._die_with_parent), e.g. an `asyncio.to_thread` worker once its loop closes."""
        executable = shutil.which("redis-server")
        if executable is None:
            raise RedisProcessError("redis-server is not installed")
        command = [executable, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RedisProcessError(f"redis-server on port {self.port} did not start")
            time.sleep(0.02)  # polling a condition, with a deadline

    def stop(self) -> None:
        """Kill the server (as a crash or a restart would: no goodbye to its clients); it keeps nothing."""
        if self.process is not None and self.process.poll() is None:
            self.resume()
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def pause(self) -> None:
        """Freeze the server: the kernel still accepts connections, nobody answers (a network partition)."""
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)

    def _answers(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextlib.contextmanager
def redis_process(port: int | None = None) -> Iterator[RedisProcess]:
    """A running private Redis, stopped when the block ends."""
    redis = RedisProcess(port or free_port())
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()
