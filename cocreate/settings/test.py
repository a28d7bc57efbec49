"""Test settings: the same code paths as production, on the services that DATABASE_URL and REDIS_URL name.

`make test` points them at the local PostgreSQL and Redis; the suite refuses to run on anything else (see
tests/conftest.py), so a missing service fails the run instead of skipping it.
"""

import os
from urllib.parse import urlsplit

# The suite runs in several processes (pytest-xdist, `make test`). Each has its own PostgreSQL database
# (pytest-django suffixes the name with the process's id) and, here, its own Redis database: the one
# REDIS_URL names plus the process's number (/11 gives /11 to gw0, /12 to gw1). The tests empty keys
# between tests (rate limits, cached charts, sign-in limits), which must not reach another process's test.
# Once: the servers a test starts inherit the environment, REDIS_URL already the process's, and must not
# move it again (they would use another Redis database than the test that talks to them).
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL") and os.environ.get("REDIS_URL_MOVED_FOR") != _worker:
    _url = urlsplit(os.environ["REDIS_URL"])
    _db = int(_url.path.strip("/") or 0) + int(_worker.removeprefix("gw"))
    os.environ["REDIS_URL"] = _url._replace(path=f"/{_db}").geturl()
    os.environ["REDIS_URL_MOVED_FOR"] = _worker

from .base import *  # noqa: E402, F403

SECRET_KEY = "test-only-key"  # noqa: S105
MFA_ENCRYPTION_KEYS = MFA_ENCRYPTION_KEYS or [INSECURE_DEV_MFA_ENCRYPTION_KEY]  # noqa: F405
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# E-mails after an action's commit go in the request here, so a test sees them at once; production and
# `make run` send them from a background thread (tests/proposals/test_notifications.py covers both).
NOTIFICATION_EMAILS_AFTER_COMMIT = "inline"
# Read afresh on every request, so a test that changes a proposal sees it at once; the caching itself is
# tested with these set (tests/proposals/test_journey_cache.py).
# (bench/journeys.py serves with the production defaults through the environment).
JOURNEY_CACHE_SECONDS = env.int("JOURNEY_CACHE_SECONDS", default=0)  # noqa: F405
WHAT_CHANGED_CACHE_SECONDS = env.int("WHAT_CHANGED_CACHE_SECONDS", default=0)  # noqa: F405
# Likewise pages for visitors (tests/test_page_cache.py turns it on).
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=0)  # noqa: F405

# Static files straight from the apps (no collectstatic step); production serves the collected, hashed files.
WHITENOISE_USE_FINDERS = True
# Nothing is collected in tests, so WhiteNoise gets no collected folder to scan (it would warn per request).
STATIC_ROOT = None
