"""A worker killed (SIGKILL) while a batch of supports is in its transaction: nothing that was answered is
lost, nothing is counted twice, the stored count is the rows, and the same requests sent again count once.

Deterministic, with two transactions of the test as other workers would hold them, watched in
PostgreSQL: the first ("another worker's support by Z") holds Z's support row and the proposal's row; the
worker's batch of Z's own support waits for it, so the supports sent meanwhile gather into the next batch,
parked in the worker without a transaction of their own. The second takes the proposal's row as the first
commits, so that next batch inserts its supports, then waits for the row: that is when the worker dies."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from proposals.models import Proposal
from tests.support import factories
from tests.support.servers import api_request, database_url_of, serving
from votes.models import Support

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

RUSH = 19


def until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)  # polling a condition, with a deadline


def backends(exclude: set[int]) -> list[tuple[int, str, str | None, str]]:
    """(pid, state, wait_event_type, query) of the other client connections to the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, wait_event_type, query FROM pg_stat_activity "
            "WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> ALL(%s)",
            [list(exclude)],
        )
        return cursor.fetchall()


def parked(exclude: set[int]) -> list:
    """Connections of requests that read the proposal and now wait, idle, outside any transaction."""
    return [b for b in backends(exclude) if b[1] == "idle" and "proposals_proposal" in b[3]]


def stored(proposal) -> tuple[int, int, int]:
    count, version = Proposal.objects.values_list("supports_count", "supports_version").get(pk=proposal.pk)
    return count, version, Support.objects.filter(proposal=proposal).count()


def test_a_worker_killed_mid_batch_loses_nothing_answered_and_counts_nothing_twice(asgi_server_env):
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=1000))
    z, *rushing = [factories.citizen() for _ in range(1 + RUSH)]
    tokens = {citizen.pk: Token.objects.create(user=citizen).key for citizen in [z, *rushing]}
    path = f"/api/v1/proposals/{proposal.pk}/support/"
    url = database_url_of(connection.settings_dict)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        mine = {cursor.fetchone()[0]}

    other_worker = psycopg.connect(url)  # Z's support, in flight on another worker
    holder = psycopg.connect(url)  # takes the row when the other worker commits
    mine |= {other_worker.info.backend_pid, holder.info.backend_pid}
    env = dict(asgi_server_env, DB_POOL_MAX_SIZE="0")  # a connection per request: each one is seen
    with serving(env) as server, ThreadPoolExecutor(max_workers=1 + RUSH) as pool:
        mine |= {pid for pid, *_ in backends(mine)}  # the idle server's own, if any
        other_worker.execute(
            "INSERT INTO votes_support (proposal_id, user_id, created_at) VALUES (%s, %s, now())",
            [proposal.pk, z.pk],
        )
        other_worker.execute(
            "UPDATE proposals_proposal SET supports_count = supports_count + 1, "
            "supports_version = supports_version + 1 WHERE id = %s",
            [proposal.pk],
        )
        holding = threading.Thread(
            target=lambda: holder.execute(
                "SELECT 1 FROM proposals_proposal WHERE id = %s FOR UPDATE", [proposal.pk]
            )
        )
        holding.start()
        until(lambda: sum(w == "Lock" for _pid, _s, w, _q in backends(mine - {holder.info.backend_pid})) == 1)

        def support(citizen):
            return api_request(server, "POST", path, token=tokens[citizen.pk], timeout=60)

        z_answer = pool.submit(support, z)
        until(lambda: any(w == "Lock" and "votes_support" in q for _p, _s, w, q in backends(mine)))
        answers = [pool.submit(support, citizen) for citizen in rushing]
        # Every rushing request has its connection, is idle (read its token and proposal, no
        # transaction, no lock): parked in the worker's next batch.
        until(lambda: len(parked(mine)) == RUSH)

        other_worker.commit()  # Z's support is in; the holder gets the row; the worker's batch of Z ends
        holding.join(30)
        assert z_answer.result(30).status == 200  # already supported (by the other worker)
        # The next batch inserted its supports and waits for the row: one transaction for all of them.
        until(lambda: any(w == "Lock" and "UPDATE" in q for _p, _s, w, q in backends(mine)))
        assert sum(w == "Lock" for _p, _s, w, _q in backends(mine)) == 1
        server.process.kill()
        server.process.wait(30)
        for answer in answers:
            with pytest.raises(OSError):
                answer.result(30)  # no answer: the worker died

    holder.rollback()
    holder.close()
    other_worker.close()
    until(lambda: not backends(mine))  # the dead worker's transactions rolled back
    assert stored(proposal) == (1, 1, 1)

    # The clients send again, to a new worker: each support counts once.
    with serving(env) as server:
        again = [api_request(server, "POST", path, token=tokens[c.pk]) for c in [z, *rushing]]
    assert [answer.status for answer in again] == [200] + [201] * RUSH
    assert stored(proposal) == (1 + RUSH, 1 + RUSH, 1 + RUSH)
