"""Group commit: requests that change the same thing at the same moment, in one worker process, share one
transaction. Plain threads: under the ASGI server each synchronous request runs in a thread of its own.

The first request to arrive for a key (a proposal) leads a batch; those arriving while it gathers join it.
The leader runs the batch on its own thread (so on its own database connection) and hands each member its
own result, or the batch's error. One batch per key runs at a time in a process, in arrival order: two
batches of one worker for one row would only wait for each other on its lock, each holding a connection, and
the order is what makes a batch's results those of the same requests handled one after the other.

A member already in the gathering batch (the same citizen twice: a double click, or a support then its
withdrawal) closes it and starts the next one, so no batch holds one member twice: each request is
judged on the state the requests before it left, exactly as one by one.

When the leader waits. A batch starts as soon as the batch ahead has finished, and waits up to `window`
seconds for company only when the key was busy a moment ago (a batch of several within `HOT_FOR`): a
lone request (one client supporting one proposal after another) then pays no delay, and in a rush the
requests that arrive while a batch runs gather behind it anyway.

Nobody waits forever: a member waits at most `wait_timeout` for its leader and then fails as if the
database had not answered (503, try again), and a leader waits at most as long for the batch ahead before
running its own beside it (the database keeps counts exact either way; only the one-by-one order of the two
batches is lost). A leader whose batch raises hands the same exception to every member; the leader
always wakes its members (`finally`), so only the death of the whole process, members included, stops it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

HOT_FOR = 1.0  # seconds: a key that had a batch of several this recently waits for company
_HOT_KEYS = 10_000  # keys remembered as hot before the stale ones are forgotten


class BatchTimeout(Exception):
    """A member's leader did not answer in time (its batch may or may not have committed)."""


@dataclass(eq=False)
class _Entry:
    payload: Any
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


@dataclass(eq=False)
class _Batch:
    entries: list[_Entry] = field(default_factory=list)
    members: set[Hashable] = field(default_factory=set)
    closed: bool = False  # no one joins any more (full, started, or a member came twice)


class GroupCommit:
    """`submit(key, member, payload)` returns this payload's result of `run(payloads)`, which gets the
    payloads of one batch in arrival order and returns one result per payload, or raises. `window()` is
    read at each batch (seconds; a setting)."""

    def __init__(
        self,
        run: Callable[[Sequence[Any]], Sequence[Any]],
        *,
        window: Callable[[], float],
        max_size: int = 64,
        wait_timeout: float = 60.0,
    ) -> None:
        self.run = run
        self.window = window
        self.max_size = max_size
        self.wait_timeout = wait_timeout
        # key -> its batches, oldest (running or next to run) first; no entry when it has none
        self._lines: dict[Hashable, deque[_Batch]] = {}
        self._busy_at: dict[Hashable, float] = {}  # key -> when its last batch of several ended
        self._changed = threading.Condition()

    def submit(self, key: Hashable, member: Hashable, payload: Any) -> Any:
        entry = _Entry(payload)
        with self._changed:
            line = self._lines.setdefault(key, deque())
            batch = line[-1] if line else None
            leads = batch is None or batch.closed or member in batch.members
            if leads:
                if batch is not None:
                    batch.closed = True
                    self._changed.notify_all()
                batch = _Batch()
                line.append(batch)
            batch.entries.append(entry)
            batch.members.add(member)
            if len(batch.entries) >= self.max_size:
                batch.closed = True
                self._changed.notify_all()
        if leads:
            self._lead(key, line, batch)
        elif not entry.done.wait(self.wait_timeout):
            raise BatchTimeout(f"no answer from the batch's leader in {self.wait_timeout:g}s")
        if entry.error is not None:
            raise entry.error
        return entry.result

    def _lead(self, key: Hashable, line: deque[_Batch], batch: _Batch) -> None:
        with self._changed:
            now = time.monotonic()
            hot = now - self._busy_at.get(key, float("-inf")) < HOT_FOR
            gather_until = now + self.window() if hot else now
            give_up_at = now + self.wait_timeout
            while True:
                now = time.monotonic()
                first = line[0] is batch
                if first and (batch.closed or now >= gather_until):
                    break
                if not first and now >= give_up_at:
                    break  # the batch ahead hangs: run beside it rather than never
                self._changed.wait((gather_until if first else give_up_at) - now)
            batch.closed = True
        try:
            results = self.run([entry.payload for entry in batch.entries])
            for entry, result in zip(batch.entries, results, strict=True):
                entry.result = result
        except BaseException as error:  # noqa: BLE001 - every member gets it, the leader raises it too
            for entry in batch.entries:
                entry.error = error
        finally:
            with self._changed:
                line.remove(batch)
                if not line and self._lines.get(key) is line:
                    del self._lines[key]
                if len(batch.entries) > 1:
                    self._busy(key)
                self._changed.notify_all()
            for entry in batch.entries:
                entry.done.set()

    def _busy(self, key: Hashable) -> None:
        """Call holding the condition's lock."""
        now = time.monotonic()
        if len(self._busy_at) >= _HOT_KEYS:
            self._busy_at = {k: at for k, at in self._busy_at.items() if now - at < HOT_FOR}
        self._busy_at[key] = now
