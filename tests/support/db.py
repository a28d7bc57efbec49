"""Looking into PostgreSQL from a test: who waits on whom, and two requests made to wait on each other."""

import threading
import time

from django.db import OperationalError, connection, connections, transaction


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


def race(first, second) -> dict[str, object]:
    """Run `first` in a transaction that stays open until PostgreSQL shows `second` (in another thread and
    connection) waiting on its lock; then commit. Deterministic, no sleeps. What `second` returned
    (`result`) or raised (`error`). Call from a `django_db(transaction=True)` test."""
    outcome: dict[str, object] = {}

    def other_request():
        try:
            outcome["result"] = second()
        except Exception as error:  # noqa: BLE001 - reported to the main thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_request)
    with transaction.atomic():
        first()
        thread.start()
        for _ in range(100_000):
            if someone_waits_on_a_lock() or not thread.is_alive():
                break
    thread.join(timeout=60)
    assert not thread.is_alive()
    return outcome


def retried(call, victims: list):
    """As a client does with a 503: a transaction PostgreSQL chose as a deadlock's victim (or a batch that
    waited too long) is sent again, up to five times; each failure is kept in `victims`."""
    for _attempt in range(5):
        try:
            return call()
        except OperationalError as error:
            victims.append(error)
            time.sleep(0.01)
    return call()


def run_together(calls, victims: list) -> tuple[list[threading.Thread], list]:
    """Start each call in its own thread and connection (`retried`); returns the threads, and the list
    their outcomes fill in, in the order of `calls`: what each returned, or the exception it raised."""
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            outcomes[i] = retried(call, victims)
        except Exception as error:  # noqa: BLE001 - the outcome the test checks
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def run_while_held(hold, calls, *, waiters: int) -> tuple[list, list]:
    """In a transaction, `hold` (it locks rows); then each call `run_together`, the transaction kept open
    until PostgreSQL shows `waiters` connections waiting on locks (30 s at most, and at least one must
    wait), so that the calls pile up on the locks together; then commit and let them go. What each call
    returned or raised, in the order of `calls`, and the deadlock victims sent again (`retried`). Call
    from a `django_db(transaction=True)` test."""
    victims: list = []
    with transaction.atomic():
        hold()
        threads, outcomes = run_together(calls, victims)
        deadline = time.monotonic() + 30
        while waiting_on_locks() < waiters and time.monotonic() < deadline:
            time.sleep(0.005)  # polling, with a deadline
        assert someone_waits_on_a_lock()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes, victims
