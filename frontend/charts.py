"""The charts of the public pages: a proposal's supports over time, a consultation's funnel. The numbers
come from the selectors; this gives them the words (in the reader's language) and the geometry
(cocreate.charts) the templates draw."""

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext, pgettext

from cocreate.charts import Chart, bar_chart
from proposals.models import Proposal
from proposals.selectors import consultation_funnel
from votes.selectors import supports_by_day

# The viewBox: wide and low, scaled to the width of the column (the labels are text outside the SVG, so
# they stay readable on a phone instead of shrinking with the drawing).
WIDTH, HEIGHT, MARGIN = 640, 200, 2
# A bar is never wider than on a chart of about two weeks: a few days make bars, not blocks across the
# chart. A lone day's bar gets its count written above it, in room kept clear for it.
MAX_BAR_WIDTH, LABEL_ROOM, LABEL_SIZE = 40, 44, 32


@dataclass(frozen=True)
class SupportsOverTime:
    chart: Chart
    first: date
    last: date
    total: int
    gist: str  # the chart's text alternative, and its caption
    rows: list[tuple[date, int, int]]  # (day, supports given that day, total at its end), quiet days left out

    @property
    def single_day(self) -> bool:
        return self.first == self.last

    @property
    def label_size(self) -> int:
        return LABEL_SIZE


def supports_over_time(*, proposal: Proposal) -> SupportsOverTime | None:
    """A published proposal's supports standing at the end of each day since its publication; None when it
    has none (the page says so in a sentence rather than drawing an empty chart)."""
    days = supports_by_day(proposal=proposal)
    if not days or days[-1][1] == 0:
        return None
    (first, start), (last, total) = days[0], days[-1]
    dates = {"total": total, "start": start, "first": date_format(first, "DATE_FORMAT")}
    if first == last:  # published today: one day, nothing to go from or to
        gist = (
            ngettext(
                "%(total)s support, given on %(first)s.", "%(total)s supports, given on %(first)s.", total
            )
            % dates
        )
    else:
        gist = ngettext(
            "%(total)s support, from %(start)s on %(first)s to %(total)s on %(last)s.",
            "%(total)s supports, from %(start)s on %(first)s to %(total)s on %(last)s.",
            total,
        ) % {**dates, "last": date_format(last, "DATE_FORMAT")}
    rows, before = [], 0
    for i, (day, standing) in enumerate(days):
        if standing != before or i in (0, len(days) - 1):
            rows.append((day, standing - before, standing))
        before = standing
    chart = bar_chart(
        days,
        width=WIDTH,
        height=HEIGHT,
        margin=MARGIN,
        max_bar_width=MAX_BAR_WIDTH,
        headroom=LABEL_ROOM if first == last else 0,
    )
    return SupportsOverTime(chart, first, last, total, gist, rows)


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    count: int
    share: float  # of the proposals submitted, 0 to 100: the bar's length


def funnel_steps(*, consultation) -> list[Step]:
    """The consultation's funnel (proposals.selectors) as labelled steps, each bar's length a
    share of the proposals submitted. Without a threshold there is no such step: the template says so."""
    funnel = consultation_funnel(consultation=consultation)
    steps = [
        (
            "submitted",
            pgettext("proposals, a step of a consultation's funnel", "Submitted"),
            funnel.submitted,
        ),
        (
            "published",
            pgettext("proposals, a step of a consultation's funnel", "Published"),
            funnel.published,
        ),
    ]
    if funnel.reached is not None:
        label = ngettext(
            "Reached the threshold of %(n)s support",
            "Reached the threshold of %(n)s supports",
            consultation.support_threshold,
        ) % {"n": consultation.support_threshold}
        steps.append(("reached", label, funnel.reached))
    steps.append(("answered", gettext("Answered by an official response"), funnel.answered))
    whole = funnel.submitted or 1
    return [Step(key, label, n, round(100 * n / whole, 2)) for key, label, n in steps]
