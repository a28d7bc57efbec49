"""The fraud review's tallies (models.SupportTally): a proposal's supports counted by the hour they were
given, the day their accounts were made, their e-mail domain and their client address's keyed hash.

The services move them in the transaction that adds, withdraws or sets aside supports, in one statement
for all the keys a batch touches, before the count: the rows are locked in one order that every writer
follows (LOCK_ORDER, then the key), and then the proposal's row, so two writers never wait for each other
in a circle. The order puts the rows every support of a rush shares last: the current hour's row is as hot
as the proposal's, and a lock taken last is held for the shortest time (the rest of the statement, the
count and the commit), while the address rows, mostly one per support, go first. A key's figures are the
changes of the values stored on each support (never the account's current ones), so taking a support away
takes away exactly what it added."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import connection, transaction
from django.utils import timezone

from .models import TallyKind


@dataclass(frozen=True)
class Facts:
    """What a support records about where it came from (models.Support), as the tallies key it."""

    created_at: datetime | str  # a raw SQLite read gives text, in UTC
    joined_on: date | str | None
    email_domain: str
    address_hash: str | None

    @classmethod
    def of(cls, user, *, at: datetime, address_hash: str | None) -> "Facts":
        """A new support's facts: its citizen's domain and sign-up day as they are now."""
        return cls(at, timezone.localdate(user.date_joined), email_domain(user.email), address_hash)

    def tally_keys(self) -> list[tuple[int, str]]:
        keys = [(TallyKind.HOUR, _hour(self.created_at))]
        if self.joined_on:
            keys.append((TallyKind.JOINED_ON, str(self.joined_on)))
        if self.email_domain:
            keys.append((TallyKind.DOMAIN, self.email_domain))
        if self.address_hash:
            keys.append((TallyKind.ADDRESS, self.address_hash))
        return keys


def email_domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()[:255]


def _hour(at: datetime | str) -> str:
    if isinstance(at, str):  # SQLite's "YYYY-MM-DD HH:MM:SS[.ffffff]", UTC
        return at[:13].replace(" ", "T")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H")


# The kinds in the order their rows are locked: the least shared first (see the module's docstring).
LOCK_ORDER = (TallyKind.ADDRESS, TallyKind.JOINED_ON, TallyKind.DOMAIN, TallyKind.HOUR)


class Changes:
    """The tallies' changes of one transaction, by key: (valid supports, supports set aside)."""

    def __init__(self) -> None:
        self._moves: Counter = Counter()

    def add(self, facts: Facts, *, valid: int = 0, invalid: int = 0) -> None:
        for key in facts.tally_keys():
            self._moves[key, "valid"] += valid
            self._moves[key, "invalid"] += invalid

    def rows(self) -> list[tuple[int, str, int, int]]:
        keys = sorted({key for key, _column in self._moves}, key=lambda k: (LOCK_ORDER.index(k[0]), k[1]))
        rows = [
            (kind, key, self._moves[(kind, key), "valid"], self._moves[(kind, key), "invalid"])
            for kind, key in keys
        ]
        return [row for row in rows if row[2] or row[3]]


_MOVE = """
    INSERT INTO votes_supporttally (proposal_id, kind, key, supports, invalid) VALUES {values}
    ON CONFLICT (proposal_id, kind, key) DO UPDATE
    SET supports = votes_supporttally.supports + excluded.supports,
        invalid = votes_supporttally.invalid + excluded.invalid"""


def tallies_move(*, proposal_id: int, changes: Changes) -> None:
    """One statement, in the caller's transaction, rows in LOCK_ORDER (see the module's docstring)."""
    rows = changes.rows()
    if not rows:
        return
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    params = [value for row in rows for value in (proposal_id, *row)]
    with connection.cursor() as cursor:
        cursor.execute(_MOVE.format(values=values), params)


def _rebuild_sql() -> tuple[str, str]:
    if connection.vendor == "postgresql":
        return (
            "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')",
            "to_char(joined_on, 'YYYY-MM-DD')",
        )
    return "strftime('%%Y-%%m-%%dT%%H', created_at)", "joined_on"


_REBUILD = """
    INSERT INTO votes_supporttally (proposal_id, kind, key, supports, invalid)
    SELECT proposal_id, kind, key, sum(valid), count(*) - sum(valid) FROM (
        SELECT proposal_id, {hour_kind} AS kind, {hour} AS key, {valid} AS valid FROM votes_support {where}
        UNION ALL SELECT proposal_id, {joined_kind}, {joined}, {valid} FROM votes_support
            {where} {conj} joined_on IS NOT NULL
        UNION ALL SELECT proposal_id, {domain_kind}, email_domain, {valid} FROM votes_support
            {where} {conj} email_domain <> ''
        UNION ALL SELECT proposal_id, {address_kind}, address_hash, {valid} FROM votes_support
            {where} {conj} address_hash IS NOT NULL
    ) facts GROUP BY proposal_id, kind, key"""


def tallies_rebuild(*, proposal_id: int | None = None) -> None:
    """Count the tallies again from the supports (of every proposal, or of this one): after supports were
    written without the services (a bulk load), or to check them. On PostgreSQL the tallies are locked
    against every writer meanwhile, so supports given during the rebuild wait for it, then add themselves."""
    where, params = ("", []) if proposal_id is None else ("WHERE proposal_id = %s", [proposal_id])
    hour, joined = _rebuild_sql()
    sql = _REBUILD.format(  # noqa: S608 (every part is one of this module's constants)
        where=where,
        conj="AND" if where else "WHERE",
        hour=hour,
        joined=joined,
        valid="CASE WHEN invalidation_id IS NULL THEN 1 ELSE 0 END",
        hour_kind=int(TallyKind.HOUR),
        joined_kind=int(TallyKind.JOINED_ON),
        domain_kind=int(TallyKind.DOMAIN),
        address_kind=int(TallyKind.ADDRESS),
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE votes_supporttally IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM votes_supporttally " + where, params)  # noqa: S608 (a constant)
        cursor.execute(sql, params * 4)
