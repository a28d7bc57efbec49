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
"""

import os
import threading

import redis


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
