"""The API's write limits, applied to the site's own forms too: per account and per client address.

Same throttle classes, same scopes, same cache keys: a citizen who posts the no-JS form instead of calling
the API draws on one budget, so the forms are no way around the limits. Each write scope has two budgets:
`<scope>` per account and `<scope>_address` per client address (a little wider: many people may share one
address), so one person with many accounts on one address is held back too. The counters live in the
default cache, Redis in production, shared by every worker.

The client address is DRF's `get_ident`: REMOTE_ADDR, or, behind `NUM_PROXIES` trusted proxies (the
TRUSTED_PROXY_COUNT setting), the address that many entries from the end of X-Forwarded-For.

Redis away: the limits hold per worker. A write must not be lost because the counters are out of reach,
nor be free of any limit: when Redis does not answer, each worker counts both budgets in its own memory
(`_LOCAL`) and goes on counting there for `REDIS_RETRY_AFTER` seconds before it asks Redis again, so a
request does not wait on an unreachable server each time. That pause is the worker's, not the throttles'
(cocreate/redis_pool.py): a write right after a page found Redis away counts in the worker at once, and one
that finds it away first spares the cache the wait. Meanwhile one account or address gets each budget
once per worker; the Redis counters start again from what they held (or from nothing after a restart).
"""

import math
import os
from functools import partial, wraps
from types import SimpleNamespace

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.shortcuts import render
from rest_framework.throttling import ScopedRateThrottle

from cocreate.redis_pool import FAILURES, absence_of


class AddressRateThrottle(ScopedRateThrottle):
    """The `<scope>_address` budget, keyed on the client address whoever is logged in."""

    def get_rate(self):
        self.scope = f"{self.scope}_address"
        return super().get_rate()

    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", None)
        if not scope or f"{scope}_address" not in self.THROTTLE_RATES:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _ready(budget, request, view) -> bool:
    """Give `budget` its scope, rate and cache key as its own allow_request would; False when it does not
    limit this request (no scope on the view, no rate, or no `<scope>_address` rate for the address's)."""
    scope = getattr(view, "throttle_scope", None)
    if not scope or (
        isinstance(budget, AddressRateThrottle) and f"{scope}_address" not in budget.THROTTLE_RATES
    ):
        return False
    budget.scope = scope
    budget.rate = budget.get_rate()  # the address's budget renames its scope to `<scope>_address`
    budget.num_requests, budget.duration = budget.parse_rate(budget.rate)
    if budget.rate is None:
        return False
    budget.key = budget.get_cache_key(request, view)
    return budget.key is not None


# Both budgets in one round trip, in Redis itself: each budget's history is a sorted set of the times of
# the requests it counted (DRF's list, one member per request), trimmed, counted and added to in one atomic
# script, so concurrent requests of one account cannot both read the same history and each write back their
# own. KEYS: the budgets in order. ARGV: now, a member name unique to this request, then each budget's
# duration and number of requests. Returns {0} when every budget counted the request, or, for the first
# budget that refuses it, {its position, its history's length, its oldest time}; the budgets before it
# count the request, as DRF's throttles one after the other would.
_BUDGETS_SCRIPT = """
local now, member = tonumber(ARGV[1]), ARGV[2]
for i, key in ipairs(KEYS) do
    local duration, allowed = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
    local held = redis.call('ZCARD', key)
    if held >= allowed then
        for j = 1, i - 1 do
            redis.call('ZADD', KEYS[j], now, member)
            redis.call('PEXPIRE', KEYS[j], math.ceil(tonumber(ARGV[1 + 2 * j]) * 1000))
        end
        return {i, held, redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]}
    end
end
for j, key in ipairs(KEYS) do
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, math.ceil(tonumber(ARGV[1 + 2 * j]) * 1000))
end
return {0}
"""
# The histories as sorted sets are version 2 of the cache's keys: never read as the pickled lists of
# version 1 (the other caches' way, below), whatever ran before.
_SORTED_SET_VERSION = 2
_scripts: dict[tuple, object] = {}  # per process and cache location: the script on the cache's own pool

# Where the budgets are counted while Redis is away: this process's memory (see the module's docstring).
_LOCAL = LocMemCache("cocreate-throttling", {"OPTIONS": {"MAX_ENTRIES": 100_000}})


