"""The API's write limits, applied to the site's own forms too: per account and per client address.

Same throttle classes, same scopes, same cache keys: a citizen who posts the no-JS form instead of calling
the API draws on one budget, so the forms are no way around the limits. Each write scope has two budgets:
`<scope>` per account and `<scope>_address` per client address (a little wider: many people may share one
address), so one person with many accounts on one address is held back too. The counters live in the
default cache, Redis in production, shared by every worker.

The client address is DRF's `get_ident`: REMOTE_ADDR, or, behind `NUM_PROXIES` trusted proxies (the
TRUSTED_PROXY_COUNT setting), the address that many entries from the end of X-Forwarded-For.
"""

import math
from functools import wraps
from types import SimpleNamespace

from django.shortcuts import render
from rest_framework.throttling import ScopedRateThrottle


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


class AccountAndAddressThrottle(ScopedRateThrottle):
    """Both budgets of a write scope: the account's, then the address's. Reads are never limited.

    DRF's throttles each read their history and write it back: four Redis round trips per write. Here
    both histories come in one read (MGET) and both go back in one pipelined write, with DRF's own
    arithmetic on them, so a request is counted, refused and told when to retry exactly as two DRF
    throttles in a row would: a request the account's budget refuses counts against neither, one the
    address's budget refuses still counts against the account."""

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
        histories = self.cache.get_many([budget.key for budget in budgets])
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
            self.cache.set_many(
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
