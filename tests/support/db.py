"""Looking into PostgreSQL from a test: who waits on whom."""

from django.db import connection


def someone_waits_on_a_lock() -> bool:
    """Whether another connection to the test database is waiting on a lock now."""
    return waiting_on_locks() > 0


def waiting_on_locks() -> int:
    """How many other connections to the test database are waiting on a lock now."""
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps serving its first snapshot of the activity view.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]
