"""Reads of the implementation steps of proposals ("you said, we did"); their writes are in
proposals.services.milestones."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cocreate.exceptions import NotFound

from .models import Milestone, Proposal


def milestone_list(*, proposal: Proposal) -> QuerySet[Milestone]:
    """The proposal's steps in their planned order (the model's ordering: planned date, then id). Call with
    a proposal the reader may see (selectors.proposal_get)."""
    return Milestone.objects.filter(proposal_id=proposal.pk).order_by("planned_for", "id")


def milestone_get(*, milestone_id: int, user) -> Milestone:
    """The step if `user` may read its proposal; one of a proposal they may not see does not exist for
    them (a 404, never a 403 that would tell it does)."""
    readable = Proposal.objects.readable_by(user)
    try:
        return Milestone.objects.select_related("proposal").get(pk=milestone_id, proposal__in=readable)
    except (Milestone.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("No such implementation step.")) from None
