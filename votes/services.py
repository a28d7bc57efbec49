"""Supports: add and withdraw. The unique constraint keeps one support per citizen per proposal; the count
moves in the same transaction by one atomic UPDATE, which is also what locks the proposal's row (and orders
supports against a moderator hiding it), and the new absolute count goes live after commit.

A popular proposal gets its supports all at once and each of them waits for that one row, which stays
locked from the UPDATE to the end of the commit: so the UPDATE is the transaction's last statement, after
the support and the follow rows. Locking the row first, as a SELECT FOR UPDATE would, kept it through every
statement of the transaction, each a round trip from a busy worker (docs/performance.md has the figures).

A support is three statements (the support row, the follow row, the count), a withdrawal two, in plain
SQL where the ORM has no form for them: an insert that says whether it inserted (`ON CONFLICT DO NOTHING
RETURNING`, no savepoint), a delete without the ORM's read before it, and an update that returns what it
wrote (`UPDATE ... RETURNING`). All run on PostgreSQL and on SQLite (3.35 or later).

On PostgreSQL the supports and withdrawals of one proposal that a worker receives together share one
transaction (group commit, votes.batching): a batch is the same statements, each once for all of them
(the support rows from an array, their follows, one count update by the net change), so the row is locked
once per batch instead of once per support, and each request is still answered the figures of its own
turn. A batch of one, SQLite, and a caller's own transaction take the single path."""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError, refuse
from proposals import notifications, participation, permissions, search
from proposals.live import events
from proposals.live.broadcasts import broadcast_on_commit
from proposals.models import Proposal, Visibility
from proposals.services import merged_refusal, proposal_reach_threshold

from . import tallies
from .batching import BatchTimeout, GroupCommit
from .models import SupportReview
from .tallies import Facts


@dataclass(frozen=True)
class SupportResult:
    proposal_id: int
    supports: int
    version: int
    changed: bool  # False when the call found things already as asked (idempotent repeat)


def _check_may_change(user, proposal: Proposal) -> None:
    """Before the transaction, on the caller's copy: the citizen may take part, and the proposal takes
    supports (permissions.support_change_refusal). The proposal's state is checked again when the count
    moves."""
    refuse(permissions.support_change_refusal(user, proposal), _REFUSALS)


def _not_published() -> Conflict:
    return Conflict(_("This proposal cannot be supported."), code="proposal_not_published")


def _no_such_proposal() -> NotFound:
    return NotFound(_("No such proposal."))


def _check_published(visibility: str) -> None:
    if visibility != Visibility.PUBLISHED:
        raise _not_published()


def _withdrawn() -> Conflict:
    return Conflict(
        _("Its author withdrew this proposal: it takes no new supports."), code=permissions.PROPOSAL_WITHDRAWN
    )


def _closed() -> Conflict:
    return Conflict(
        _("This consultation is closed: supports can no longer change."), code="consultation_closed"
    )


# The support row, unless the citizen already supports the proposal: then no row, and no error that would
# need a savepoint to keep the transaction usable.
_INSERT_SUPPORT = """
    INSERT INTO votes_support (proposal_id, user_id, created_at, address_hash, email_domain, joined_on)
    VALUES (%s, %s, %s, %s, %s, %s)
    ON CONFLICT (proposal_id, user_id) DO NOTHING RETURNING id"""

# The count and version moved by the database's own arithmetic on the row as it is once locked, only while
# the proposal is published, not withdrawn by its author unless no support is added (the parameter after
# the visibility: withdrawals only), not merged into another (votes.merging moved its supports), and its
# consultation is live and open at `at`; what it wrote, the
# promise's state, and the consultation's threshold as committed now.
_MOVE_COUNT = """
    UPDATE proposals_proposal
    SET supports_count = supports_count + %s, supports_version = supports_version + %s
    WHERE id = %s AND visibility = %s AND (withdrawn_at IS NULL OR %s) AND merged_into_id IS NULL
    AND EXISTS (
        SELECT 1 FROM cms_consultationpage c JOIN wagtailcore_page w ON w.id = c.page_ptr_id
        WHERE c.page_ptr_id = proposals_proposal.consultation_id
            AND w.live AND c.opens_at <= %s AND c.closes_at > %s)
    RETURNING supports_count, supports_version, status, threshold_reached_at IS NULL,
        (SELECT support_threshold FROM cms_consultationpage c
         WHERE c.page_ptr_id = proposals_proposal.consultation_id)"""


