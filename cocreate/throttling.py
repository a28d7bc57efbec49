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


class AccountAndAddressThrottle(ScopedRateThrottle):
    """Both budgets of a write scope: the account's, then the address's. Reads are never limited."""

    def allow_request(self, request, view):
        self.refused_by = None
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        for throttle in (ScopedRateThrottle(), AddressRateThrottle()):
            if not throttle.allow_request(request, view):
                self.refused_by = throttle
                return False
        return True

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
