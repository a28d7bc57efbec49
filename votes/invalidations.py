"""Setting supports aside, and counting one again: the officials' answer to supports found fraudulent.

An invalidation (models.Invalidation) marks the valid supports of one proposal that match its criteria; the
rows stay (their citizens may ask for a review, and one can be counted again), but they no longer count.
Criteria: any of the listed address hashes, any of the listed e-mail domains, a window of sign-up days
(either end may stay open), any of the listed accounts. Each kind given narrows the set: a support is set
aside when it matches every kind given (AND across kinds, OR within one), so adding a criterion never sets
aside more supports. At least one kind must be given.

One transaction, locks taken in the order every writer of supports takes them (votes.services,
votes.tallies): the support rows in the order of their users' ids, then the tallies in the order of their
keys (tallies_move), then the proposal's row, by the UPDATE of the count, last. Supports given meanwhile
are not seen (a new row is not visible to the statement that picks, so nothing waits for it); a withdrawal
that deleted a row first makes the pick skip it. The batched withdrawals of votes.services delete their
rows in one statement whose order PostgreSQL does not promise, so a cycle with them is possible in
principle: the invalidation then runs again from the start (DEADLOCK_RETRIES), and the batch, if it was
the one PostgreSQL chose, is answered 503 and tried again by its client, as for any lost connection.

The count and the version move by one UPDATE ... RETURNING; if the promise was made and the supports left
no longer reach the threshold, it is withdrawn (proposals.services.proposal_withdraw_promise). Everything
goes on the public history with the official's reason; the pages, the search index and the cached pages
hear of it after commit. This works whatever the consultation's phase: supports are checked after the
consultation closed too."""

import logging
from dataclasses import dataclass
from datetime import date

import psycopg
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cocreate import page_cache
from cocreate.accounts.mfa import role_refused
from cocreate.addresses import HASH_LENGTH
from cocreate.exceptions import Conflict, NotFound, ServiceError
from cocreate.limits import at_most
from proposals import audit, notifications, permissions, search
from proposals.live import events
from proposals.live.broadcasts import broadcast_on_commit
from proposals.models import AuditAction, Proposal, Visibility
from proposals.services import REASON_MAX, proposal_reach_threshold, proposal_withdraw_promise

from . import tallies
from .models import Invalidation, Support
from .tallies import Facts

logger = logging.getLogger(__name__)

CRITERIA_MAX = 1000  # values of one kind in one invalidation
DEADLOCK_RETRIES = 3
CRITERIA_FIELDS = ("address_hashes", "domains", "joined_from", "joined_to", "user_ids")


@dataclass(frozen=True)
class InvalidationResult:
    invalidation: Invalidation
    supports: int  # the proposal's count once committed
    version: int
    promise_withdrawn: bool


@dataclass(frozen=True)
class ReinstateResult:
    support: Support
    supports: int
    version: int
    promise_made: bool


def _refuse_unless_official(actor) -> None:
    if not permissions.can_set_aside_supports(actor):
        raise role_refused(
            permissions.official_refusal(actor),
            _("Only officials can set supports aside or count them again."),
        )


def _values(name: str, values, clean, errors: dict, message: str) -> list:
    values = list(values or ())
    if len(values) > CRITERIA_MAX:
        errors[name] = [
            ngettext("At most %(n)s value.", "At most %(n)s values.", CRITERIA_MAX) % {"n": CRITERIA_MAX}
        ]
        return []
    try:
        return sorted({clean(value) for value in values} - {""})
    except (TypeError, ValueError):
        errors[name] = [message]
        return []


def _hash(value) -> str:
    value = str(value).strip().lower()
    if len(value) != HASH_LENGTH or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(value)
    return value


def _account(value) -> int:
    if isinstance(value, bool) or int(value) <= 0:
        raise ValueError(value)
    return int(value)


def _domain(value) -> str:
    value = str(value).strip().lower().lstrip("@")
    if len(value) > 255 or any(c.isspace() or c == "@" for c in value):
        raise ValueError(value)
    return value


def _criteria(address_hashes, domains, joined_from, joined_to, user_ids) -> dict:
    """The criteria as they are stored (Invalidation.criteria) and matched: each list sorted, without
    repeats; the kinds not given left out. Every problem is reported at once, in the common error shape."""
    errors: dict[str, list[str]] = {}
    criteria = {
        "address_hashes": _values(
            "address_hashes", address_hashes, _hash, errors, _("Each address hash is 16 hexadecimal digits.")
        ),
        "domains": _values("domains", domains, _domain, errors, _("Enter e-mail domains, like example.org.")),
        "user_ids": _values("user_ids", user_ids, _account, errors, _("Enter account numbers.")),
    }
    for name, day in (("joined_from", joined_from), ("joined_to", joined_to)):
        if day is not None and not isinstance(day, date):
            errors[name] = [_("Enter a date (YYYY-MM-DD).")]
    if isinstance(joined_from, date) and isinstance(joined_to, date) and joined_from > joined_to:
        errors["joined_to"] = [_("The end of the window cannot come before its start.")]
    criteria["joined_from"] = joined_from.isoformat() if isinstance(joined_from, date) else None
    criteria["joined_to"] = joined_to.isoformat() if isinstance(joined_to, date) else None
    criteria = {name: value for name, value in criteria.items() if value}
    if not criteria and not errors:
        errors["criteria"] = [
            _("Give at least one criterion: address hashes, e-mail domains, sign-up days or accounts.")
        ]
    if errors:
        raise ServiceError(_("Some fields need your attention."), code="invalid", fields=errors)
    return criteria


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            _("Some fields need your attention."), code="invalid", fields={"reason": [_("Give the reason.")]}
        )
    if len(reason) > REASON_MAX:
        raise ServiceError(
            _("The reason is too long."), code="invalid", fields={"reason": [at_most(REASON_MAX)]}
        )
    return reason


