"""The API's per-account write limits, applied to the site's own forms too.

Same throttle class, same scope, same cache key: a citizen who posts the no-JS form instead of calling the
API draws on one budget, so the forms are no way around the limits.
"""

import math
from functools import wraps
from types import SimpleNamespace

from django.shortcuts import render
from rest_framework.throttling import ScopedRateThrottle


def write_limited(scope: str):
    """Refuse a POST past the `scope` rate with a 429 page that says when to try again; GETs pass."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                throttle = ScopedRateThrottle()
                if not throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
                    seconds = max(1, math.ceil(throttle.wait() or 1))
                    response = render(request, "429.html", {"retry_after": seconds}, status=429)
                    response["Retry-After"] = str(seconds)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
