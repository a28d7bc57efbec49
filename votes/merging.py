"""Merging duplicates: an official merges proposals of one consultation into one of them (the target), with
a public reason. Each citizen's supports of the duplicates become one support of the target, so that one
who supported several counts once; their followers and comments go along (proposals.services.merging); the
duplicates are closed (no support, comment or edit: the count's UPDATE refuses them, as it refuses a
withdrawn proposal) and their pages send readers to the target.

Which support is kept: a citizen's own support of the target stays as it is; otherwise the earliest of
their supports of the duplicates comes over, with what it recorded (its time, address hash, domain and
sign-up day, so the fraud review reads the same facts) and whether it was set aside (a support set aside
stays set aside; its review request comes with it). Anonymised supports (their account deleted) all come
over: nothing says two of them were one person. The others are deleted with their review requests.

One transaction, which first takes the supports' table in SHARE ROW EXCLUSIVE mode: it waits for the
supports, withdrawals and invalidations already writing to end, and every one that starts meanwhile waits
for the merge to commit. That is what makes the moved rows, the recount and the tallies exact without
a retry loop: a row lock cannot see a support inserted after the merge's snapshot, and the support's own
order of locks (its row, the tallies, the proposal's row last) would make the merge wait for a support
that waits for the merge. The price is that supports of every proposal pause while a merge runs (its
duration: bench/merge.py), which an official's occasional action can afford. Then, in the order every
writer of supports follows: the support rows (moved in one INSERT ... SELECT, the duplicates' deleted in
one DELETE), the tallies of the proposals involved (counted again from the rows), and the proposals' rows,
locked in the order of their ids: the target's count is counted again from its valid rows, the
duplicates' become 0 (their supports count on the target; the history says how many each brought), and
each version moves so that open pages take the new figures. A support that waited for the merge is then
refused on a duplicate ("proposal_merged") by its count's UPDATE, and counted on the target as usual,
or found there already.

After commit: the counts and the merge go to open pages, the search index and the cached pages hear of
every proposal involved, and the authors get their notices. PostgreSQL only."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate.accounts.mfa import role_refused
from cocreate.exceptions import Conflict, NotFound, ServiceError
from cocreate.limits import at_most
from proposals import permissions
from proposals.live import events
from proposals.live.broadcasts import broadcast_on_commit
from proposals.models import Proposal
from proposals.services import REASON_MAX, proposal_reach_threshold
from proposals.services.merging import merge_check, merge_source_ids, proposals_merge_record

from . import tallies

logger = logging.getLogger(__name__)

DEADLOCK_RETRIES = 3


@dataclass(frozen=True)
class MergeResult:
    target: Proposal
    sources: list[Proposal]
    supports: int  # the target's count once committed
    version: int
    moved: int  # supports of the duplicates that count on the target now (set aside ones included)
    dropped: int  # supports of citizens who supported the target or another duplicate already
    promise_made: bool


def _refuse_unless_official(actor) -> None:
    if not permissions.can_merge_proposals(actor):
        raise role_refused(permissions.official_refusal(actor), _("Only officials can merge proposals."))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    problem = None if reason else _("Say why: the reason is public, in the history of each proposal.")
    if len(reason) > REASON_MAX:
        problem = at_most(REASON_MAX)
    if problem:
        raise ServiceError(
            _("Some fields need your attention."), code="invalid", fields={"reason": [problem]}
        )
    return reason


# Per citizen, the earliest of their supports of the duplicates (an anonymised support is its own), added
# to the target unless they support it already; each review request of a support that came over follows
# it. What each duplicate brought, and how many rows the duplicates had.
_MOVE_SUPPORTS = """
    WITH chosen AS (
        SELECT DISTINCT ON (coalesce(user_id, -id)) id, proposal_id, user_id, created_at, address_hash,
            email_domain, joined_on, invalidation_id
        FROM votes_support WHERE proposal_id = ANY(%(sources)s)
        ORDER BY coalesce(user_id, -id), created_at, id
    ), moved AS (
        INSERT INTO votes_support
            (proposal_id, user_id, created_at, address_hash, email_domain, joined_on, invalidation_id)
        SELECT %(target)s, user_id, created_at, address_hash, email_domain, joined_on, invalidation_id
        FROM chosen ORDER BY user_id
        ON CONFLICT (proposal_id, user_id) DO NOTHING
        RETURNING id, user_id
    ), reviews AS (
        UPDATE votes_supportreview r SET support_id = moved.id
        FROM chosen JOIN moved ON moved.user_id = chosen.user_id WHERE r.support_id = chosen.id
    )
    SELECT chosen.proposal_id, count(*) FROM chosen LEFT JOIN moved ON moved.user_id = chosen.user_id
    WHERE chosen.user_id IS NULL OR moved.id IS NOT NULL GROUP BY chosen.proposal_id"""

# The anonymised supports came over in `moved` too (no conflict can refuse them) but have no user to join
# on: each of the duplicates' counts above takes them from `chosen`.
_DROP_SUPPORTS = "DELETE FROM votes_support WHERE proposal_id = ANY(%s)"

# The target's count from its rows; the duplicates' none, closed by the merge. Versions move for all.
_RECOUNT = """
    UPDATE proposals_proposal SET supports_version = supports_version + 1, supports_count = (
        SELECT count(*) FROM votes_support WHERE proposal_id = %s AND invalidation_id IS NULL)
    WHERE id = %s RETURNING supports_count, supports_version"""
_CLOSE = """
    UPDATE proposals_proposal
    SET supports_count = 0, supports_version = supports_version + 1, merged_into_id = %s, merged_at = %s
    WHERE id = ANY(%s) RETURNING id, supports_version"""


def _move_supports(target_id: int, source_ids: list[int]) -> tuple[dict[int, int], int]:
    """What each duplicate brought, and how many support rows the duplicates had."""
    with connection.cursor() as cursor:
        cursor.execute(_MOVE_SUPPORTS, {"sources": source_ids, "target": target_id})
        brought = dict(cursor.fetchall())
        cursor.execute(_DROP_SUPPORTS, [source_ids])
        return brought, cursor.rowcount


def _locked(ids: list[int]) -> dict[int, Proposal]:
    rows = Proposal.objects.select_for_update(of=("self",)).select_related("consultation").filter(pk__in=ids)
    return {proposal.pk: proposal for proposal in rows.order_by("pk")}


def _merge(actor, target_id: int, source_ids: list[int], reason: str) -> MergeResult:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE votes_support IN SHARE ROW EXCLUSIVE MODE")
        # Read before writing, to refuse early; read again once locked, for what changed meanwhile.
        _check(target_id, source_ids, Proposal.objects.select_related("consultation"))
        brought, rows = _move_supports(target_id, source_ids)
        for proposal_id in [target_id, *source_ids]:
            tallies.tallies_rebuild(proposal_id=proposal_id)
        proposals = _locked([target_id, *source_ids])
        target, sources = _check(target_id, source_ids, proposals)
        with connection.cursor() as cursor:
            cursor.execute(_RECOUNT, [target_id, target_id])
            target.supports_count, target.supports_version = cursor.fetchone()
            now = timezone.now()
            cursor.execute(_CLOSE, [target_id, now, source_ids])
            versions = dict(cursor.fetchall())
        for source in sources:
            source.supports_count, source.supports_version = 0, versions[source.pk]
            source.merged_into_id, source.merged_at = target_id, now
        _announce_counts(target, sources)
        proposals_merge_record(actor=actor, target=target, sources=sources, reason=reason, brought=brought)
        made = proposal_reach_threshold(proposal=target, supports=target.supports_count)
    moved = sum(brought.values())
    return MergeResult(
        target, sources, target.supports_count, target.supports_version, moved, rows - moved, made
    )


def _check(target_id: int, source_ids: list[int], proposals) -> tuple[Proposal, list[Proposal]]:
    if isinstance(proposals, dict):
        found = proposals
    else:
        found = {p.pk: p for p in proposals.filter(pk__in=[target_id, *source_ids])}
    target = found.get(target_id)
    if target is None:
        raise NotFound(_("No such proposal."))
    sources = [found[pk] for pk in source_ids if pk in found]
    merge_check(target=target, sources=sources, source_ids=source_ids)
    return target, sources


def _announce_counts(target: Proposal, sources: list[Proposal]) -> None:
    """After commit, the counts of every proposal involved, each with its version (the pages drop an
    older one): the target's first, so a page that follows a duplicate to it finds it up to date."""
    for proposal in [target, *sources]:
        broadcast_on_commit(
            proposal.consultation_id,
            events.support_changed(
                proposal_id=proposal.pk, supports=proposal.supports_count, version=proposal.supports_version
            ),
        )


