from collections.abc import Iterable

from .models import Support


def supported_ids(*, user, proposal_ids: Iterable[int]) -> set[int]:
    """Which of these proposals the user supports, in one query."""
    if not user.is_authenticated:
        return set()
    return set(
        Support.objects.filter(user=user, proposal_id__in=list(proposal_ids)).values_list(
            "proposal_id", flat=True
        )
    )
