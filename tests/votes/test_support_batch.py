"""Group commit of supports (votes.services over votes.batching): a batch of supports and withdrawals to one
proposal ends exactly as the same requests one after the other would, in one transaction: the same count,
the same figures answered to each request, the promise made once, a refusal for all of them.

The batches of the first tests are made by hand (the batcher's own rules are tests/votes/test_batching.py);
the last test lets real threads gather into batches against real PostgreSQL connections."""

import threading
import time

import pytest
from django.db import connections, transaction
from django.utils import translation

from cocreate.exceptions import Conflict
from proposals.models import AuditEntry, Proposal, Status, Visibility
from tests.support import factories
from tests.support.broadcasts import broadcast_events
from tests.support.db import someone_waits_on_a_lock
from votes import services
from votes.models import Support
from votes.services import support_add, support_withdraw

ADD, WITHDRAW = True, False


def read(proposal: Proposal) -> Proposal:
    """The proposal as the support view reads it (its consultation too)."""
    return Proposal.objects.select_related("consultation").get(pk=proposal.pk)


def figures(results) -> list[tuple[int, int, bool]]:
    return [(r.supports, r.version, r.changed) for r in results]


def one_by_one(proposal: Proposal, plan) -> list:
    return [(support_add if add else support_withdraw)(user=user, proposal=proposal) for add, user in plan]


def as_a_batch(proposal: Proposal, plan) -> list:
    proposal = read(proposal)
    return services._run_batch([services._Change(add, user, proposal) for add, user in plan])


def supported_by(n: int, *proposals: Proposal) -> list:
    citizens = [factories.citizen() for _ in range(n)]
    for proposal in proposals:
        one_by_one(proposal, [(ADD, citizen) for citizen in citizens])
    return citizens


def stored(proposal: Proposal) -> tuple[int, int, int]:
    """The stored count and version, and the support rows."""
    count, version = Proposal.objects.values_list("supports_count", "supports_version").get(pk=proposal.pk)
    return count, version, Support.objects.filter(proposal=proposal).count()


@pytest.mark.django_db
def test_a_batch_with_repeats_and_withdrawals_ends_as_one_by_one(django_capture_on_commit_callbacks):
    consultation = factories.consultation(support_threshold=1000)
    batched, alone = (factories.ProposalFactory(consultation=consultation) for _ in range(2))
    earlier = supported_by(3, batched, alone)
    new = [factories.citizen() for _ in range(4)]
    plan = [
        (ADD, new[0]),
        (ADD, earlier[0]),  # already supports: changes nothing
        (WITHDRAW, earlier[1]),
        (ADD, new[1]),
        (WITHDRAW, new[2]),  # never supported: changes nothing
        (ADD, new[3]),
        (WITHDRAW, earlier[2]),
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        results = as_a_batch(batched, plan)

    assert figures(results) == figures(one_by_one(alone, plan))
    assert figures(results) == [
        (4, 4, True),
        (4, 4, False),  # a repeat is answered the figures of its turn
        (3, 5, True),
        (4, 6, True),
        (4, 6, False),
        (5, 7, True),
        (4, 8, True),
    ]
    assert stored(batched) == (4, 8, 4) == stored(alone)
    # One announcement for the batch, of its final figures (events carry state, not changes).
    assert broadcast_events(callbacks) == [
        {"type": "proposal.support_changed", "proposal": batched.pk, "supports": 4, "version": 8}
    ]
    follows = set(batched.follows.values_list("user_id", flat=True))
    assert follows == {citizen.pk for citizen in [*earlier, new[0], new[1], new[3]]}


@pytest.mark.django_db
def test_a_batch_that_crosses_the_threshold_makes_the_promise_once():
    """Even when withdrawals later in the batch take the count back below it, as one by one would."""
    consultation = factories.consultation(support_threshold=5)
    batched, alone = (factories.ProposalFactory(consultation=consultation) for _ in range(2))
    earlier = supported_by(3, batched, alone)
    new = [factories.citizen() for _ in range(4)]
    plan = [(ADD, new[0]), (ADD, new[1]), (WITHDRAW, earlier[0]), (WITHDRAW, earlier[1])]

    assert figures(as_a_batch(batched, plan)) == figures(one_by_one(alone, plan))
    assert figures(as_a_batch(batched, [(ADD, new[2]), (ADD, new[3])])) == [(4, 8, True), (5, 9, True)]

    for proposal in (batched, alone):
        proposal.refresh_from_db()
        assert proposal.threshold_reached_at is not None and proposal.status == Status.AWAITING_RESPONSE
        promises = AuditEntry.objects.filter(proposal=proposal, action=AuditEntry.Action.THRESHOLD_REACHED)
        assert promises.count() == 1
    assert stored(batched) == (5, 9, 5)


@pytest.mark.django_db
def test_a_batch_below_the_threshold_makes_no_promise():
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=5))
    earlier = supported_by(3, proposal)
    as_a_batch(proposal, [(WITHDRAW, earlier[0]), (ADD, factories.citizen()), (ADD, factories.citizen())])
    proposal.refresh_from_db()
    assert proposal.supports_count == 4 and proposal.threshold_reached_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["hidden", "closed"])
