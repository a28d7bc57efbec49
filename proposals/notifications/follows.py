"""Following a proposal: who hears of its public events. Supporting or submitting a proposal follows it."""

from django.utils.translation import gettext as _

from cocreate.exceptions import Conflict, NotAllowed

from .. import permissions
from ..models import Follow, Proposal


def follow_add(*, user, proposal: Proposal) -> bool:
    """Follow a published proposal; returns False if already following (an idempotent repeat)."""
    if not permissions.can_follow(user):
        raise NotAllowed(_("Sign in to follow proposals."), code="not_authenticated")
    if not proposal.is_published:
        raise Conflict(_("Only published proposals can be followed."), code="proposal_not_published")
    _follow, created = Follow.objects.get_or_create(user=user, proposal=proposal)
    return created


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
