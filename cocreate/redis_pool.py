"""One Redis connection pool per process for the cache, whatever the number of cache instances.

Django keeps its cache instances like its database connections: per thread, and under ASGI per async
context, so each request gets a new `RedisCache`; and each `RedisCache` builds its own redis-py pool on first
use. Every request therefore opened a new pool and a new TCP connection to Redis (with its SELECT) just to
read and write the rate counters, and left it for the garbage collector: two thirds of what the throttles
cost a support. `CACHES["default"]["OPTIONS"]["pool_class"]` names `SharedConnectionPool`; Django calls its
`from_url` for every cache instance, and it returns the one pool this process holds for that address and
those options, whose idle connections the next request takes up. redis-py's pool is thread-safe, and the
cache's calls are synchronous (its async methods run them in a thread), so one pool serves every thread.

A pool never crosses a fork: its sockets belong to the parent. A forked process (a server that forks its
workers after importing the app) builds its own pools on first use, since the process id is part of the key.

Whether to ask Redis at all is the process's too (`absence_of`): when a call fails (refused, or no answer
within the socket timeout: a frozen Redis), nothing in the worker asks that Redis again for
REDIS_RETRY_AFTER seconds, neither cache alias (cocreate/cache.py) nor the rate limits
(cocreate/throttling.py), so a write that follows a page which found Redis frozen does not wait out the
timeout again. Each of them answers meanwhile in its own way (a miss, the worker's memory). One warning per
outage, one line when Redis answers again.
"""

import logging
import os
import threading
import time

import redis

logger = logging.getLogger(__name__)

REDIS_RETRY_AFTER = 5.0  # seconds a worker does not ask a Redis after it failed to answer
FAILURES = (redis.ConnectionError, redis.TimeoutError)  # BusyLoadingError (a restart loading) is one


class SharedConnectionPool(redis.ConnectionPool):
    _pools: dict[tuple, "SharedConnectionPool"] = {}
    _pid: int = os.getpid()
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **options):
        if cls._pid != os.getpid():
            # A forked child: the parent's pools (and possibly its held lock) are not ours.
            SharedConnectionPool._pid, SharedConnectionPool._pools = os.getpid(), {}
            SharedConnectionPool._lock = threading.Lock()
        key = (os.getpid(), cls, url, repr(sorted(options.items())))
        pool = cls._pools.get(key)
        if pool is None:
            with cls._lock:
                pool = cls._pools.get(key)
                if pool is None:
                    pool = cls._pools[key] = super().from_url(url, **options)
        return pool


class Absence:
    """What this process knows of one Redis (by address): whether to ask it now."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.away = False  # since a failure, until a call succeeds
        self.retry_at = float("-inf")  # time.monotonic() before which Redis is not asked

    def asks(self) -> bool:
        return time.monotonic() >= self.retry_at

    def failed(self, error: Exception) -> None:
        """A call failed with one of FAILURES: leave Redis alone for REDIS_RETRY_AFTER seconds."""
        with self._lock:
            self.retry_at = time.monotonic() + REDIS_RETRY_AFTER
            if self.away:
                return
            self.away = True
        logger.warning(
            "no answer from Redis (%s); cached parts are read from the database, counters and rate limits "
            "kept in this worker until it answers, asked again every %.0f s",
            type(error).__name__,
            REDIS_RETRY_AFTER,
        )

    def answered(self) -> None:
        """A call succeeded."""
        if not self.away:
            return
        with self._lock:
            was_away, self.away = self.away, False
        if was_away:
            logger.info("Redis answers again")


_absences: dict[tuple, Absence] = {}
_absences_lock = threading.Lock()


def absence_of(servers) -> Absence:
    """One per process and Redis address (the cache's LOCATION, as a list), shared by every cache alias,
    cache instance and rate limit on it. A forked child starts with none: what the parent knew is not about
    the child's connections."""
    key = (os.getpid(), tuple(servers))
    absence = _absences.get(key)
    if absence is None:
        with _absences_lock:
            absence = _absences.setdefault(key, Absence())
    return absence