def _among(column: str, values: list, cast: str) -> tuple[str, list]:
    """`column` is one of `values`: one array parameter on PostgreSQL, a list of them on the demo's SQLite
    (which has no arrays)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::{cast}[])", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


# Each kind of criterion given, as SQL on votes_support (AND across kinds, OR within one).
_MATCHES = {
    "address_hashes": lambda values: _among("address_hash", values, "varchar"),
    "domains": lambda values: _among("email_domain", values, "varchar"),
    "joined_from": lambda day: ("joined_on >= %s", [day]),
    "joined_to": lambda day: ("joined_on <= %s", [day]),
    "user_ids": lambda values: _among("user_id", values, "bigint"),
}

# The valid supports that match, locked in the order of their users' ids as every writer locks them
# (the anonymous ones, whose account was deleted, last: no other writer touches them). SQLite has no row
# locks: its writers take the whole database, one at a time.
_PICK = """
    SELECT id FROM votes_support WHERE proposal_id = %s AND invalidation_id IS NULL AND {matches}
    ORDER BY user_id, id"""

# What each support set aside records, for the tallies (they never change after the support is given).
_SET_ASIDE = """
    UPDATE votes_support SET invalidation_id = %s WHERE {ids} AND invalidation_id IS NULL
    RETURNING created_at, joined_on, email_domain, address_hash"""


def _for_update() -> str:
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


# The count and version, whatever the proposal's visibility and its consultation's phase; with what
# decides whether the promise still stands.
_MOVE_COUNT = """
    UPDATE proposals_proposal
    SET supports_count = supports_count + %s, supports_version = supports_version + 1
    WHERE id = %s
    RETURNING supports_count, supports_version, visibility, threshold_reached_at IS NOT NULL,
        (SELECT support_threshold FROM cms_consultationpage c
         WHERE c.page_ptr_id = proposals_proposal.consultation_id)"""


def _pick(proposal_id: int, criteria: dict) -> list[int]:
    matches = [_MATCHES[name](criteria[name]) for name in _MATCHES if name in criteria]
    # Every part is one of this module's constants; the values are parameters.
    sql = _PICK.format(matches=" AND ".join(sql for sql, _params in matches)) + _for_update()  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [proposal_id, *(value for _sql, params in matches for value in params)])
        return [support_id for (support_id,) in cursor.fetchall()]


def _set_aside(invalidation: Invalidation, support_ids: list[int]) -> tallies.Changes:
    changes = tallies.Changes()
    ids, params = _among("id", support_ids, "bigint")
    with connection.cursor() as cursor:
        cursor.execute(_SET_ASIDE.format(ids=ids), [invalidation.pk, *params])  # noqa: S608 (constants)
        for row in cursor.fetchall():
            changes.add(Facts(*row), valid=-1, invalid=1)
    return changes


def _move_count(proposal_id: int, delta: int) -> tuple[int, int, bool, bool, int]:
    """Last statement of the writes to supports and tallies: it takes the proposal's row lock."""
    with connection.cursor() as cursor:
        cursor.execute(_MOVE_COUNT, [delta, proposal_id])
        moved = cursor.fetchone()
    if moved is None:
        raise NotFound(_("No such proposal."))
    supports, version, visibility, promised, threshold = moved
    return supports, version, visibility == Visibility.PUBLISHED, promised, threshold


def _announce(proposal: Proposal, supports: int, version: int) -> None:
    """After commit: the pages' count, the cached pages, the search index."""
    broadcast_on_commit(
        proposal.consultation_id,
        events.support_changed(proposal_id=proposal.pk, supports=supports, version=version),
    )
    # Counts alone do not make the kept pages stale (cocreate.page_cache): a count an official corrected
    # does, at once.
    page_cache.pages_changed_on_commit(proposal.consultation_id)
    search.index_on_commit(proposal.pk)


def _locked_proposal(proposal_id: int) -> Proposal:
    """The proposal as its row now is: call once this transaction holds its lock (the count moved)."""
    return Proposal.objects.select_related("consultation").get(pk=proposal_id)


