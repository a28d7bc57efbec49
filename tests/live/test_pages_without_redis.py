"""Pages and API reads while Redis is away: a real server process on a Redis of the test's own
(tests/support/redis_server.py), stopped, then frozen, with the pages kept for visitors and the journey
readings on (cocreate/page_cache.py, proposals/journey_map.py).

What must hold: every page and read answers 200 from the database with what it shows now (not a page kept
before the outage), the server says once that Redis is away rather than a traceback per request, /readyz
still says Redis is down, and once Redis answers the kept pages are served again (cocreate/cache.py).
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest
import redis as redis_client
from django.conf import settings
from django.test import Client
from django.urls import reverse

from proposals.models import Proposal
from tests.support import factories
from tests.support.redis_server import redis_process
from tests.support.servers import serving

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

RECOVERY_LIMIT = 20  # seconds after Redis is back within which the kept pages must be served again
AWAY = "no answer from Redis"  # the server's one warning per outage


@pytest.fixture(scope="module")
def site(asgi_server_env):
    """A server process whose caches are on a private Redis, with every page cache on."""
    with redis_process() as redis:
        env = {
            **asgi_server_env,
            "REDIS_URL": redis.url(),
            "PAGE_CACHE_SECONDS": "30",
            "JOURNEY_CACHE_SECONDS": "5",
            "WHAT_CHANGED_CACHE_SECONDS": "60",
        }
        with serving(env) as server:
            yield server, redis


@pytest.fixture
def scene():
    consultation = factories.consultation(stages=("Apply for the benefit", "Wait for the decision"))
    proposal = factories.ProposalFactory(consultation=consultation, title="Shorter forms for everyone")
    signed_in = Client()
    signed_in.force_login(factories.citizen())  # a session in the database, as the server keeps them
    return consultation, proposal, signed_in.cookies[settings.SESSION_COOKIE_NAME].value


def fetch(server, path: str, session: str | None = None) -> tuple[int, str]:
    headers = {"Accept": "text/html,application/json"}
    if session:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session}"
    request = urllib.request.Request(server.http_url(path), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def renamed(proposal, title: str) -> None:
    """Written straight to the database, announced to nobody: only a page made afresh shows it."""
    Proposal.objects.filter(pk=proposal.pk).update(title=title)


def kept_pages_served(server, consultation, proposal) -> bool:
    """Whether a visitor now gets the consultation's page as kept, not made afresh: the title changes behind
    the cache between two visits (to one no page has shown yet), and the second visitor gets the first
    one's page."""
    status, first = fetch(server, consultation.url)
    title = f"Renamed behind the cache at {time.monotonic():.6f}"
    renamed(proposal, title)
    _, again = fetch(server, consultation.url)
    return status == 200 and again == first and title not in again


def until_kept_pages_served(server, consultation, proposal) -> float:
    """Seconds until the kept pages are served again; fails past RECOVERY_LIMIT."""
    started = time.monotonic()
    while not kept_pages_served(server, consultation, proposal):
        assert time.monotonic() - started < RECOVERY_LIMIT, "the kept pages were not served again"
        time.sleep(0.2)  # polling a condition, with a deadline
    return time.monotonic() - started


def what_each_shows(server, consultation, proposal, session: str) -> dict[str, tuple[int, bool]]:
    """Each page and read: its status and whether it shows what it must."""
    title = proposal.title
    proposal_page = reverse("proposal_detail", args=[proposal.pk])
    expected = {
        "consultation page": (consultation.url, None, title),
        "proposal page": (proposal_page, None, title),
        "proposal page, signed in": (proposal_page, session, reverse("account_logout")),
        "journey map": (reverse("consultation_journey_map", args=[consultation.pk]), None, "Wait for the"),
        "what changed": (reverse("what_changed", args=[consultation.pk]), None, consultation.title),
        "API proposal": (f"/api/v1/proposals/{proposal.pk}/", None, title),
        "API consultations": ("/api/v1/consultations/", None, consultation.title),
    }
    shown = {}
    for name, (path, cookie, text) in expected.items():
        status, body = fetch(server, path, cookie)
        shown[name] = (status, text in body)
    if session:  # the signed-in page is that citizen's own, with the current title too
        shown["proposal page, signed in, title"] = (200, title in fetch(server, proposal_page, session)[1])
    return shown


@pytest.mark.parametrize("outage", ["stopped", "frozen"])
def test_pages_are_made_from_the_database_while_redis_is_away_and_kept_again_after(site, scene, outage):
    server, redis = site
    consultation, proposal, session = scene
    # The database is made anew for each test, ids and all, and the test's changes bump no generation in
    # this Redis: nothing kept for an earlier test's pages may stay.
    redis_client.Redis.from_url(redis.url()).flushdb()
    until_kept_pages_served(server, consultation, proposal)  # the worker uses Redis; a page is kept
    log_before = len(server.log())
    renamed(proposal, "Shorter forms, for everyone")
    proposal.title = "Shorter forms, for everyone"

    redis.stop() if outage == "stopped" else redis.pause()
    try:
        shown = what_each_shows(server, consultation, proposal, session)
        ready_status, ready = fetch(server, "/readyz")
    finally:
        redis.start() if outage == "stopped" else redis.resume()
    recovered = until_kept_pages_served(server, consultation, proposal)
    print(f"Redis {outage}: the kept pages were served again {recovered:.2f} s after it was back")

    assert shown == dict.fromkeys(shown, (200, True))
    assert ready_status == 503 and '"redis": {"status": "error"' in ready
    log = server.log()[log_before:]
    assert log.count(AWAY) == 1, log
    assert "Traceback" not in log, log