def _redis_cache(cache) -> RedisCache | None:
    """`cache` itself, or None when it is not Redis."""
    if cache is default_cache:  # DRF's throttles hold the proxy of the default cache
        cache = caches[DEFAULT_CACHE_ALIAS]
    return cache if isinstance(cache, RedisCache) else None


def _budgets_script(cache: RedisCache):
    """The script, registered on a client of `cache`'s connection pool (one per process,
    cocreate.redis_pool)."""
    key = (os.getpid(), tuple(cache._servers), cache.key_prefix)
    script = _scripts.get(key)
    if script is None:
        script = _scripts[key] = cache._cache.get_client(write=True).register_script(_BUDGETS_SCRIPT)
    return script


def _drf_wait(budget) -> float | None:
    """DRF's `SimpleRateThrottle.wait` for a budget that refused at `budget.now`, from its history's
    length `held` and oldest time `oldest`."""
    remaining = budget.duration - (budget.now - budget.oldest) if budget.held else budget.duration
    available = budget.num_requests - budget.held + 1
    return None if available <= 0 else remaining / float(available)


class AccountAndAddressThrottle(ScopedRateThrottle):
    """Both budgets of a write scope: the account's, then the address's. Reads are never limited.

    DRF's throttles each read their history and write it back: four Redis round trips per write. Here
    both budgets go in one: a script (above) that applies DRF's arithmetic to both histories in Redis, so
    a request is counted, refused and told when to retry exactly as two DRF throttles in a row would: a
    request the account's budget refuses counts against neither, one the address's budget refuses still
    counts against the account. Another cache (none in production) reads both histories at once and
    writes them back at once."""

    def allow_request(self, request, view):
        self.refused_by = None
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        budgets = [
            budget
            for budget in (ScopedRateThrottle(), AddressRateThrottle())
            if _ready(budget, request, view)
        ]
        if not budgets:
            return True
        now = budgets[0].timer()
        cache = _redis_cache(self.cache)
        if cache is None:
            return self._allow_in_cache(budgets, now, self.cache)
        absence = absence_of(cache._servers)  # the worker's, shared with the cache (see the docstring)
        if not absence.asks():
            return self._allow_in_cache(budgets, now, _LOCAL)
        script = _budgets_script(cache)
        keys = [self.cache.make_key(budget.key, version=_SORTED_SET_VERSION) for budget in budgets]
        args = [repr(now), os.urandom(9).hex()]
        for budget in budgets:
            args += [budget.duration, budget.num_requests]
        try:
            refused = script(keys=keys, args=args)
        except FAILURES as error:
            absence.failed(error)
            return self._allow_in_cache(budgets, now, _LOCAL)
        absence.answered()
        if refused[0]:
            budget = self.refused_by = budgets[refused[0] - 1]
            oldest = float(refused[2]) if len(refused) > 2 else now  # none when it allows no request
            budget.now, budget.held, budget.oldest = now, refused[1], oldest
            budget.wait = partial(_drf_wait, budget)
        return self.refused_by is None

    def _allow_in_cache(self, budgets, now, cache) -> bool:
        histories = cache.get_many([budget.key for budget in budgets])
        counted = []
        for budget in budgets:
            budget.now, budget.history = now, histories.get(budget.key, [])
            while budget.history and budget.history[-1] <= now - budget.duration:
                budget.history.pop()
            if len(budget.history) >= budget.num_requests:
                self.refused_by = budget
                break
            budget.history.insert(0, now)
            counted.append(budget)
        for duration in {budget.duration for budget in counted}:
            cache.set_many(
                {budget.key: budget.history for budget in counted if budget.duration == duration}, duration
            )
        return self.refused_by is None

    def wait(self):
        return self.refused_by.wait() if self.refused_by else None


class ScopedWriteThrottle(AccountAndAddressThrottle):
    """Rate-limit writes only, per account and per client address; reads are cheap and cached by nobody
    else. The API's views name their `throttle_scope`."""


def too_many_requests(request, seconds: int | None = None):
    """The site's 429 page, in the site's layout, with Retry-After when the wait is known."""
    response = render(request, "429.html", {"retry_after": seconds}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def write_limited(scope: str):
    """Refuse a POST past either `scope` budget with a 429 page that says when to try again; GETs pass."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            throttle = AccountAndAddressThrottle()
            if not throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
                return too_many_requests(request, max(1, math.ceil(throttle.wait() or 1)))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