# The citizen's support row, if any, and what the tallies counted of it (no model signal listens to a
# support's deletion, so no need for the ORM's read of the rows before it deletes them).
_DELETE_SUPPORT = """
    DELETE FROM votes_support WHERE proposal_id = %s AND user_id = %s
    RETURNING user_id, invalidation_id IS NULL, created_at, joined_on, email_domain, address_hash"""


def _insert_support(proposal: Proposal, user, address_hash: str | None) -> Facts | None:
    """What the new support row records, or None when the citizen already supports the proposal."""
    facts = Facts.of(user, at=timezone.now(), address_hash=address_hash)
    created_at = connection.ops.adapt_datetimefield_value(facts.created_at)
    row = [proposal.pk, user.pk, created_at, address_hash, facts.email_domain, facts.joined_on]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SUPPORT, row)
        return facts if cursor.fetchone() is not None else None


def _delete_support(proposal: Proposal, user) -> tuple[bool, Facts] | None:
    """Whether the deleted support counted (it was not set aside) and what it recorded; None if there was no
    support to delete."""
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_SUPPORT, [proposal.pk, user.pk])
        row = cursor.fetchone()
    return None if row is None else _deleted(row)[1:]


def _deleted(row) -> tuple[int, bool, Facts]:
    user_id, valid, *facts = row
    return user_id, bool(valid), Facts(*facts)


def _tallies_less(changes: tallies.Changes, valid: bool, facts: Facts) -> None:
    changes.add(facts, valid=-int(valid), invalid=-int(not valid))


def _move_count(
    proposal: Proposal, delta: int, *, changes: int = 1, peak_above: int | None = None
) -> SupportResult:
    """Call inside the transaction that inserted or deleted the support row, as its last statement: from
    the UPDATE to the commit the proposal's row is this transaction's, so a support that waited for the
    row adds to what its predecessor committed. PostgreSQL checks the WHERE again on the row as it is once
    locked, so a proposal hidden while this support waited is not updated and the support is refused (the
    caller's transaction rolls back). The consultation is checked as that statement found it, at the time
    it started: a support sent before the consultation closed counts, however long it waited for the row.

    A batch moves the count by its net `delta` and the version by its `changes`. `peak_above`: how far
    above the final count the batch's supports took it, each right after its own change (above 0 when
    withdrawals followed them), None when no support was added: one support that reached the threshold
    makes the promise, as one by one. A single support is a batch of one (0, or None for a withdrawal)."""
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        withdrawals_only = peak_above is None
        cursor.execute(
            _MOVE_COUNT, [delta, changes, proposal.pk, Visibility.PUBLISHED.value, withdrawals_only, at, at]
        )
        moved = cursor.fetchone()
    if moved is None:
        _refuse(proposal)
    supports, version, status, unreached, threshold = moved
    broadcast_on_commit(
        proposal.consultation_id,
        events.support_changed(proposal_id=proposal.pk, supports=supports, version=version),
    )
    # After the count's event: pages hear of the new count first, then of the promise it made. Under the
    # lock, so the promise is made exactly once however many supports arrive together.
    if peak_above is not None and unreached and supports + peak_above >= threshold:
        proposal.supports_count, proposal.supports_version, proposal.status = supports, version, status
        proposal.threshold_reached_at = None
        proposal.consultation.support_threshold = threshold
        proposal_reach_threshold(proposal=proposal, supports=supports + peak_above)
    search.index_on_commit(proposal.pk)
    return SupportResult(proposal.pk, supports, version, changed=True)


def _refuse(proposal: Proposal):
    """The count did not move: say why (the caller's transaction then rolls back)."""
    found = (
        Proposal.objects.filter(pk=proposal.pk)
        .values_list("visibility", "withdrawn_at", "merged_into")
        .first()
    )
    if found is None:
        raise _no_such_proposal()
    visibility, withdrawn_at, merged_into = found
    _check_published(visibility)
    if merged_into is not None:  # merged while this support waited for the row
        raise merged_refusal()
    if withdrawn_at is not None:  # withdrawn while this support waited for the row
        raise _withdrawn()
    raise _closed()  # published and not withdrawn, so its consultation was not open


def _current(proposal: Proposal) -> SupportResult:
    """Nothing changed: the count and version last committed, read without locking the row."""
    supports, version, visibility, merged_into = Proposal.objects.values_list(
        "supports_count", "supports_version", "visibility", "merged_into"
    ).get(pk=proposal.pk)
    _check_published(visibility)
    if merged_into is not None:  # its supports went with it: one withdrawn now is withdrawn there
        raise merged_refusal()
    return SupportResult(proposal.pk, supports, version, changed=False)


