"""Many citizens supporting at once, the threshold crossed in the middle, with withdrawals and repeated
clicks mixed in: the promise is made exactly once and the count stays exact.

Real threads on real PostgreSQL connections, started together by a barrier; the proposal's row lock is
what orders them. No sleeps: the assertions are on the committed state and the events sent."""

import threading

import pytest
from django.db import connections

from proposals.live.broadcasts import consultation_group
from proposals.models import AuditEntry, Proposal, Status
from tests.support import factories
from tests.support.group_listener import GroupListener
from votes.models import Support
from votes.services import support_add, support_withdraw

THRESHOLD = 10
ALREADY = 3  # supporters before the race, who all withdraw during it
NEWCOMERS = 12  # distinct citizens supporting during the race
REPEATS = 4  # newcomers who click twice at once: their second click changes nothing


def events_until(listener: GroupListener, version: int) -> list[dict]:
    """The events up to the count at `version` and the crossing's two (in any order: the commits of
    concurrent transactions announce in any order); TimeoutError if they do not all come."""
    events: list[dict] = []
    kinds = {"proposal.status_changed", "proposal.threshold_reached"}
    while not (kinds <= {e["type"] for e in events} and version in {e.get("version") for e in events}):
        events += listener.events(1)
    return events


@pytest.mark.django_db(transaction=True)
def test_the_threshold_is_reached_once_whatever_the_interleaving():
    page = factories.consultation(support_threshold=THRESHOLD)
    proposal = factories.ProposalFactory(consultation=page)
    earlier = [factories.citizen() for _ in range(ALREADY)]
    for citizen in earlier:
        support_add(user=citizen, proposal=proposal)
    newcomers = [factories.citizen() for _ in range(NEWCOMERS)]
    calls = [(support_withdraw, citizen) for citizen in earlier]
    calls += [(support_add, citizen) for citizen in newcomers]
    calls += [(support_add, citizen) for citizen in newcomers[:REPEATS]]
    proposal = Proposal.objects.select_related("consultation").get(pk=proposal.pk)  # as the view reads it

    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(service, citizen):
        try:
            barrier.wait(timeout=60)
            service(user=citizen, proposal=proposal)
        except BaseException as error:  # noqa: BLE001 - reported to the main thread
            errors.append(error)
        finally:
            connections.close_all()

    # The events of the race: the count's, up to one per change (supports that shared a transaction share
    # one event, votes.batching), and the crossing's status and promise.
    changed = len(calls) - REPEATS
    version = ALREADY + changed
    with GroupListener(consultation_group(page.pk)) as listener:
        threads = [threading.Thread(target=run, args=call) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
        assert errors == []
        events = events_until(listener, version)

    proposal.refresh_from_db()
    final = ALREADY + NEWCOMERS - ALREADY
    assert proposal.supports_count == final == Support.objects.filter(proposal=proposal).count()
    # Every change of the count bumped the version once; the repeats changed nothing.
    assert proposal.supports_version == version
    assert proposal.threshold_reached_at is not None and proposal.response_due_at is not None
    assert proposal.status == Status.AWAITING_RESPONSE
    audit = AuditEntry.objects.filter(proposal=proposal)
    assert audit.filter(action=AuditEntry.Action.THRESHOLD_REACHED).count() == 1
    changes = audit.filter(action=AuditEntry.Action.STATUS_CHANGED)
    assert [(c.from_value, c.to_value) for c in changes] == [("open", "awaiting_response")]

    kinds = [event["type"] for event in events]
    assert 1 <= kinds.count("proposal.support_changed") <= changed
    assert kinds.count("proposal.status_changed") == 1
    [reached] = [event for event in events if event["type"] == "proposal.threshold_reached"]
    assert reached["response_due_at"] == proposal.response_due_at.isoformat()
    # The newest event carries the final count.
    newest = max((e for e in events if e["type"] == "proposal.support_changed"), key=lambda e: e["version"])
    assert newest["supports"] == final