def _deadlocked(error: OperationalError) -> bool:
    return isinstance(error.__cause__, psycopg.errors.DeadlockDetected)


def proposals_merge(*, actor, target: Proposal, sources: Sequence, reason: str) -> MergeResult:
    """Merge `sources` (proposals or their ids) into `target`, saying why (public). Officials only, with
    their second factor (403 `forbidden` or `mfa_required`). Refuses (400) no duplicate, more than
    MERGE_SOURCES_MAX, the target among them, an empty or too long reason; (404 `source_not_found`) a
    duplicate that does not exist; (409) a duplicate of another consultation (`other_consultation`), one
    merged already (`source_merged`) or not published (`source_not_published`), and a target that is not
    published (`proposal_not_published`), withdrawn (`proposal_withdrawn`) or merged itself
    (`proposal_merged`); on another database than PostgreSQL, every merge (`merge_unavailable`). See the
    module's docstring."""
    _refuse_unless_official(actor)
    if connection.vendor != "postgresql":  # the demo's SQLite has no DISTINCT ON, arrays or table locks
        raise Conflict(_("Merging proposals needs the PostgreSQL database."), code="merge_unavailable")
    source_ids = merge_source_ids(target_id=target.pk, sources=sources)
    reason = _reason(reason)
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            return _merge(actor, target.pk, source_ids, reason)
        except OperationalError as error:
            # Every writer of supports waits behind the table lock, but a transaction holding a proposal's
            # row (a comment, a moderation) may want a support's table next: run again from the start.
            if not _deadlocked(error) or attempt == DEADLOCK_RETRIES or connection.in_atomic_block:
                raise
            logger.warning("merging into proposal %s deadlocked, attempt %s", target.pk, attempt)
    raise AssertionError("unreachable")


