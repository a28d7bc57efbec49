"""A budget counts every request, however many arrive at once: the account's history is read, trimmed and
added to in one step in Redis (cocreate.throttling), so requests sent together cannot each read the same
history and each be let through."""

import threading
from types import SimpleNamespace

import pytest
from django.test import RequestFactory
from rest_framework.throttling import ScopedRateThrottle

from cocreate.throttling import ScopedWriteThrottle

ALLOWED = 5
AT_ONCE = 40


@pytest.fixture
def rates(monkeypatch):
    """Five writes a minute for the account, room to spare for its address (DRF binds rates to the class)."""
    rates = {"support": f"{ALLOWED}/minute", "support_address": "1000/minute"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


def test_requests_sent_together_are_each_counted(rates):
    request = RequestFactory().post("/api/v1/proposals/1/support/", REMOTE_ADDR="203.0.113.9")
    request.user = SimpleNamespace(pk=4242, is_authenticated=True)
    view = SimpleNamespace(throttle_scope="support")
    start, answers = threading.Barrier(AT_ONCE), []

    def send():
        throttle = ScopedWriteThrottle()
        start.wait()
        answers.append((throttle.allow_request(request, view), throttle.wait()))

    threads = [threading.Thread(target=send) for _ in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed for allowed, _ in answers) == ALLOWED
    # Each refusal says when to retry: about a minute, as DRF reckons it (a request that read the clock
    # just before the first one counted may be told a few milliseconds more).
    assert all(59 < wait < 61 for allowed, wait in answers if not allowed)
