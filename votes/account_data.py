"""What this app holds about one person, for their data export (cocreate.accounts.data, registered in
wagtail_hooks.py): their supports, each with what it records for the fraud review (models.Support).

The address hash itself is not written out, only whether it is still kept and until when: it tells its
owner nothing they could check (it is keyed by the site's secret), and a file that shows it would let
someone organising fake supports learn which of their addresses the review counts as one."""

from django.db.models import F
from django.utils import timezone

from cocreate.accounts.data import when
from proposals.account_data import proposal_named, readable_among

from .models import Support
from .retention import address_kept_until


def account_export(*, user) -> dict[str, list]:
    supports = (
        Support.objects.filter(user=user)
        .select_related("proposal", "invalidation")
        .annotate(closes_at=F("proposal__consultation__closes_at"))
    )
    readable = readable_among(user=user, named=[supports.order_by().values("proposal_id")])
    return {"supports": [_support(s, readable) for s in supports.order_by("created_at", "pk")]}


def _support(support: Support, readable: set[int]) -> dict:
    aside = support.invalidation
    return {
        "proposal": proposal_named(support.proposal, readable),
        "created_at": when(support.created_at),
        # Set aside by an official (no longer counted): the reason they gave, public on the proposal.
        "set_aside": None if aside is None else {"reason": aside.reason, "at": when(aside.created_at)},
        # As they were when the support was given.
        "email_domain": support.email_domain or None,
        "joined_on": when(support.joined_on),
        "address_hash": _address_hash(support),
    }


def _address_hash(support: Support) -> str:
    """ "kept until <day>", "erased", or "not recorded" (a support given without a readable address)."""
    until = address_kept_until(support.closes_at)
    if support.address_hash:
        return f"kept until {timezone.localdate(until).isoformat()}"
    return "erased" if until <= timezone.now() else "not recorded"
