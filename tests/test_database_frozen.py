"""PostgreSQL that hangs rather than refuses: a frozen server, or a failover that left the old address taking
TCP connections that nothing ever answers. Requests answer 503 with Retry-After in bounded time, never hang
and never 500, /readyz names the database, and once PostgreSQL answers again the worker serves by itself.
On a PostgreSQL server of the test's own (tests/support/postgres.py), frozen with SIGSTOP."""

import json
import socket

import pytest

from cocreate.views import DATABASE_BUSY_RETRY_AFTER
from tests.support import servers
from tests.support.postgres import copy_test_database, private_cluster, wait_for
from tests.support.servers import api_request, fetch

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

# Short waits on PostgreSQL (5 and 10 s in production), for a short test: a connection attempt or a pooled
# connection's check gives up after 2 s, a request waits 2 s for a connection.
FAST = {"DB_CONNECT_TIMEOUT": "2", "DB_POOL_TIMEOUT": "2"}
# Far past what a worker takes to answer 503 (those waits, a few times over), far short of a hang: a request
# still waiting then fails the test on its client's timeout. Without the bounded check, or without
# `connect_timeout`, both tests fail so.
CLIENT_TIMEOUT = 30


def assert_busy(answer) -> None:
    assert answer.status == 503, answer
    assert answer.body["error"]["code"] == "service_unavailable"
    assert answer.headers["retry-after"] == str(DATABASE_BUSY_RETRY_AFTER)


def test_a_frozen_postgresql_is_answered_503_until_it_thaws_then_served(asgi_server_env, tmp_path):
    read = "/api/v1/consultations/"
    with private_cluster() as cluster:
        url = copy_test_database(cluster, tmp_path)
        pool = {"DB_POOL_MAX_SIZE": "3", "DB_POOL_MIN_SIZE": "3"}
        env = {**asgi_server_env, **FAST, **pool, "DATABASE_URL": url}
        with servers.serving(env) as server:
            assert api_request(server, "GET", read).status == 200  # the pool holds open connections
            with cluster.frozen():
                # The pool's connections are open and silent; new ones are taken and never answered.
                for _ in range(3):
                    assert_busy(api_request(server, "GET", read, timeout=CLIENT_TIMEOUT))
                status, headers, body = fetch(server, "/", timeout=CLIENT_TIMEOUT)
                assert (status, headers["Retry-After"]) == (503, str(DATABASE_BUSY_RETRY_AFTER))
                assert "The site is very busy" in body
                status, _, body = fetch(server, "/readyz", "application/json", CLIENT_TIMEOUT)
                assert status == 503
                assert json.loads(body)["checks"]["database"]["status"] == "error"
            # Thawed: served again without a restart of the worker.
            wait_for(lambda: api_request(server, "GET", read, timeout=CLIENT_TIMEOUT).status == 200)
            assert [api_request(server, "GET", read).status for _ in range(6)] == [200] * 6
            assert fetch(server, "/readyz", "application/json", CLIENT_TIMEOUT)[0] == 200


def test_a_connection_attempt_that_is_never_answered_is_given_up(asgi_server_env):
    """The address takes connections into its listen queue and nothing reads them: the attempt is given up
    (`connect_timeout`) and the request answers 503. Without the pool, whose own wait would answer it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        url = f"postgres://postgres@127.0.0.1:{listener.getsockname()[1]}/cocreate"
        env = {**asgi_server_env, **FAST, "DATABASE_URL": url, "DB_POOL_MAX_SIZE": "0"}
        with servers.serving(env) as server:
            assert_busy(api_request(server, "GET", "/api/v1/consultations/", timeout=CLIENT_TIMEOUT))