def _add_one(user, proposal: Proposal, address_hash: str | None) -> SupportResult:
    with transaction.atomic():
        facts = _insert_support(proposal, user, address_hash)
        if facts is None:
            return _current(proposal)
        # Supporting follows by default (withdrawing does not unfollow); a follow already there is kept.
        notifications.follow_ensure(user=user, proposal=proposal)
        changes = tallies.Changes()
        changes.add(facts, valid=1)
        tallies.tallies_move(proposal_id=proposal.pk, changes=changes)
        return _move_count(proposal, +1, peak_above=0)


def _withdraw_one(user, proposal: Proposal) -> SupportResult:
    with transaction.atomic():
        if connection.vendor != "postgresql":
            # PostgreSQL deletes a support's review requests with it (votes 0005); the demo's SQLite cannot
            # be told to, so they go first.
            SupportReview.objects.filter(support__proposal=proposal, support__user=user).delete()
        deleted = _delete_support(proposal, user)
        if deleted is None:
            return _current(proposal)
        valid, facts = deleted
        changes = tallies.Changes()
        _tallies_less(changes, valid, facts)
        tallies.tallies_move(proposal_id=proposal.pk, changes=changes)
        if not valid:  # a support set aside was not counted: the count stays as it is
            return dataclasses.replace(_current(proposal), changed=True)
        return _move_count(proposal, -1)


# --- Group commit (votes.batching) ----------------------------------------------------------------------
#
# In a rush on one proposal, every support waits for its row; the supports that one worker receives at
# the same moment share one transaction instead: one insert of all their rows, one delete, one insert of
# the follows, one count update, one commit, one broadcast of the final count. Each request still gets the
# count and version as they were right after its own change.

# The supports of a batch whose citizens do not support the proposal yet (one statement, whatever their
# number); in the order of the users' ids, as every batch does, so that two workers' batches wait for each
# other's rows in one order rather than in a deadlock.
_INSERT_SUPPORTS = """
    INSERT INTO votes_support (proposal_id, created_at, user_id, address_hash, email_domain, joined_on)
    SELECT %s, %s, new.* FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::date[])
        AS new(user_id, address_hash, email_domain, joined_on) ORDER BY user_id
    ON CONFLICT (proposal_id, user_id) DO NOTHING RETURNING user_id"""

_DELETE_SUPPORTS = """
    DELETE FROM votes_support WHERE proposal_id = %s AND user_id = ANY(%s::bigint[])
    RETURNING user_id, invalidation_id IS NULL, created_at, joined_on, email_domain, address_hash"""


@dataclass(frozen=True)
class _Change:
    add: bool  # a support, or its withdrawal
    user: object
    proposal: Proposal
    address_hash: str | None = None  # where a support came from (cocreate.addresses)


def _run_batch(changes: Sequence[_Change]) -> list[SupportResult]:
    """The results of `changes` to one proposal, in arrival order, each citizen at most once (the batcher
    sees to it), as if made one after the other: in one transaction on this thread's connection. A batch
    of one takes the single path (SQLite has no arrays; one support needs none)."""
    if len(changes) == 1:
        [change] = changes
        if change.add:
            return [_add_one(change.user, change.proposal, change.address_hash)]
        return [_withdraw_one(change.user, change.proposal)]
    proposal = changes[0].proposal  # the leader's copy
    with transaction.atomic():
        moves = tallies.Changes()
        added = _insert_supports(proposal, [c for c in changes if c.add], moves)
        withdrawn = _delete_supports(proposal, [c.user.pk for c in changes if not c.add], moves)
        if added:
            notifications.follows_ensure(user_ids=sorted(added), proposal=proposal)
        tallies.tallies_move(proposal_id=proposal.pk, changes=moves)
        # A support set aside (votes.invalidations) was not counted: withdrawing it leaves the count.
        deltas = [
            int(c.user.pk in added) if c.add else -int(withdrawn.get(c.user.pk, False)) for c in changes
        ]
        if not any(deltas):
            return [_current(proposal)] * len(changes)
        after = _after_each(deltas)
        # The count a support reached is the final one less the changes after it: the highest of them.
        reached = [-later for (later, _n), d in zip(after, deltas, strict=True) if d > 0]
        peak_above = max(reached, default=None)
        final = _move_count(proposal, sum(deltas), changes=sum(d != 0 for d in deltas), peak_above=peak_above)
    # A repeat is answered the figures of its turn too, as one by one (it read them, unlocked, then).
    return [
        SupportResult(proposal.pk, final.supports - later, final.version - n, changed=delta != 0)
        for (later, n), delta in zip(after, deltas, strict=True)
    ]


