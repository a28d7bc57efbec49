"""When the database has no connection to give (down, out of connections, or the pool empty for too long),
people get a 503 that says to try again in a few seconds, with Retry-After: not a 500 that says something
is broken. A real server pointed at a PostgreSQL port nobody listens on; and a real pool timeout."""

import json

import psycopg
import psycopg_pool
import pytest
from django.conf import settings
from django.db import OperationalError, connection

from cocreate.views import DATABASE_BUSY_RETRY_AFTER, database_unavailable
from tests.support import servers
from tests.support.servers import fetch

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server_without_database():
    nowhere = f"postgres://postgres@127.0.0.1:{servers.free_port()}/cocreate"
    env = servers.server_env(database_url=nowhere, redis_url=settings.REDIS_URL)
    with servers.serving(env) as server:
        yield server


def test_the_api_answers_503_in_the_common_body_with_retry_after(server_without_database):
    status, headers, body = fetch(server_without_database, "/api/v1/consultations/", "application/json")
    assert status == 503
    assert headers["Retry-After"] == str(DATABASE_BUSY_RETRY_AFTER)
    assert '"code":"service_unavailable"' in body.replace(" ", "")
    assert "try again in a few seconds" in body


def test_a_page_answers_503_with_a_page_that_says_to_try_again(server_without_database):
    status, headers, body = fetch(server_without_database, "/", "text/html")
    assert status == 503
    assert headers["Retry-After"] == str(DATABASE_BUSY_RETRY_AFTER)
    assert "The site is very busy" in body
    assert "Please try again in a few seconds." in body


@pytest.mark.django_db
def test_an_empty_pool_is_the_database_being_busy_and_a_bug_is_not():
    """The pool's timeout, wrapped as Django wraps driver errors; a query error is still a 500."""
    conninfo = connection.get_connection_params()
    pool = psycopg_pool.ConnectionPool(kwargs=conninfo, min_size=1, max_size=1, timeout=0.2, open=True)
    try:
        with pool.connection(), pytest.raises(psycopg_pool.PoolTimeout) as timeout:
            pool.getconn()
    finally:
        pool.close()
    try:
        raise OperationalError(str(timeout.value)) from timeout.value
    except OperationalError as error:
        assert database_unavailable(error)

    with pytest.raises(Exception) as query_error, connection.cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM proposals_proposal")
    assert not database_unavailable(query_error.value)


@pytest.mark.django_db
def test_a_session_that_a_restart_ended_is_the_database_being_unavailable():
    """What a request on a connection PostgreSQL ended (a restart's fast shutdown) gets: a 503, not a 500."""
    victim = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [victim.info.backend_pid])
    with pytest.raises(psycopg.OperationalError) as ended:
        victim.execute("SELECT 1")
    victim.close()
    assert ended.value.sqlstate == "57P01"  # admin_shutdown
    try:
        raise OperationalError(str(ended.value)) from ended.value
    except OperationalError as error:
        assert database_unavailable(error)


def test_readyz_says_the_database_is_down_and_healthz_that_the_process_lives(server_without_database):
    status, headers, body = fetch(server_without_database, "/readyz", "application/json")
    assert status == 503
    checks = json.loads(body)["checks"]
    assert checks["database"]["status"] == "error"
    assert checks["redis"]["status"] == "ok"
    assert "postgres://" not in body
    status, headers, body = fetch(server_without_database, "/healthz", "application/json")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
