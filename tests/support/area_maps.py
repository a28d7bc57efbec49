"""For the tests of the area maps: a consultation divided into areas, and citizens who declare theirs."""

from cms.models import Area
from proposals.models import DeclaredArea

from . import factories


def area_set(*names: str, consultation=None, name: str = "Districts") -> list[Area]:
    """factories.area_set, given to `consultation` if any: its areas, in order."""
    areas = factories.area_set(*names, name=name, consultations=[consultation] if consultation else ())
    return list(areas.areas.order_by("sort_order", "pk"))


def declare(user, area: Area) -> DeclaredArea:
    """`user` declares they live in `area` (in its set)."""
    return DeclaredArea.objects.create(user=user, area_set_id=area.area_set_id, area=area)
