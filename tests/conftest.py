"""Shared fixtures. The suite runs only on the real services: PostgreSQL and Redis, never a fallback."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis
from channels.layers import channel_layers
from django.conf import settings
from django.db import connection
from django.utils import translation
from elasticsearch import Elasticsearch
from rest_framework.test import APIClient

from tests.support import factories, servers
from tests.support.search import TEST_ELASTICSEARCH_URL, TEST_INDEX_PREFIX

pytest_plugins = ["tests.support.fixtures"]  # fixtures that tests in several folders use


@pytest.fixture(scope="session", autouse=True)
def real_services(django_db_setup, django_db_blocker):
    """Fail the whole run, loudly, if the tests are not talking to the real services."""
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", (
            f"The tests need PostgreSQL (DATABASE_URL); got {connection.vendor}. Run them with `make test`."
        )
    assert settings.REDIS_URL, "The tests need Redis (REDIS_URL). Run them with `make test`."
    redis.Redis.from_url(settings.REDIS_URL).ping()
    assert "Redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters and rendered charts live in Redis; each test starts with none. Only those keys:
    the channel layer shares the server."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match="*throttle_*", count=1000):
        client.delete(key)
    for key in client.scan_iter(match="*supports_chart_*", count=1000):  # rendered charts (frontend.views)
        client.delete(key)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language. Django's LocaleMiddleware activates the language of
    each request in the thread that serves it and leaves it active, so a French request in a test client
    would otherwise make the next test's labels French."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A new channel-layer instance for each test. channels_redis binds its receive locks to the event loop
    that first used them, and each test runs its own loop (async_to_sync), so a shared instance fails
    later tests with "bound to a different event loop"."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


# The search engine tests run on the in-memory server of the OpenSearch API that the osmem-server wheel
# bundles (a fresh clone per test), or on a real Elasticsearch or OpenSearch when TEST_ELASTICSEARCH_URL
# names one: the same tests, with each test's indices and aliases under a prefix of its own, deleted after
# it. Only names under TEST_INDEX_PREFIX are ever created or deleted, so a cluster that serves other
# indices can be checked too. `-m engine` selects these tests. (Both names: tests/support/search.py.)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "engine: uses a search engine server (the bundled in-memory one, or TEST_ELASTICSEARCH_URL's)",
    )


def pytest_collection_modifyitems(items):
    """Mark the engine tests: those that ask for the server, and those parametrized over the search
    backends in their `engine` case (their fixture asks for the server at run time)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if "search_server" in item.fixturenames or (callspec and "engine" in callspec.params.values()):
            item.add_marker(pytest.mark.engine)


@dataclass(frozen=True)
class SearchServer:
    url: str
    prefix: str  # of every index and alias the test makes (SEARCH_INDEX_PREFIX)

    def indices(self) -> list[str]:
        """This test's indices, whatever names it gave them under its prefix."""
        client = Elasticsearch([self.url], timeout=30)
        return sorted(client.indices.get(index=f"{self.prefix}-*", expand_wildcards="all"))

    def wipe(self) -> None:
        """Delete this test's indices (their aliases go with them), by name: a real cluster may refuse
        to delete by wildcard."""
        names = self.indices()
        if names:
            Elasticsearch([self.url], timeout=30).indices.delete(index=",".join(names))


@pytest.fixture
def search_server(request, settings) -> Iterator[SearchServer]:
    """An empty search engine for one test: ELASTICSEARCH_URL names it and SEARCH_INDEX_PREFIX is the
    test's own. On the bundled server, a clone on its own port; if its process cannot start, the test
    fails."""
    url = TEST_ELASTICSEARCH_URL or request.getfixturevalue("osmem_clone").url
    server = SearchServer(url=url, prefix=f"{TEST_INDEX_PREFIX}-{uuid.uuid4().hex[:12]}")
    settings.ELASTICSEARCH_URL = server.url
    settings.SEARCH_INDEX_PREFIX = server.prefix
    yield server
    server.wipe()


@pytest.fixture
def search_engine(search_server, settings):
    """The engine backend for proposal search on an empty search engine, with the index and its alias
    created as on a first deployment."""
    from proposals.search import engine

    settings.SEARCH_BACKEND = "engine"
    engine.ensure_index()
    return search_server


@pytest.fixture
def consultation(db):
    return factories.consultation()


@pytest.fixture
def citizen(db):
    return factories.citizen()


@pytest.fixture
def moderator(db):
    return factories.moderator()


@pytest.fixture
def official(db):
    return factories.official()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as():
    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


# Real ASGI servers (tests/support/servers.py) for the live, browser and multi-worker tests: they share the
# test database that pytest-django created and the Redis channel layer of the test settings, so a test that
# commits data (transactional `django_db`) can watch a server broadcast it.


@pytest.fixture(scope="session")
def asgi_server_env(django_db_setup) -> dict[str, str]:
    """The environment of a server process; requested after django_db_setup, so NAME is the test
    database's. The servers stop before that fixture drops the database."""
    return servers.server_env(
        database_url=servers.database_url_of(connection.settings_dict),
        redis_url=settings.REDIS_URL,
        extra={"DB_POOL_MAX_SIZE": "4"},  # pooled connections, as in production
    )


@pytest.fixture(scope="session")
def asgi_server(asgi_server_env):
    """One uvicorn worker for the whole session."""
    with servers.serving(asgi_server_env) as server:
        yield server


@pytest.fixture(scope="session")
def start_asgi_servers(asgi_server_env):
    """A factory: `a, b = start_asgi_servers(2)` starts two workers (distinct processes and ports, one
    database, one channel layer); each stops at the end of the session."""
    started: list[servers.AsgiServer] = []

    def start(workers: int = 1) -> list[servers.AsgiServer]:
        new = servers.start_servers(asgi_server_env, workers)
        started.extend(new)
        return new

    yield start
    servers.stop_servers(started)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test shows the end of every running server's log under its traceback."""
    report = yield
    if report.failed:
        for server in servers.running_servers():
            report.sections.append((f"uvicorn on port {server.port}", server.log_tail()))
    return report