def _after_each(deltas: list[int]) -> list[tuple[int, int]]:
    """For each change of a batch (its delta: +1, -1, or 0 when it changed nothing), what the changes
    after it moved: the count's net delta and the version's bumps. Its own figures are the final ones less
    these."""
    after: list[tuple[int, int]] = []
    later_delta = later_changes = 0
    for delta in reversed(deltas):
        after.append((later_delta, later_changes))
        later_delta, later_changes = later_delta + delta, later_changes + (delta != 0)
    return after[::-1]


def _insert_supports(proposal: Proposal, supports: list[_Change], moves: tallies.Changes) -> set[int]:
    """The ids of the users whose support row was inserted, their facts added to `moves`."""
    if not supports:
        return set()
    at = timezone.now()
    facts = {c.user.pk: Facts.of(c.user, at=at, address_hash=c.address_hash) for c in supports}
    columns = [
        list(facts),
        [f.address_hash for f in facts.values()],
        [f.email_domain for f in facts.values()],
        [f.joined_on for f in facts.values()],
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_SUPPORTS, [proposal.pk, connection.ops.adapt_datetimefield_value(at), *columns]
        )
        added = {user_id for (user_id,) in cursor.fetchall()}
    for user_id in added:
        moves.add(facts[user_id], valid=1)
    return added


def _delete_supports(proposal: Proposal, user_ids: list[int], moves: tallies.Changes) -> dict[int, bool]:
    """The ids of the users whose support row was deleted, each with whether it counted; what the rows
    recorded taken away in `moves`."""
    if not user_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_SUPPORTS, [proposal.pk, sorted(user_ids)])
        deleted = [_deleted(row) for row in cursor.fetchall()]
    for _user_id, valid, facts in deleted:
        _tallies_less(moves, valid, facts)
    return {user_id: valid for user_id, valid, _facts in deleted}


# The refusals of a support or its withdrawal, each under the code of the error it makes, in the
# language of the request: those of permissions.support_change_refusal (cocreate.exceptions.refuse), and
# those a batch meets, which each request of the batch words again (the leader's thread raised it in the
# leader's language).
_REFUSALS = {
    permissions.EMAIL_UNVERIFIED: lambda: NotAllowed(
        _("Confirm your e-mail address before supporting proposals."), code="email_unverified"
    ),
    permissions.PROPOSAL_NOT_PUBLISHED: _not_published,
    permissions.CONSULTATION_CLOSED: _closed,
    permissions.PROPOSAL_WITHDRAWN: _withdrawn,
    permissions.PROPOSAL_MERGED: merged_refusal,
    "not_found": _no_such_proposal,
}


def _batch_window() -> float:
    return getattr(settings, "SUPPORT_BATCH_WINDOW_MS", 0) / 1000


_batches = GroupCommit(_run_batch, window=_batch_window, max_size=64, wait_timeout=30.0)


def _change(change: _Change) -> SupportResult:
    """Batched when the database can (PostgreSQL), batching is on, and the caller has no transaction of
    its own: a change made inside the caller's transaction must commit or roll back with it."""
    _check_may_change(change.user, change.proposal)
    if not _batch_window() or connection.vendor != "postgresql" or connection.in_atomic_block:
        return _run_batch([change])[0]
    try:
        return _batches.submit(change.proposal.pk, change.user.pk, change)
    except ServiceError as refusal:
        if refusal.code not in _REFUSALS:
            raise
        raise _REFUSALS[refusal.code]() from None
    except BatchTimeout as timeout:
        # As if the database had not answered (cocreate.views.database_unavailable): a 503, try again.
        raise OperationalError(str(timeout)) from psycopg.OperationalError(str(timeout))


def support_add(*, user, proposal: Proposal, address_hash: str | None = None) -> SupportResult:
    """`proposal` as the caller read it (its consultation too). A new support also asks what the
    consultation asks (its participation_level); a withdrawal never does, and supports already given count.
    `address_hash`: the keyed hash of the client address (cocreate.addresses), for the fraud review."""
    level_errors = participation.level_errors(user, proposal.consultation, action="support")
    refuse(permissions.support_refusal(user, proposal), {**_REFUSALS, **level_errors})
    return _change(_Change(add=True, user=user, proposal=proposal, address_hash=address_hash))


def support_withdraw(*, user, proposal: Proposal) -> SupportResult:
    return _change(_Change(add=False, user=user, proposal=proposal))