# What _MOVE_SUPPORTS would add to the target's count, read without writing: the supports chosen as it
# chooses them that are counted and whose citizen does not support the target yet.
_PREVIEW = """
    SELECT count(*) FILTER (WHERE invalidation_id IS NULL AND (user_id IS NULL OR NOT EXISTS (
        SELECT 1 FROM votes_support t WHERE t.proposal_id = %(target)s AND t.user_id = chosen.user_id))),
        (SELECT count(*) FROM votes_support WHERE proposal_id = ANY(%(sources)s))
    FROM (
        SELECT DISTINCT ON (coalesce(user_id, -id)) user_id, invalidation_id
        FROM votes_support WHERE proposal_id = ANY(%(sources)s)
        ORDER BY coalesce(user_id, -id), created_at, id
    ) chosen"""


@dataclass(frozen=True)
class MergePreview:
    supports: int  # the target's count after the merge, were nothing to change meanwhile
    added: int  # counted supports it would gain
    rows: int  # the duplicates' supports, counted or not


def merge_preview(*, target: Proposal, source_ids: list[int]) -> MergePreview:
    """What merging `source_ids` into `target` would make of its count, for the official to confirm (the
    merge itself counts again, under its locks)."""
    with connection.cursor() as cursor:
        cursor.execute(_PREVIEW, {"target": target.pk, "sources": source_ids})
        added, rows = cursor.fetchone()
    current = Proposal.objects.values_list("supports_count", flat=True).get(pk=target.pk)
    return MergePreview(current + added, added, rows)
