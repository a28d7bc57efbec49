"""Django's PostgreSQL backend, whose pool's check of a connection gives up on a PostgreSQL that does not
answer.

Before a request gets a pooled connection, psycopg_pool checks it with an empty round trip
(`ConnectionPool.check_connection`, which Django passes when CONN_HEALTH_CHECKS is on). That round trip
waits without end on a PostgreSQL that is frozen or cut off: the kernel keeps the connection open, nothing
answers, and the request hangs until its client gives up (tests/test_database_frozen.py). Here it is given
up after `connect_timeout` seconds and the connection closed; the pool then hands out another or opens one
(bounded by `connect_timeout` too), until DB_POOL_TIMEOUT: 503 with Retry-After (cocreate/views.py)."""

import select
import time

import psycopg
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool = super().pool
        # psycopg_pool takes its check only when built, and Django builds it with psycopg_pool's own.
        if pool is not None and pool._check is ConnectionPool.check_connection:
            pool._check = answers_within(self.settings_dict["OPTIONS"].get("connect_timeout", 5))
        return pool


def answers_within(timeout: float):
    """psycopg_pool's check (an empty query, in the protocol's sense), failing after `timeout` seconds."""

    def check(conn: psycopg.Connection) -> None:
        pgconn = conn.pgconn
        deadline = time.monotonic() + timeout
        pgconn.send_query(b"")
        while pgconn.flush():  # 1 while some of the query is still to send
            _wait_for(conn, select.POLLOUT, deadline)
        pgconn.consume_input()
        while pgconn.is_busy():
            _wait_for(conn, select.POLLIN, deadline)
            pgconn.consume_input()
        while (result := pgconn.get_result()) is not None:
            if result.status != psycopg.pq.ExecStatus.EMPTY_QUERY:
                raise psycopg.OperationalError(result.get_error_message())

    return check


def _wait_for(conn: psycopg.Connection, event: int, deadline: float) -> None:
    poll = select.poll()
    poll.register(conn.pgconn.socket, event)
    if not poll.poll(max(0, round((deadline - time.monotonic()) * 1000))):
        conn.close()  # its query left unanswered, the connection is good for nothing else
        raise psycopg.OperationalError("PostgreSQL did not answer in time")
