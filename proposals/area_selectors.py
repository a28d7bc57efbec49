"""A consultation's proposals by area (its area set, cms.areas): how many are published about each area and
how many supports they have, for its map, its table and the API."""

from dataclasses import dataclass

from django.db.models import Count, Sum

from cms.area_drawings import area_list
from cms.models import Area, ConsultationPage

from .models import Proposal


@dataclass(frozen=True)
class AreaFigures:
    area: Area | None  # None: the proposals that name no area of the set
    proposals: int
    supports: int


def proposal_counts_by_area(*, consultation_id: int) -> dict[int | None, tuple[int, int]]:
    """The consultation's published proposals by area id (None: no area), each with the sum of their
    supports (the valid ones: `supports_count`): one grouped statement. A withdrawn proposal counts as it
    was (it stays published); pending and hidden ones do not, nor one merged into another (its supports
    went there: the lists leave it out too)."""
    rows = (
        Proposal.objects.for_consultation(consultation_id)
        .listed()
        .order_by()
        .values("area_id")
        .annotate(proposals=Count("id"), supports=Sum("supports_count"))
        .values_list("area_id", "proposals", "supports")
    )
    return {area_id: (proposals, supports or 0) for area_id, proposals, supports in rows}


def consultation_area_figures(*, consultation: ConsultationPage) -> list[AreaFigures] | None:
    """Each area of the consultation's set in order with its figures (0 for none), then the proposals about
    no area, last; None when the consultation has no area set. A proposal that names an area of another set
    (the consultation's set was replaced) counts as about no area. Two queries."""
    if consultation.area_set_id is None:
        return None
    counts = proposal_counts_by_area(consultation_id=consultation.pk)
    areas = area_list(area_set_id=consultation.area_set_id)
    figures = [AreaFigures(area, *counts.pop(area.pk, (0, 0))) for area in areas]
    elsewhere = [sum(values) for values in zip(*counts.values(), strict=True)] or [0, 0]
    return [*figures, AreaFigures(None, *elsewhere)]
