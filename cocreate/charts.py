"""Bar charts drawn on the server as SVG: the geometry here, the markup in the templates, with presentation
attributes and stylesheet classes only (no script, no style attribute: a strict Content-Security-Policy
forbids them). The officials' dashboard draws its supports per day with it, and each proposal's page its
supports over time; both scale with their viewBox and give their figures as text too."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass(frozen=True)
class Chart:
    """Geometry only, in the units of a viewBox of `width` by `height`: the template writes the markup."""

    days: list[tuple[date, int]]
    bars: list[Bar]
    width: int
    height: int
    top: int  # the highest count: the scale's top

    @property
    def total(self) -> int:
        return sum(n for _day, n in self.days)


def bar_chart(
    days: list[tuple[date, int]],
    *,
    width: int = 640,
    height: int = 200,
    margin: int = 24,
    max_bar_width: float | None = None,
    headroom: int = 0,
) -> Chart | None:
    """One bar a day, each in the middle of its day's slot, the highest reaching the top of the plot,
    `margin` units clear on every side (room for labels drawn inside the SVG) and `headroom` more above
    the highest bar (for a label over it). A bar takes 80% of its slot, at most `max_bar_width`: with few
    days, bars rather than blocks. None for no days at all."""
    if not days:
        return None
    top = max(n for _day, n in days) or 1
    plot_height = height - 2 * margin - headroom
    slot = (width - 2 * margin) / len(days)
    bar_width = max(min(slot * 0.8, max_bar_width or slot), 1)
    bars = []
    for i, (day, n) in enumerate(days):
        bar_height = plot_height * n / top
        bars.append(
            Bar(
                day=day,
                count=n,
                x=round(margin + i * slot + (slot - bar_width) / 2, 2),
                y=round(height - margin - bar_height, 2),
                width=round(bar_width, 2),
                height=round(bar_height, 2),
            )
        )
    return Chart(days, bars, width, height, top)
