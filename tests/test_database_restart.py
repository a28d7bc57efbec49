"""PostgreSQL restarted in the middle of supports (as an upgrade or a failover does): the requests in flight
and those that arrive while it is away answer 503 with Retry-After, never a 500 and never half an action;
the connection pool recovers by itself once PostgreSQL is back, however long it was away; and the count
equals the rows. On a PostgreSQL server of the test's own (tests/support/postgres.py), holding a copy of the
test database."""

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from rest_framework.authtoken.models import Token

from cocreate.views import DATABASE_BUSY_RETRY_AFTER
from tests.support import factories, servers
from tests.support.postgres import copy_test_database, private_cluster, wait_for
from tests.support.servers import api_request

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

IN_FLIGHT = 4  # supports sent while the proposal's row is held, before PostgreSQL stops
WHILE_AWAY = 3  # supports that arrive while it is stopped
POOL = 4


def sessions(url: str) -> int:
    """Sessions on the copy, other than this one."""
    with psycopg.connect(url, autocommit=True) as db:
        return db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'cocreate' AND pid <> pg_backend_pid()"
        ).fetchone()[0]


def waiting_on_locks(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as db:
        return db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'cocreate' AND wait_event_type = 'Lock'"
        ).fetchone()[0]


def test_postgresql_restarted_during_supports_loses_nothing_and_recovers_alone(asgi_server_env, tmp_path):
    proposal = factories.ProposalFactory()
    tokens = [Token.objects.create(user=factories.citizen()).key for _ in range(IN_FLIGHT + WHILE_AWAY)]
    support, read = f"/api/v1/proposals/{proposal.pk}/support/", f"/api/v1/proposals/{proposal.pk}/"

    with private_cluster() as cluster:
        url = copy_test_database(cluster, tmp_path)
        env = {**asgi_server_env, "DATABASE_URL": url, "DB_POOL_MAX_SIZE": str(POOL), "DB_POOL_TIMEOUT": "2"}
        with servers.serving(env) as server, ThreadPoolExecutor(IN_FLIGHT + WHILE_AWAY) as pool:

            def cast(token: str):
                return api_request(server, "POST", support, token=token, timeout=30)

            holder = psycopg.connect(url)  # holds the proposal's row: the supports wait in their transactions
            holder.execute("SELECT 1 FROM proposals_proposal WHERE id = %s FOR UPDATE", [proposal.pk])
            in_flight = [pool.submit(cast, token) for token in tokens[:IN_FLIGHT]]
            # Supports are committed in batches (SUPPORT_BATCH_WINDOW_MS): one batch's statement waits on the
            # lock, the other requests in it wait for the batch. Which of the two a request is in when
            # PostgreSQL stops does not change what it must answer.
            wait_for(lambda: waiting_on_locks(url) >= 1)
            assert not any(future.done() for future in in_flight)
            cluster.stop()
            with contextlib.suppress(psycopg.Error):
                holder.close()
            while_away = [pool.submit(cast, token) for token in tokens[IN_FLIGHT:]]
            answers = [future.result() for future in in_flight + while_away]

            for answer in answers:
                assert answer.status == 503, answer
                assert answer.body["error"]["code"] == "service_unavailable"
                assert answer.headers["retry-after"] == str(DATABASE_BUSY_RETRY_AFTER)

            cluster.start()
            # The pool recovers by itself: from the moment PostgreSQL is back, no request meets one of
            # the connections the restart broke.
            started = time.monotonic()
            assert api_request(server, "GET", read).status == 200
            first = time.monotonic() - started
            assert [api_request(server, "GET", read).status for _ in range(2 * POOL)] == [200] * (2 * POOL)
            # Nothing was half written: each citizen's support is there once, when they try again.
            assert [cast(token).status for token in tokens] == [201] * len(tokens)
            assert api_request(server, "GET", read).body["supports"] == len(tokens)

        with psycopg.connect(url) as db:
            rows = db.execute("SELECT count(*) FROM votes_support WHERE proposal_id = %s", [proposal.pk])
            assert rows.fetchone()[0] == len(tokens)
    print(f"PostgreSQL back: the first read was served {first:.2f} s after it accepted connections")


def test_after_an_outage_longer_than_its_reconnection_attempts_the_pool_reconnects_by_itself(
    asgi_server_env, tmp_path
):
    read = f"/api/v1/proposals/{factories.ProposalFactory().pk}/"
    # Reconnection attempts that give up after 1 s (5 s in production), so that the outage outlasts several;
    # requests wait 1 s for a connection.
    pool = {
        "DB_POOL_MAX_SIZE": "2",
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_TIMEOUT": "1",
        "DB_POOL_RECONNECT_TIMEOUT": "1",
    }
    with private_cluster() as cluster:
        url = copy_test_database(cluster, tmp_path)
        with servers.serving({**asgi_server_env, **pool, "DATABASE_URL": url}) as server:
            assert api_request(server, "GET", read).status == 200
            cluster.stop()
            answers = []

            def attempts_given_up() -> int:
                answers.append(api_request(server, "GET", read, timeout=30))
                return server.log().count("reconnection attempt in pool")

            wait_for(lambda: attempts_given_up() >= 2)
            assert {(answer.status, answer.headers["retry-after"]) for answer in answers} == {
                (503, str(DATABASE_BUSY_RETRY_AFTER))
            }

            cluster.start()
            # Without a request to ask for one, the pool connects again: it has not given up.
            wait_for(lambda: sessions(url) >= 1)
            assert api_request(server, "GET", read).status == 200
