"""What the proposal services share: text checks in the common error shape, the row lock, and an item's open
reports (the moderation of an item resolves them, a new one may hide it)."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate.exceptions import Conflict, ServiceError
from cocreate.limits import at_most

from .. import permissions
from ..models import Comment, Flag, Proposal

TITLE_MAX, SUMMARY_MAX, BODY_MAX, REASON_MAX, NOTE_MAX = 140, 500, 10_000, 500, 1000


def _require_text(fields: dict[str, str], limits: dict[str, int]) -> dict[str, str]:
    """Strip each value; report every empty or too long field at once, in the common error shape."""
    cleaned, errors = {}, {}
    for name, value in fields.items():
        value = (value or "").strip()
        if not value:
            errors[name] = [_("This field is required.")]
        elif len(value) > limits[name]:
            errors[name] = [at_most(limits[name])]
        cleaned[name] = value
    if errors:
        raise ServiceError(_("Some fields need your attention."), code="invalid", fields=errors)
    return cleaned


def merged_refusal() -> Conflict:
    """What every write to a proposal merged into another (votes.merging) is answered: supports, their
    withdrawal, comments and edits go to the proposal it went into."""
    return Conflict(
        _("This proposal was merged into another one: support it and comment there."),
        code=permissions.PROPOSAL_MERGED,
    )


def _locked(proposal_id: int) -> Proposal:
    """The proposal with its row locked until the transaction ends (only its row: the category and stage
    joins are outer joins, which PostgreSQL cannot lock)."""
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("category", "stage")
        .get(pk=proposal_id)
    )


def _one_target(proposal, comment) -> None:
    if (proposal is None) == (comment is None):
        raise ValueError("Pass exactly one of proposal and comment.")


def open_flags(*, proposal: Proposal | None = None, comment: Comment | None = None) -> QuerySet[Flag]:
    """The item's flags that no moderator has acted on yet (a proposal's own, not its comments')."""
    _one_target(proposal, comment)
    target = {"comment": comment} if comment is not None else {"proposal": proposal}
    return Flag.objects.filter(resolved_at__isnull=True, **target)


def flags_resolve(*, proposal: Proposal | None = None, comment: Comment | None = None) -> int:
    """Mark the item's open flags as dealt with; returns how many. Call inside the transaction of the
    moderator's action on the item."""
    return open_flags(proposal=proposal, comment=comment).update(resolved_at=timezone.now())
