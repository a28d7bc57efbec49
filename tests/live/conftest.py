"""Fixtures of real ASGI servers (see tests/servers.py): they share the test database that pytest-django
created and the Redis channel layer of the test settings, so a test that commits data (transactional
`django_db`) can watch a server broadcast it."""

import pytest
from django.conf import settings
from django.db import connection

from tests import servers


@pytest.fixture(scope="session")
def asgi_server_env(django_db_setup) -> dict[str, str]:
    """The environment of a server process; requested after django_db_setup, so NAME is the test
    database's. The servers stop before that fixture drops the database."""
    return servers.server_env(
        database_url=servers.database_url_of(connection.settings_dict), redis_url=settings.REDIS_URL
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
