"""For the tests of the area maps: a consultation divided into areas, and citizens who declare theirs."""

from cms.models import Area
from proposals.models import DeclaredArea, Proposal
from votes.models import Support

from . import factories


def area_set(*names: str, consultation=None, name: str = "Districts") -> list[Area]:
    """factories.area_set, given to `consultation` if any: its areas, in order."""
    areas = factories.area_set(*names, name=name, consultations=[consultation] if consultation else ())
    return list(areas.areas.order_by("sort_order", "pk"))


def declare(user, area: Area) -> DeclaredArea:
    """`user` declares they live in `area` (in its set)."""
    return DeclaredArea.objects.create(user=user, area_set_id=area.area_set_id, area=area)


def supporters(proposal: Proposal, n: int, area: Area | None = None) -> list:
    """`n` new citizens who support `proposal`, each declaring `area` if given; the proposal's count is
    then its valid supports, in the database and on `proposal`."""
    people = []
    for _ in range(n):
        person = factories.citizen()
        if area is not None:
            declare(person, area)
        Support.objects.create(proposal=proposal, user=person)
        people.append(person)
    Proposal.objects.filter(pk=proposal.pk).update(
        supports_count=Support.objects.filter(proposal=proposal, invalidation=None).count()
    )
    proposal.refresh_from_db()
    return people
