"""Setting supports aside while citizens support and withdraw, from real threads on real PostgreSQL
connections: afterwards the stored count is the valid rows, the tallies are what counting the rows again
gives, no support is lost or counted twice, and the promise agrees with the count.

The test holds the proposal's row while every thread starts, so that they all pile up on the locks
together (the invalidations on the support rows and the tallies they took first, the supports and
withdrawals behind them), then lets them go. With group commit on, withdrawals are deleted in batches
whose order PostgreSQL does not promise: a deadlock with an invalidation is possible, the invalidation
then runs again, and a batch chosen as the victim is answered as a lost connection, which its client
sends again (as here)."""

import pytest

from cocreate.addresses import address_hash
from cocreate.exceptions import Conflict
from proposals.models import AuditEntry, Proposal
from tests.support import factories
from tests.support.db import run_while_held
from votes.invalidations import supports_invalidate
from votes.models import Invalidation, Support, SupportTally
from votes.services import support_add, support_withdraw
from votes.tallies import tallies_rebuild

HOME, CAFE = address_hash("203.0.113.9"), address_hash("198.51.100.7")
THRESHOLD = 30


def read(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_related("consultation").get(pk=proposal.pk)


def citizens(n: int, domain: str) -> list:
    made = [factories.citizen() for _ in range(n)]
    for citizen in made:
        citizen.email = f"{citizen.username}@{domain}"
        citizen.save(update_fields=["email"])
    return made


def tallies(proposal) -> dict:
    rows = SupportTally.objects.filter(proposal=proposal).values_list("kind", "key", "supports", "invalid")
    return {(kind, key): (valid, invalid) for kind, key, valid, invalid in rows if valid or invalid}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch_window_ms", [0, 2])
def test_setting_aside_races_supports_and_withdrawals_and_everything_adds_up(settings, batch_window_ms):
    settings.SUPPORT_BATCH_WINDOW_MS = batch_window_ms
    official = factories.official()
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=THRESHOLD))
    copy = read(proposal)
    spam, honest = citizens(20, "spam.example"), citizens(15, "example.org")
    for i, citizen in enumerate(spam + honest):
        support_add(user=citizen, proposal=copy, address_hash=CAFE if i % 3 == 0 else HOME)
    assert read(proposal).threshold_reached_at is not None
    new_spam, new_honest = citizens(6, "spam.example"), citizens(6, "example.org")
    leaving = spam[:6] + honest[:6]

    def add(citizen, where):
        return lambda: support_add(user=citizen, proposal=copy, address_hash=where)

    def withdraw(citizen):
        return lambda: support_withdraw(user=citizen, proposal=copy)

    def invalidate(**criteria):
        return lambda: supports_invalidate(actor=official, proposal=copy, reason="Fraud.", **criteria)

    calls = [
        invalidate(domains=["spam.example"]),
        invalidate(address_hashes=[CAFE]),
        *(add(c, CAFE if i % 2 else HOME) for i, c in enumerate(new_spam + new_honest)),
        *(withdraw(c) for c in leaving),
    ]
    outcomes, victims = run_while_held(
        lambda: Proposal.objects.select_for_update().get(pk=proposal.pk), calls, waiters=4
    )

    # One by one, every writer takes its locks in the same order: no deadlock, nothing to send again.
    if not batch_window_ms:
        assert victims == []
    # Every call ended as it may: an invalidation may find nothing left to set aside, nothing else fails.
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(e, Conflict) and e.code == "nothing_to_set_aside" for e in errors), errors
    assert not isinstance(outcomes[0], Exception) or not isinstance(outcomes[1], Exception)

    # No support lost or counted twice: the rows are the supporters who stayed and those who came.
    rows = Support.objects.filter(proposal=proposal)
    expected = {c.pk for c in spam + honest + new_spam + new_honest} - {c.pk for c in leaving}
    assert sorted(rows.values_list("user", flat=True)) == sorted(expected)
    stored = read(proposal)
    assert stored.supports_count == rows.filter(invalidation=None).count()
    # Only supports the criteria matched were set aside, each by an invalidation that counted it.
    set_aside = rows.exclude(invalidation=None)
    assert all(s.email_domain == "spam.example" or s.address_hash == CAFE for s in set_aside)
    for invalidation in Invalidation.objects.filter(proposal=proposal):
        assert invalidation.set_aside >= set_aside.filter(invalidation=invalidation).count()
    # Every spam support there before the invalidations and still there is set aside.
    assert not rows.filter(invalidation=None, user__in=[c.pk for c in spam]).exists()

    kept = tallies(proposal)
    tallies_rebuild(proposal_id=proposal.pk)
    assert kept == tallies(proposal)

    # The promise agrees with the count, and the history with the promise.
    if stored.supports_count >= THRESHOLD:
        assert stored.threshold_reached_at is not None
    history = AuditEntry.objects.filter(proposal=proposal)
    made = history.filter(action=AuditEntry.Action.THRESHOLD_REACHED).count()
    withdrawn = history.filter(action=AuditEntry.Action.THRESHOLD_WITHDRAWN).count()
    assert made - withdrawn == (1 if stored.threshold_reached_at else 0)
    assert history.filter(action=AuditEntry.Action.SUPPORTS_SET_ASIDE).count() == Invalidation.objects.count()
