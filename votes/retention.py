"""How long a support's address hash is kept, and its erasure (docs/security.md, "What is stored about a
support"): SUPPORT_ADDRESS_RETENTION_DAYS after the consultation closes, the hashes of its proposals'
supports become NULL and the proposals' address tallies go, so that nothing is left of the network a
support came from; so do the address hashes an official's setting aside named in its criteria (its reason
stays). The other facts (the hour, the e-mail domain, the sign-up day) stay with the support.

Erasing runs in transactions of at most `BATCH` supports, each taking whole address keys: the hashes of a
few hundred addresses on their supports, then those keys' tallies. Each commit leaves the proposal as
counting its rows again would (`tallies.tallies_rebuild`), and no transaction holds the row locks of a
proposal's 100,000 supports while it writes them all: an account deleted meanwhile (which updates its
supports) or an official setting supports aside waits for one batch, a fraction of a second, not for
the proposal. A run that stops half-way leaves a consistent proposal, and the next run finishes it.

A batch locks its supports first, in the order of their users' ids as every writer of supports does
(votes.invalidations), then deletes its keys' tallies: a writer that moves an address's tally holds a
support of that address, which the batch locks too, so the two never wait for each other in a circle;
and a writer that waited for the batch reads the support's hash as NULL and moves no address tally."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from operator import itemgetter

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from proposals.models import Proposal

from .models import Invalidation, Support, SupportTally, TallyKind

# Supports per transaction. Erasing a proposal of 100,000 supports from 30,000 addresses took 101
# transactions of a median 0.15 s each (18 s in all) on a loaded two-core test machine; 5,000 a batch held
# the rows a second at a time. An address with more supports than this is erased in a transaction of its own.
BATCH = 1_000
ADDRESS_CRITERION = "address_hashes"  # in Invalidation.criteria


@dataclass(frozen=True)
class Erasure:
    proposals: int  # proposals whose supports or tallies still held an address hash
    supports: int  # supports whose hash was erased
    tallies: int  # address tallies deleted


def address_kept_until(closes_at: datetime) -> datetime:
    """When the address hashes of the supports of a consultation that closes at `closes_at` are erased
    (at the first run of support_addresses_erase after it)."""
    return closes_at + timedelta(days=settings.SUPPORT_ADDRESS_RETENTION_DAYS)


def support_addresses_erase(*, now: datetime | None = None, batch: int = BATCH) -> Erasure:
    """Erase the address hashes of the supports of every proposal whose consultation closed more than
    SUPPORT_ADDRESS_RETENTION_DAYS ago, and its address tallies. Proposals already erased are not
    touched again: a second run erases nothing."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.SUPPORT_ADDRESS_RETENTION_DAYS)
    hashed = Support.objects.filter(proposal=OuterRef("pk"), address_hash__isnull=False)
    tallied = SupportTally.objects.filter(proposal=OuterRef("pk"), kind=TallyKind.ADDRESS)
    named = _naming_addresses().filter(proposal=OuterRef("pk"))
    due = (
        Proposal.objects.filter(consultation__closes_at__lt=cutoff)
        .filter(Q(Exists(hashed)) | Q(Exists(tallied)) | Q(Exists(named)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    proposals = supports = tallies = 0
    for proposal_id in due:
        erased, deleted = _erase(proposal_id, batch)
        proposals, supports, tallies = proposals + 1, supports + erased, tallies + deleted
    return Erasure(proposals, supports, tallies)


def _erase(proposal_id: int, batch: int) -> tuple[int, int]:
    """The supports erased and the tallies deleted of one proposal, batch by batch (the module's
    docstring). The supports are read once, in one scan of the proposal's rows: each batch then finds its
    rows by their ids, not by scanning them all again for its addresses (no index leads to a hash). A
    second read finds nothing, the consultation being closed, and ends it."""
    erased = deleted = 0
    while hashed := list(
        Support.objects.filter(proposal_id=proposal_id, address_hash__isnull=False)
        .order_by("address_hash", "pk")
        .values_list("address_hash", "pk")
    ):
        for keys, ids in _batches(hashed, batch):
            supports, tallies = _erase_batch(proposal_id, keys, ids)
            erased, deleted = erased + supports, deleted + tallies
    # Address tallies that no support stands for (a count left at zero by withdrawals).
    deleted += _tallies(proposal_id).delete()[0]
    for invalidation in _naming_addresses().filter(proposal_id=proposal_id):
        del invalidation.criteria[ADDRESS_CRITERION]
        invalidation.save(update_fields=["criteria"])
    return erased, deleted


def _naming_addresses():
    """The settings aside that selected supports by their address hashes (votes.invalidations)."""
    return Invalidation.objects.filter(criteria__has_key=ADDRESS_CRITERION)


@transaction.atomic
def _erase_batch(proposal_id: int, keys: list[str], ids: list[int]) -> tuple[int, int]:
    """One transaction: the supports `ids` (all those of the hashes `keys`) lose their hash, and the keys
    their tallies."""
    # Locked in the order every writer of supports locks them (votes.invalidations). A hash only ever
    # changes to NULL: the rows still hashed are those of `keys`.
    chosen = Support.objects.filter(pk__in=ids, address_hash__isnull=False).order_by("user_id", "pk")
    locked = list(chosen.select_for_update().values_list("pk", flat=True))
    erased = Support.objects.filter(pk__in=locked).update(address_hash=None)
    return erased, _tallies(proposal_id).filter(key__in=keys).delete()[0]


def _tallies(proposal_id: int):
    return SupportTally.objects.filter(proposal_id=proposal_id, kind=TallyKind.ADDRESS)


def _batches(hashed: list[tuple[str, int]], batch: int) -> Iterator[tuple[list[str], list[int]]]:
    """The (hash, support id) pairs, in the order of their hashes, as batches of whole hashes of at most
    `batch` supports (a hash with more alone): each batch's hashes and support ids."""
    keys: list[str] = []
    ids: list[int] = []
    for key, pairs in groupby(hashed, key=itemgetter(0)):
        supports = [support_id for _key, support_id in pairs]
        if ids and len(ids) + len(supports) > batch:
            yield keys, ids
            keys, ids = [], []
        keys.append(key)
        ids.extend(supports)
    if keys:
        yield keys, ids
