"""Following a proposal: who hears of its public events. Supporting or submitting a proposal follows it."""

from django.db import transaction
from django.utils.translation import gettext as _

from cocreate.exceptions import Conflict, NotAllowed

from .. import permissions
from ..models import Follow, Proposal


def follow_add(*, user, proposal: Proposal) -> tuple[Proposal, bool]:
    """Follow a published proposal, or the one it was merged into, as its followers were
    (proposals.services.merging); returns the proposal followed, and False if already following (an
    idempotent repeat). The proposal's row is locked while the follow is written, so a merge under way
    either waits and moves the follow, or is seen to have gone through first: never a follow left behind on
    a duplicate, where it would hear nothing."""
    if not permissions.can_follow(user):
        raise NotAllowed(_("Sign in to follow proposals."), code="not_authenticated")
    with transaction.atomic():
        followed = _unmerged(proposal.pk)
        if not followed.is_published:
            raise Conflict(_("Only published proposals can be followed."), code="proposal_not_published")
        _follow, created = Follow.objects.get_or_create(user=user, proposal=followed)
    return followed, created


def _unmerged(proposal_id: int) -> Proposal:
    """The proposal, or the end of the merges it went through, its row locked: a merge takes its rows FOR
    UPDATE. At most a support's transaction in flight on it (its count's update) is waited for besides."""
    locked = Proposal.objects.select_for_update(no_key=True).only("visibility", "merged_into", "title")
    proposal = locked.get(pk=proposal_id)
    while proposal.merged_into_id is not None:
        proposal = locked.get(pk=proposal.merged_into_id)
    return proposal


def follow_remove(*, user, proposal: Proposal) -> bool:
    """Stop following; always allowed. Returns False if the person was not following."""
    deleted, _rows = Follow.objects.filter(user=user, proposal=proposal).delete()
    return bool(deleted)


def follow_ensure(*, user, proposal: Proposal) -> None:
    """Supporting follows by default: call in the support's transaction. A conflict is a follow already
    there, which is fine."""
    Follow.objects.bulk_create([Follow(user=user, proposal=proposal)], ignore_conflicts=True)


def follows_ensure(*, user_ids, proposal: Proposal) -> None:
    """follow_ensure for several supporters at once (a batch of supports), in one statement."""
    follows = [Follow(user_id=user_id, proposal=proposal) for user_id in user_ids]
    Follow.objects.bulk_create(follows, ignore_conflicts=True)


def is_following(*, user, proposal: Proposal) -> bool:
    return user.is_authenticated and Follow.objects.filter(user=user, proposal=proposal).exists()