def test_a_batch_refused_under_the_lock_refuses_every_change_and_writes_nothing(change):
    proposal = factories.ProposalFactory()
    earlier = supported_by(2, proposal)
    plan = [(ADD, factories.citizen()), (WITHDRAW, earlier[0]), (ADD, earlier[1]), (ADD, factories.citizen())]
    copy = read(proposal)  # read before the change, as a request waiting for the row would have
    if change == "hidden":
        Proposal.objects.filter(pk=proposal.pk).update(visibility=Visibility.HIDDEN)
    else:
        page = copy.consultation
        type(page).objects.filter(pk=page.pk).update(closes_at=page.opens_at)
    with pytest.raises(Conflict) as refused:
        services._run_batch([services._Change(add, user, copy) for add, user in plan])
    assert refused.value.code == {"hidden": "proposal_not_published", "closed": "consultation_closed"}[change]
    assert stored(proposal) == (2, 2, 2)


def run_in_threads(calls) -> list:
    """Each (service, user, proposal) from a thread of its own, started in this order; their outcomes."""
    outcomes: list = [None] * len(calls)

    def run(i, service, user, proposal):
        try:
            outcomes[i] = service(user=user, proposal=proposal)
        except Exception as error:  # noqa: BLE001 - the outcome the test checks
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def in_batches(proposal_id: int) -> list[list]:
    """The changes waiting in this process's batches of a proposal, batch by batch, in arrival order."""
    with services._batches._changed:
        batches = services._batches._lines.get(proposal_id, ())
        return [[entry.payload for entry in batch.entries] for batch in batches]


def until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.002)  # polling a condition, with a deadline


@pytest.mark.django_db(transaction=True)
def test_concurrent_supports_share_a_transaction_and_each_gets_its_own_exact_figures(settings):
    """While one support holds the row (the test holds it for it), the requests arriving gather into the
    next batch: one transaction for all of them, each answered the count and version of its own turn in
    arrival order, a repeat the batch's final figures; the stored count is the rows."""
    settings.SUPPORT_BATCH_WINDOW_MS = 2
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=10))
    copy = read(proposal)
    first, *rushing = [factories.citizen() for _ in range(20)]
    with transaction.atomic():
        Proposal.objects.select_for_update().get(pk=proposal.pk)
        threads, outcomes = run_in_threads([(support_add, first, copy)])
        until(someone_waits_on_a_lock)  # the first support's batch waits for the row
        more, later = run_in_threads(
            [(support_add, citizen, copy) for citizen in rushing] + [(support_add, rushing[0], copy)]
        )
        until(lambda: sum(map(len, in_batches(proposal.pk))) == 1 + len(rushing) + 1)
        waiting = in_batches(proposal.pk)
    for thread in threads + more:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads + more)

    # The first support alone, then the rest in at most two batches (the repeat starts a new one).
    assert len(waiting[0]) == 1 and 2 <= len(waiting) <= 3
    assert figures(outcomes) == [(1, 1, True)]
    clicks = list(zip(rushing + rushing[:1], later, strict=True))
    assert not [result for _citizen, result in clicks if isinstance(result, Exception)]
    # In arrival order, each citizen's support was answered the count of its own turn: 2, 3, ... 20.
    arrival = list(dict.fromkeys(change.user.pk for batch in waiting[1:] for change in batch))
    answered = {citizen.pk: result for citizen, result in clicks if result.changed}
    assert [(answered[pk].supports, answered[pk].version) for pk in arrival] == [(n, n) for n in range(2, 21)]
    # The second click changed nothing: it started the last batch, after the first click's.
    [repeat] = [result for _citizen, result in clicks if not result.changed]
    assert repeat.version >= answered[rushing[0].pk].version
    assert stored(proposal) == (20, 20, 20)
    proposal.refresh_from_db()
    assert proposal.threshold_reached_at is not None
    assert (
        AuditEntry.objects.filter(proposal=proposal, action=AuditEntry.Action.THRESHOLD_REACHED).count() == 1
    )


@pytest.mark.django_db(transaction=True)
def test_a_refusal_reaches_each_request_of_the_batch_in_its_own_language(settings):
    settings.SUPPORT_BATCH_WINDOW_MS = 2
    proposal = factories.ProposalFactory()
    copy = read(proposal)
    citizens = [factories.citizen() for _ in range(3)]

    def in_french(service):
        def call(**kwargs):
            with translation.override("fr"):
                return service(**kwargs)

        return call

    with transaction.atomic():
        Proposal.objects.select_for_update().get(pk=proposal.pk)
        threads, outcomes = run_in_threads([(support_add, citizens[0], copy)])
        until(someone_waits_on_a_lock)
        more, later = run_in_threads(
            [(support_add, citizens[1], copy), (in_french(support_add), citizens[2], copy)]
        )
        until(lambda: sum(map(len, in_batches(proposal.pk))) == 3)
        Proposal.objects.filter(pk=proposal.pk).update(visibility=Visibility.HIDDEN)
    for thread in threads + more:
        thread.join(30)
    assert all(isinstance(outcome, Conflict) for outcome in outcomes + later)
    english, french = later
    assert english.code == french.code == "proposal_not_published"
    assert english.message == "This proposal cannot be supported."
    with translation.override("fr"):
        assert french.message == str(services._not_published().message) != english.message
    assert stored(proposal) == (0, 0, 0)
