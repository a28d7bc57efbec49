"""The cache's Redis backend: a Redis that is away (stopped, restarting, frozen) is a miss, never a 500.

Django's RedisCache raises redis-py's ConnectionError or TimeoutError from any call when Redis does not
answer, and nearly every page reads the cache (Wagtail's site root paths, the pages kept for visitors, the
journey map, allauth's sign-in limits), so an outage answered pages with 500 although everything they show is
in PostgreSQL. Django's backend has no option to ignore these errors (django-redis's IGNORE_EXCEPTIONS is
another backend, which would still wait on a frozen server at every call): this subclass catches them. While
Redis is away, each cache alias answers in the way its OPTIONS["WHILE_AWAY"] names:

- "miss" (the `pages` alias): reads miss, writes are dropped and `add` says it stored nothing. For what is
  forgotten by a delete or a new generation (the pages kept for visitors, cocreate/page_cache.py; the
  journey map's reading): every worker must see the same entries, so none is kept in one worker's memory,
  and pages are made from the database meanwhile.
- "worker" (the `default` alias): the worker's memory stands in for Redis. allauth's sign-in and sign-up
  limits and the spent proofs of work (cocreate/accounts/proof.py) then hold per worker, as the API's write
  limits do (cocreate/throttling.py): neither open (a miss would count no attempt) nor closed (an `add` that
  stores nothing makes allauth refuse every sign-in and the proof take every answer for a replay). What is
  kept there under a version (the supports chart, the journey map's HTML, the areas' outlines) is as right
  as in Redis.

One failure per worker, not one per call: after a call fails, the worker does not ask Redis again for
REDIS_RETRY_AFTER seconds, so a frozen Redis (no answer within the 1 s socket timeout) costs one request of
each worker a second every 5 s, not a second per cache call. Every alias and the rate limits on that Redis
share that pause (cocreate/redis_pool.py, `absence_of`): whichever finds Redis away first spares the others.
One warning when the worker finds Redis away and one line when it answers again: no traceback per request.

Writes made while Redis is away do not reach it, and a Redis that was frozen, not restarted, still holds what
they replaced or deleted (a generation of kept pages, a journey map a check-in forgot). So the worker notes
the keys it wrote meanwhile (up to MISSED_KEYS_KEPT) and deletes them from Redis before its first call once
Redis answers again: their next read misses and reads the database. The stand-in memory is emptied then too.

`ping()` is a round trip past all of this, for /readyz (cocreate/health.py), which must say Redis is down.
"""

import logging
import threading

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.exceptions import ImproperlyConfigured

from cocreate.redis_pool import FAILURES, Absence, absence_of

logger = logging.getLogger(__name__)

MISSED_KEYS_KEPT = 10_000  # keys written while away, deleted from Redis when it is back
STAND_IN_ENTRIES = 10_000  # the "worker" stand-in's size, per alias and process


class _Miss(DummyCache):
    """Nothing stored, nothing found; unlike DummyCache, `add` says it stored nothing."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        super().add(key, value, timeout, version)
        return False


class _Missed:
    """What one Redis (by address) missed while this process's caches answered in its place."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.behind = False  # a stand-in answered since the last catch-up
        self.keys: dict[str, None] = {}  # made keys, in order
        self.stand_ins: dict[str, LocMemCache] = {}  # by name: the "worker" stand-ins to empty once back

    def stood_in(self, keys) -> None:
        """A stand-in answered a call in Redis's place, writing `keys` (made keys; none for a read)."""
        with self.lock:
            self.behind = True
            for key in keys:
                if len(self.keys) >= MISSED_KEYS_KEPT:
                    self.keys.pop(next(iter(self.keys)))
                self.keys[key] = None

    def catch_up(self, client) -> None:
        """Before the first call once Redis answers: delete what it missed (raises if it does not answer)."""
        if not self.behind:
            return
        with self.lock:
            missed = list(self.keys)
        if missed:
            client.delete_many(missed)
        with self.lock:
            for key in missed:
                self.keys.pop(key, None)
            self.behind = bool(self.keys)  # keys written meanwhile by another thread: their turn next call
            stand_ins, self.stand_ins = self.stand_ins, {}
        for stand_in in stand_ins.values():
            stand_in.clear()
        logger.info("cache: %d keys written while Redis was away forgotten there", len(missed))


# By Redis address, through its Absence: one per process and address, so a forked child starts with none.
_missed: dict[Absence, _Missed] = {}


class RedisCache(DjangoRedisCache):
    """Django's RedisCache, for which a Redis that does not answer is a miss (the module's docstring)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self._while_away = options.pop("WHILE_AWAY", "miss")
        if self._while_away not in ("miss", "worker"):
            raise ImproperlyConfigured(f"WHILE_AWAY must be miss or worker, not {self._while_away!r}.")
        super().__init__(server, {**params, "OPTIONS": options})
        self._params = {name: value for name, value in params.items() if name != "OPTIONS"}
        self._absence = absence_of(self._servers)
        # Shared by every alias and cache instance on that Redis (dict.setdefault is atomic).
        self._missed = _missed.get(self._absence) or _missed.setdefault(self._absence, _Missed())
        self._stand_in_cache = None

    def _stand_in(self):
        if self._stand_in_cache is None:
            if self._while_away == "miss":
                self._stand_in_cache = _Miss(None, self._params)
            else:
                name = f"cocreate-redis-away:{','.join(self._servers)}:{self.key_prefix}"
                params = {**self._params, "OPTIONS": {"MAX_ENTRIES": STAND_IN_ENTRIES}}
                # One per name and process (LocMemCache keeps entries by name), emptied once Redis is back.
                self._stand_in_cache = self._missed.stand_ins.setdefault(name, LocMemCache(name, params))
        return self._stand_in_cache

    def _call(self, name: str, written, key_version, /, *args, **kwargs):
        """Redis's answer to `name`, or the stand-in's when Redis is away; `written`: the keys it writes."""
        absence, missed = self._absence, self._missed
        if absence.asks():
            try:
                missed.catch_up(self._cache)
                answer = getattr(super(), name)(*args, **kwargs)
            except FAILURES as error:
                absence.failed(error)
            else:
                absence.answered()
                return answer
        missed.stood_in([self.make_key(key, version=key_version) for key in written or ()])
        return getattr(self._stand_in(), name)(*args, **kwargs)

    def ping(self) -> None:
        """One round trip to Redis; raises when it does not answer, whatever the worker thinks of it."""
        self._cache.get_client(None).ping()

    def get(self, key, default=None, version=None):
        return self._call("get", None, version, key, default, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", None, version, keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", None, version, key, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", [key], version, key, value, timeout, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", [key], version, key, value, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", [key], version, key, timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", [key], version, key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", [key], version, key, delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), version, data, timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", list(keys), version, keys, version=version)

    def clear(self):
        return self._call("clear", None, None)
