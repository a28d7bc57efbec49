"""Group commit's batcher on its own (votes.batching), no database: who ends up in which batch, in which
order, and what each request gets back, the batch's error and a leader that does not answer included.

Deterministic: a batch's run waits for the test's go, and the test waits until the requests it started
are in the batcher (a condition it checks, with a deadline), not for a while."""

import threading
import time

from votes.batching import BatchTimeout, GroupCommit

KEY = 42


class Runs:
    """The `run` of a batcher: records each batch's payloads, waits for `go` and answers payload × 10,
    or raises `error`."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.go = threading.Event()
        self.error: BaseException | None = None

    def __call__(self, payloads):
        self.batches.append(list(payloads))
        assert self.go.wait(10)
        if self.error is not None:
            raise self.error
        return [payload * 10 for payload in payloads]


class Requests:
    """Requests submitted from their own threads, as the server's request threads do."""

    def __init__(self, batcher: GroupCommit) -> None:
        self.batcher = batcher
        self.outcomes: dict[int, object] = {}
        self.threads: list[threading.Thread] = []

    def submit(self, member: str, payload: int) -> None:
        def request():
            try:
                self.outcomes[payload] = self.batcher.submit(KEY, member, payload)
            except BaseException as error:  # noqa: BLE001 - the outcome the test checks
                self.outcomes[payload] = error

        thread = threading.Thread(target=request)
        self.threads.append(thread)
        waiting = self.in_batcher()
        thread.start()
        until(lambda: self.in_batcher() > waiting or payload in self.outcomes)

    def in_batcher(self) -> int:
        with self.batcher._changed:
            return sum(len(batch.entries) for batch in self.batcher._lines.get(KEY, ()))

    def finish(self) -> dict[int, object]:
        for thread in self.threads:
            thread.join(10)
        assert not any(thread.is_alive() for thread in self.threads)
        return self.outcomes


def until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.001)  # polling a condition, with a deadline


def test_requests_arriving_while_a_batch_runs_share_the_next_one_in_arrival_order():
    runs = Runs()
    requests = Requests(GroupCommit(runs, window=lambda: 0))
    requests.submit("a", 1)
    until(lambda: runs.batches == [[1]])  # the first leads at once, alone, and its run waits
    for member, payload in [("b", 2), ("c", 3), ("d", 4)]:
        requests.submit(member, payload)
    runs.go.set()
    assert requests.finish() == {1: 10, 2: 20, 3: 30, 4: 40}
    assert runs.batches == [[1], [2, 3, 4]]


def test_the_same_member_twice_starts_the_next_batch_which_runs_after():
    """A double click, or a support then its withdrawal: each is judged after the one before it."""
    runs = Runs()
    requests = Requests(GroupCommit(runs, window=lambda: 0))
    requests.submit("a", 1)
    until(lambda: runs.batches == [[1]])
    for member, payload in [("b", 2), ("c", 3), ("b", 4), ("d", 5), ("a", 6)]:
        requests.submit(member, payload)
    runs.go.set()
    assert requests.finish() == {1: 10, 2: 20, 3: 30, 4: 40, 5: 50, 6: 60}
    assert runs.batches == [[1], [2, 3], [4, 5, 6]]


def test_a_full_batch_starts_at_once_and_the_next_request_starts_another():
    runs = Runs()
    requests = Requests(GroupCommit(runs, window=lambda: 0, max_size=2))
    requests.submit("a", 1)
    until(lambda: runs.batches == [[1]])
    for member, payload in [("b", 2), ("c", 3), ("d", 4)]:
        requests.submit(member, payload)
    runs.go.set()
    requests.finish()
    assert runs.batches == [[1], [2, 3], [4]]


def test_a_lone_request_does_not_wait_for_company():
    runs = Runs()
    runs.go.set()
    requests = Requests(GroupCommit(runs, window=lambda: 30.0))
    started = time.monotonic()
    requests.submit("a", 1)
    assert requests.finish() == {1: 10}
    assert time.monotonic() - started < 10


def test_a_busy_key_waits_for_company_up_to_the_window():
    """After a batch of several, the next leader waits for others (here until its batch is full)
    instead of starting alone."""
    runs = Runs()
    requests = Requests(GroupCommit(runs, window=lambda: 30.0, max_size=2))
    requests.submit("a", 1)
    until(lambda: runs.batches == [[1]])
    requests.submit("b", 2)
    requests.submit("c", 3)
    runs.go.set()
    until(lambda: len(requests.outcomes) == 3)
    started = time.monotonic()
    requests.submit("d", 4)
    assert runs.batches == [[1], [2, 3]]  # d waits
    requests.submit("e", 5)
    assert requests.finish() == {1: 10, 2: 20, 3: 30, 4: 40, 5: 50}
    assert runs.batches == [[1], [2, 3], [4, 5]]
    assert time.monotonic() - started < 10


def test_every_member_gets_the_batchs_error():
    runs = Runs()
    requests = Requests(GroupCommit(runs, window=lambda: 0))
    requests.submit("a", 1)
    until(lambda: runs.batches == [[1]])
    requests.submit("b", 2)
    requests.submit("c", 3)
    runs.error = LookupError("the database said no")
    runs.go.set()
    outcomes = requests.finish()
    assert all(outcome is runs.error for outcome in outcomes.values())
    assert runs.batches == [[1], [2, 3]]


def test_a_member_whose_leader_does_not_answer_gives_up_with_an_error():
    """The batch ahead hangs: the next leader runs its batch beside it after `wait_timeout`, and that
    batch hangs too: its member stops waiting after `wait_timeout` with an error instead of forever."""
    runs = Runs()
    requests = Requests(GroupCommit(runs, window=lambda: 0, wait_timeout=1.0))
    requests.submit("a", 1)
    until(lambda: runs.batches == [[1]])
    requests.submit("b", 2)
    requests.submit("c", 3)
    until(lambda: 3 in requests.outcomes)
    assert isinstance(requests.outcomes[3], BatchTimeout)
    assert runs.batches == [[1], [2, 3]]
    runs.go.set()
    assert requests.finish() == {1: 10, 2: 20, 3: requests.outcomes[3]}
