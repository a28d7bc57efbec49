"""The area maps of the public pages: a consultation's proposals by area, and a proposal's supporters by the
area they declared. The figures come from the selectors (proposals.area_selectors, votes.selectors), the
drawing from cms.maps (its boundaries kept in the cache, cms.areas); this gives them the words of the
reader's language. Each map comes with a table of the same figures, which is its text alternative."""

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from cms import maps
from cms.area_drawings import area_outline
from cms.models import ConsultationPage
from proposals.area_selectors import AreaFigures, consultation_area_figures
from proposals.models import Proposal
from votes.selectors import SupportsByArea, supports_by_area


def number(value: int) -> str:
    """1 234 in French, 1,234 in English."""
    return number_format(value, 0, force_grouping=True)


@dataclass(frozen=True)
class LegendEntry:
    swatch: SafeString
    label: str


@dataclass(frozen=True)
class Drawing:
    svg: SafeString
    legend: list[LegendEntry]


def _safe(svg: str) -> SafeString:
    """cms.maps' markup, which escapes every word it writes (area names are an official's upload)."""
    return mark_safe(svg)  # noqa: S308 - built from escaped parts only


def _drawing(
    area_set_id,
    listed,
    areas,
    classes,
    *,
    title,
    description,
    id_prefix,
    labels,
    withheld=None,
    standalone=False,
) -> Drawing | None:
    """`listed`: the set's areas as cms.area_drawings.area_list gives them; `areas`: what to draw.
    `standalone`: the legend drawn in the SVG too, for the map as a file of its own."""
    outline = area_outline(area_set_id=area_set_id, areas=listed)
    if outline.empty:
        return None
    keys: list[tuple[maps.Band | None, str]] = [(band, labels(band)) for band in classes]
    if withheld:
        keys.append((None, withheld))
    svg = _safe(
        maps.render(
            outline,
            areas,
            classes=classes,
            title=title,
            description=description,
            id_prefix=id_prefix,
            legend=keys if standalone else (),
        )
    )
    legend = [LegendEntry(_safe(maps.swatch(band, id_prefix=id_prefix)), label) for band, label in keys]
    return Drawing(svg, legend)


def _band_label(band: maps.Band, count, between, none: str) -> str:
    """A class's label in the legend: `none` for 0, `count(n)` for a class of one figure, else
    `between(low, high)`."""
    if band.high == 0:
        return none
    if band.low == band.high:
        return count(band.low)
    return between(number(band.low), number(band.high))


def proposals_count(n: int) -> str:
    return ngettext("%(n)s proposal", "%(n)s proposals", n) % {"n": number(n)}


def supports_count(n: int) -> str:
    return ngettext("%(n)s support", "%(n)s supports", n) % {"n": number(n)}


def supporters_count(n: int) -> str:
    return ngettext("%(n)s supporter", "%(n)s supporters", n) % {"n": number(n)}


# --- A consultation's proposals by area ------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationAreaMap:
    rows: list[AreaFigures]  # the areas in order
    elsewhere: AreaFigures  # the proposals about no area
    drawing: Drawing | None  # None when no area has a boundary to draw


def proposals_summary(proposals: int, supports: int) -> str:
    return f"{proposals_count(proposals)}, {supports_count(supports)}"


def consultation_area_map(
    *, consultation: ConsultationPage, standalone: bool = False
) -> ConsultationAreaMap | None:
    """None when the consultation has no area set (the page then has no map). `standalone`: the drawing as
    a file of its own, its legend in it (frontend.views.area_maps)."""
    figures = consultation_area_figures(consultation=consultation)
    if figures is None:
        return None
    *rows, elsewhere = figures
    if not rows:
        return None
    classes = maps.bands(row.proposals for row in rows)
    drawing = _drawing(
        consultation.area_set_id,
        [row.area for row in rows],
        [
            maps.MapArea(
                row.area.pk, row.area.name, row.proposals, proposals_summary(row.proposals, row.supports)
            )
            for row in rows
        ],  # fmt: skip
        classes,
        title=gettext("Proposals by area"),
        description=gettext(
            "A map of the consultation’s areas, each shaded by the number of published proposals about it. "
            "The consultation’s page gives the same figures in a table."
        )
        if standalone
        else gettext(
            "A map of the consultation’s areas, each shaded by the number of published proposals about it. "
            "The table below gives the same figures."
        ),
        id_prefix="consultation-areas",
        standalone=standalone,
        labels=lambda band: _band_label(
            band,
            proposals_count,
            lambda low, high: gettext("%(low)s to %(high)s proposals") % {"low": low, "high": high},
            gettext("No proposals"),
        ),
    )
    return ConsultationAreaMap(rows, elsewhere, drawing)


# --- A proposal's supporters by declared area ----------------------------------------------------------


@dataclass(frozen=True)
class SupportsAreaMap:
    figures: SupportsByArea
    drawing: Drawing | None  # None when no area's figure is shown: the table alone says it


def supporters_summary(supports: int | None, minimum: int) -> str:
    if supports is None:
        return gettext("fewer than %(minimum)s supporters") % {"minimum": number(minimum)}
    return supporters_count(supports)


def proposal_supports_map(*, proposal: Proposal) -> SupportsAreaMap | None:
    """None when its consultation has no area set, or the proposal no valid support yet (the chart of
    supports over time says so)."""
    figures = supports_by_area(proposal=proposal)
    if figures is None or figures.total == 0 or not figures.areas:
        return None
    drawing = None
    if figures.shown:
        minimum = figures.minimum
        classes = maps.bands((item.supports or 0 for item in figures.areas), start=minimum)
        drawing = _drawing(
            proposal.consultation.area_set_id,
            [item.area for item in figures.areas],
            [
                maps.MapArea(
                    item.area.pk, item.area.name, item.supports, supporters_summary(item.supports, minimum)
                )
                for item in figures.areas
            ],  # fmt: skip
            classes,
            title=gettext("Supporters by declared area"),
            description=gettext(
                "A map of the consultation’s areas, each shaded by the number of this proposal’s supporters "
                "who declared they live there. The table below gives the same figures."
            ),
            id_prefix="supporters-areas",
            labels=lambda band: _band_label(
                band,
                supporters_count,
                lambda low, high: gettext("%(low)s to %(high)s supporters") % {"low": low, "high": high},
                gettext("No supporters"),
            ),
            withheld=gettext("Fewer than %(minimum)s supporters") % {"minimum": number(minimum)},
        )
    return SupportsAreaMap(figures, drawing)