def _invalidate(actor, proposal_id: int, reason: str, criteria: dict) -> InvalidationResult:
    with transaction.atomic():
        support_ids = _pick(proposal_id, criteria)
        if not support_ids:
            raise Conflict(_("No counted support matches these criteria."), code="nothing_to_set_aside")
        invalidation = Invalidation.objects.create(
            proposal_id=proposal_id, reason=reason, criteria=criteria, created_by=actor
        )
        changes = _set_aside(invalidation, support_ids)
        tallies.tallies_move(proposal_id=proposal_id, changes=changes)
        count = len(support_ids)
        Invalidation.objects.filter(pk=invalidation.pk).update(set_aside=count)
        invalidation.set_aside = count
        supports, version, published, promised, threshold = _move_count(proposal_id, -count)
        proposal = _locked_proposal(proposal_id)
        entry = audit.audit_record(
            proposal=proposal,
            actor=actor,
            action=AuditAction.SUPPORTS_SET_ASIDE,
            to_value=str(count),
            reason=reason,
        )
        # Each citizen set aside is told, with the reason, and may ask for a review (one statement).
        notifications.notify_people(entry=entry, users=_citizens(supports__invalidation_id=invalidation.pk))
        withdrawn = promised and supports < threshold
        if published:
            _announce(proposal, supports, version)
        if withdrawn:
            proposal_withdraw_promise(actor=actor, proposal=proposal, reason=reason)
    return InvalidationResult(invalidation, supports, version, withdrawn)


def _citizens(**supports):
    """The accounts behind the supports matching `supports` (an anonymised support has none)."""
    return get_user_model().objects.filter(**supports)


def _deadlocked(error: OperationalError) -> bool:
    return isinstance(error.__cause__, psycopg.errors.DeadlockDetected)


def supports_invalidate(
    *,
    actor,
    proposal: Proposal,
    reason: str,
    address_hashes=(),
    domains=(),
    joined_from: date | None = None,
    joined_to: date | None = None,
    user_ids=(),
) -> InvalidationResult:
    """Set aside the valid supports of `proposal` that match the criteria (see the module's docstring),
    with `reason`, which the public history shows. Officials only. Refuses (ServiceError, 400) empty
    criteria or reason, and (Conflict 409 `nothing_to_set_aside`) criteria that match no counted support."""
    _refuse_unless_official(actor)
    reason = _reason(reason)
    criteria = _criteria(address_hashes, domains, joined_from, joined_to, user_ids)
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            return _invalidate(actor, proposal.pk, reason, criteria)
        except OperationalError as error:
            # In the caller's own transaction a retry would keep the locks that deadlocked: not here.
            if not _deadlocked(error) or attempt == DEADLOCK_RETRIES or connection.in_atomic_block:
                raise
            logger.warning(
                "setting supports of proposal %s aside deadlocked, attempt %s", proposal.pk, attempt
            )
    raise AssertionError("unreachable")


# The support, if it is still set aside, locked first as every writer of supports does.
_PICK_ONE = "SELECT id FROM votes_support WHERE id = %s AND invalidation_id IS NOT NULL"
_REINSTATE = """
    UPDATE votes_support SET invalidation_id = NULL WHERE id = %s
    RETURNING created_at, joined_on, email_domain, address_hash"""


def support_reinstate(*, actor, support: Support, reason: str = "") -> ReinstateResult:
    """Count `support` again (an official undoes its setting aside, after a review): the count and the
    tallies move back, and the promise is made if the count now reaches the threshold, as a support would
    make it (proposals.services.proposal_reach_threshold: a proposal visible to the public only). Its
    invalidation keeps the number it set aside then; the public history says a support was counted again.
    Refuses (Conflict 409 `support_counted`) a support that counts already."""
    _refuse_unless_official(actor)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ServiceError(
            _("The reason is too long."), code="invalid", fields={"reason": [at_most(REASON_MAX)]}
        )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_PICK_ONE + _for_update(), [support.pk])
            if cursor.fetchone() is None:
                if not Support.objects.filter(pk=support.pk).exists():
                    raise NotFound(_("No such support."))
                raise Conflict(_("This support is counted already."), code="support_counted")
            cursor.execute(_REINSTATE, [support.pk])
            facts = Facts(*cursor.fetchone())
            changes = tallies.Changes()
            changes.add(facts, valid=1, invalid=-1)
            tallies.tallies_move(proposal_id=support.proposal_id, changes=changes)
        supports, version, *_promise = _move_count(support.proposal_id, +1)
        proposal = _locked_proposal(support.proposal_id)
        entry = audit.audit_record(
            proposal=proposal, actor=actor, action=AuditAction.SUPPORT_REINSTATED, to_value="1", reason=reason
        )
        notifications.notify_people(entry=entry, users=_citizens(supports__pk=support.pk))
        made = False
        if proposal.is_published:
            _announce(proposal, supports, version)
            made = proposal_reach_threshold(proposal=proposal, supports=supports)
    support.invalidation = None
    return ReinstateResult(support, supports, version, made)
