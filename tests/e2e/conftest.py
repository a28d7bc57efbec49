"""Browser tests: headless Chromium (Debian's package) driven by Playwright against a real uvicorn process.

    def test_something(asgi_server, new_page):
        page = new_page(user=citizen)                  # a fresh context, signed in through its cookie
        page.goto(consultation.url)                    # relative to the server: contexts have a base_url
        wait_live(page)                                # tests.support.browser: the snapshot is applied

One Chromium runs for the whole `tests/e2e` package; every page gets a context of its own, so two pages are
two independent visitors. When a test fails, each of its pages leaves a screenshot, its HTML and its
console, page errors and websocket traffic under `test-artifacts/<test>/`.

Playwright's sync API keeps its event loop marked as running in this thread between calls (its dispatcher
is a suspended greenlet, see playwright/_impl/_greenlets.py), so Django would refuse every ORM call of the
test process, including pytest-django's flush after each transactional test, while the browser is open.
Nothing here is asynchronous: the loop only ever runs while the test waits on a Playwright call. So these
tests set DJANGO_ALLOW_ASYNC_UNSAFE for the life of the browser, and only in this process: the servers'
environment is built before it is set, and `browser` checks that. Two consequences for test code:
- The browser stops when the package ends, so later packages get back a thread with no loop.
- asgiref's async_to_sync refuses to run beside the loop, so a test never calls a service that broadcasts
  (the broadcast would be dropped): other people's actions go through the server's API (`server_api`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from rest_framework.authtoken.models import Token

from tests.support import servers
from tests.support.browser import ARTIFACTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
# The box running the suite may be slow and busy: every auto-waiting assertion gets this long.
expect.set_options(timeout=10_000)

_report_key = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell at teardown whether the test failed."""
    report = yield
    item.stash.setdefault(_report_key, {})[report.when] = report
    return report


@pytest.fixture(scope="package")
def browser(asgi_server_env) -> Iterator[Browser]:
    """One headless Chromium for the package. Requests the servers' environment first, so that no server
    process inherits the variable set below."""
    assert UNSAFE not in asgi_server_env, (
        f"server processes must run with Django's async-safety checks ({UNSAFE})"
    )
    previous = os.environ.get(UNSAFE)
    os.environ[UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop(UNSAFE, None)
        else:
            os.environ[UNSAFE] = previous


@dataclass
class _Opened:
    label: str
    context: BrowserContext
    page: Page
    log: list[str] = field(default_factory=list)


def _record(opened: _Opened) -> None:
    """Console messages, uncaught errors and websocket traffic of the page, for the failure artifacts."""
    log = opened.log
    page = opened.page
    page.on("console", lambda msg: log.append(f"console.{msg.type}: {msg.text}"))
    page.on("pageerror", lambda error: log.append(f"pageerror: {error}"))
    page.on("requestfailed", lambda request: log.append(f"requestfailed: {request.method} {request.url}"))

    def on_websocket(ws) -> None:
        log.append(f"websocket open: {ws.url}")
        ws.on("framereceived", lambda payload: log.append(f"ws <- {str(payload)[:500]}"))
        ws.on("framesent", lambda payload: log.append(f"ws -> {str(payload)[:500]}"))
        ws.on("socketerror", lambda error: log.append(f"websocket error: {error}"))
        ws.on("close", lambda _ws: log.append(f"websocket closed: {ws.url}"))

    page.on("websocket", on_websocket)


def _save_artifacts(nodeid: str, opened: list[_Opened]) -> Path:
    directory = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    directory.mkdir(parents=True, exist_ok=True)
    for item in opened:
        lines = [f"url: {item.page.url}", *item.log]
        if not item.page.is_closed():
            try:
                item.page.screenshot(path=directory / f"{item.label}.png", full_page=True)
                (directory / f"{item.label}.html").write_text(item.page.content())
            except Exception as error:  # a crashed page still leaves its log  # noqa: BLE001
                lines.append(f"(no screenshot: {error})")
        (directory / f"{item.label}.log").write_text("\n".join(lines) + "\n")
    return directory


def sign_in_by_cookie(context: BrowserContext, server: servers.AsgiServer, user) -> None:
    """Sign the context in as `user` without the form: a session made the way Django's test client makes
    one, handed to the browser as its session cookie."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie.value,
                "url": server.base_url,
                "httpOnly": True,
            }
        ]
    )


@pytest.fixture
def new_page(browser, asgi_server, request) -> Iterator[Callable[..., Page]]:
    """`new_page(user=None, label=None, java_script_enabled=True, language=None)`: a page in a fresh browser
    context on the test server; with `user`, signed in by cookie; with `language` ("fr"), a browser set to
    that language, which it asks for in Accept-Language. Contexts close when the test ends."""
    opened: list[_Opened] = []

    def make(
        user=None, *, label: str | None = None, java_script_enabled: bool = True, language: str | None = None
    ) -> Page:
        context = browser.new_context(
            base_url=asgi_server.base_url, java_script_enabled=java_script_enabled, locale=language
        )
        if user is not None:
            sign_in_by_cookie(context, asgi_server, user)
        item = _Opened(label or f"page{len(opened) + 1}", context, context.new_page())
        _record(item)
        opened.append(item)
        return item.page

    yield make

    reports = request.node.stash.get(_report_key, {})
    try:
        if any(report.failed for report in reports.values()):
            directory = _save_artifacts(request.node.nodeid, opened)
            request.node.add_report_section("teardown", "browser artifacts", str(directory))
    finally:
        for item in opened:
            item.context.close()


@pytest.fixture
def page(new_page) -> Page:
    """An anonymous visitor's page."""
    return new_page(label="page")


@pytest.fixture
def server_api(asgi_server) -> Callable[..., Callable[..., servers.ApiResponse]]:
    """`server_api(user)(method, path, data=None)`: a request to the test server's API with the user's token,
    as a script or another person's browser would make it (so its broadcasts really happen)."""

    def for_user(user) -> Callable[..., servers.ApiResponse]:
        token, _created = Token.objects.get_or_create(user=user)

        def call(method: str, path: str, data=None) -> servers.ApiResponse:
            return servers.api_request(asgi_server, method, path, token=token.key, data=data)

        return call

    return for_user
