"""The journey map of a consultation's page: what proposals.journey_map reads, in words and numbers of the
reader's language, and the geometry of its drawing (SVG drawn by the server, as cocreate.charts: the
numbers here, the markup in frontend/includes/journey_map.html, presentation attributes and stylesheet
classes only).

Each stage is a row of the drawing, in journey order: its name, then two bars on the same 0 to 5 scale, the
median frustration (filled) and the median motivation (hatched, outlined), each labelled with its word and
number, then the share who gave up there; the breaking point is framed with a dashed line and labelled.
Rows have a fixed height, so a stage whose figures appear (from the fifth check-in) or change moves
nothing else: journey.js redraws one row from a `journey.stage_changed` event with the scale the drawing
carries in data- attributes (`unit`, `bar_x`, `label_gap`). The figures the page shows are the ones the
event carries (`events.stage_summary`), so both say the same."""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext

from cms.models import ConsultationPage, ConsultationStage
from proposals.choices import Frustration, Motivation
from proposals.journey_map import current_journey_map
from proposals.journey_selectors import MIN_CHECKINS, stage_stories
from proposals.live.events import StageSummary, stage_summary
from proposals.models import Proposal

# The viewBox: narrow, a row per stage, so that its text stays readable on a phone (a 400-unit drawing on
# a 330-pixel column writes 18-unit labels at 15 pixels); site.css keeps it from growing past 30rem.
WIDTH, ROW = 400, 164
PAD = 10  # units between the frame of a row and what is written or drawn in it
BAR_X = PAD
UNIT = 44  # units per point of the scale: a median of 5 is a bar 220 units long, its label after it
LABEL_GAP = 8  # from a bar's end to its label
NAME_Y, FRUSTRATION_Y, MOTIVATION_Y, BAR_HEIGHT, GAVE_UP_Y, BREAK_Y = 28, 40, 72, 24, 122, 148
NAME_SIZE, LABEL_SIZE = 22, 18
NAME_MAX = 30  # characters of a stage's name drawn; the table gives it whole


def number(value: float) -> str:
    """A figure as the reader's language writes it, grouped, with one decimal only when it has one (a median
    is a whole or a half): 2.5 and 1,234 in English, 2,5 and 1 234 in French. journey.js writes them with
    Intl.NumberFormat the same way."""
    value = round(value, 1)
    return number_format(value, 0 if float(value).is_integer() else 1, force_grouping=True)


def percent(share: float) -> str:
    """A share (0 to 1) as a whole percentage: 20% in English, 20 % in French. Rounded half up, as
    journey.js's Math.round."""
    return gettext("%(percent)s%%") % {"percent": number(int(share * 100 + 0.5))}


def scale_words(value: float, labels: dict[int, str]) -> str:
    """A median in number and words: "4 – Very frustrating"; a half between two points names both."""
    if float(value).is_integer():
        return f"{number(value)} – {labels[int(value)]}"
    return gettext("%(number)s – between “%(lower)s” and “%(upper)s”") % {
        "number": number(value),
        "lower": labels[int(value)],
        "upper": labels[int(value) + 1],
    }


def frustration_labels() -> dict[int, str]:
    return {value: str(label) for value, label in Frustration.choices}


def motivation_labels() -> dict[int, str]:
    return {value: str(label) for value, label in Motivation.choices}


def short_name(name: str) -> str:
    """A stage's name as the drawing has room for: cut after a whole word when it is too long."""
    if len(name) <= NAME_MAX:
        return name
    cut = name[: NAME_MAX - 1]
    if name[len(cut)] != " " and " " in cut[NAME_MAX // 2 :]:  # cut inside a word: drop it
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


@dataclass(frozen=True)
class Mark:
    """One bar of a stage's row: its length and where its label starts, and the label."""

    value: float
    width: float
    label_x: float
    label: str  # drawn beside the bar: "Frustration 4"
    words: str  # in the table: "4 – Very frustrating"


def coordinate(value: float) -> float | int:
    """A position in the viewBox to two decimals, whole when it is ("312", not "312.0", as journey.js
    writes it)."""
    value = round(value, 2)
    return int(value) if float(value).is_integer() else value


def mark(value: float, label: str, labels: dict[int, str]) -> Mark:
    width = coordinate(value * UNIT)
    return Mark(value, width, coordinate(BAR_X + width + LABEL_GAP), label, scale_words(value, labels))


@dataclass
class StageRow:
    stage: ConsultationStage  # named in the reader's language
    y: int  # the row's top in the viewBox
    version: int
    summary: StageSummary | None  # None: fewer than MIN_CHECKINS check-ins, nothing of them is shown
    frustration: Mark | None = None
    motivation: Mark | None = None
    checkins: str = ""
    gave_up: str = ""
    breaks: bool = False
    proposals: list[Proposal] = field(default_factory=list)
    stories: list = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.summary is not None

    @property
    def drawn_name(self) -> str:
        return short_name(self.stage.name)

    @property
    def gave_up_label(self) -> str:
        return gave_up_label() % {"share": self.gave_up}


@dataclass
class JourneyMapView:
    rows: list[StageRow]
    version: int  # the sum of the shown stages' versions: see frontend.views.journeys
    breaking_point: StageRow | None
    minimum: int = MIN_CHECKINS
    width: int = WIDTH
    row_height: int = ROW
    unit: int = UNIT
    bar_x: int = BAR_X
    label_gap: int = LABEL_GAP
    pad: int = PAD
    name_y: int = NAME_Y
    frustration_y: int = FRUSTRATION_Y
    motivation_y: int = MOTIVATION_Y
    bar_height: int = BAR_HEIGHT
    gave_up_y: int = GAVE_UP_Y
    break_y: int = BREAK_Y
    name_size: int = NAME_SIZE
    label_size: int = LABEL_SIZE

    @property
    def height(self) -> int:
        return ROW * len(self.rows)

    @property
    def frame_width(self) -> int:
        return WIDTH - 4

    @property
    def frame_height(self) -> int:
        return ROW - 8

    @property
    def label_y_offset(self) -> int:
        """From a bar's top to its label's baseline: the label sits level with the bar."""
        return BAR_HEIGHT - 5

    @property
    def frustration_label_y(self) -> int:
        return FRUSTRATION_Y + self.label_y_offset

    @property
    def motivation_label_y(self) -> int:
        return MOTIVATION_Y + self.label_y_offset

    @property
    def withheld_y(self) -> int:
        return MOTIVATION_Y

    @property
    def sentence(self) -> str:
        if self.breaking_point is None:
            return no_break_sentence()
        return break_sentence() % {"stage": self.breaking_point.stage.name}


def gave_up_label() -> str:
    return gettext("Gave up here: %(share)s")


def break_sentence() -> str:
    return gettext("The journey breaks at “%(stage)s”: frustration overtakes motivation there.")


def no_break_sentence() -> str:
    return gettext("Among the stages we can show, frustration does not overtake motivation anywhere.")


def stage_row(index: int, map_stage, stories: list) -> StageRow:
    summary = stage_summary(map_stage.figures)
    # A withheld stage's version would count its check-ins: it is 0 on the page (and nothing is said live
    # of it before its fifth check-in, see proposals.services.journeys).
    version = map_stage.figures.version if summary is not None else 0
    row = StageRow(map_stage.stage, index * ROW, version, summary, proposals=map_stage.proposals)
    if summary is None:
        return row
    row.frustration = mark(
        summary["frustration_median"],
        pgettext("a median on the journey map", "Frustration %(number)s")
        % {"number": number(summary["frustration_median"])},
        frustration_labels(),
    )
    row.motivation = mark(
        summary["motivation_median"],
        pgettext("a median on the journey map", "Motivation %(number)s")
        % {"number": number(summary["motivation_median"])},
        motivation_labels(),
    )
    row.checkins = number(summary["checkins"])
    row.gave_up = percent(summary["gave_up_share"])
    row.stories = stories
    return row


def journey_map_view(*, consultation: ConsultationPage, stages=None) -> JourneyMapView | None:
    """The journey map of `consultation` (the canonical page) as its page shows it, in the reader's language;
    None for a consultation without stages. `stages`: its localized_stages(), when the caller has them. Six
    queries at most, whatever the number of check-ins and proposals."""
    found = current_journey_map(consultation=consultation, stages=stages)
    if not found.stages:
        return None
    stories = stage_stories(stage_ids=[s.stage.pk for s in found.stages])
    rows = [stage_row(i, s, stories.get(s.stage.pk, [])) for i, s in enumerate(found.stages)]
    breaking = found.breaking_point
    breaking_row = None
    for row in rows:
        row.breaks = breaking is not None and row.stage.pk == breaking.stage.pk
        if row.breaks:
            breaking_row = row
    return JourneyMapView(rows, sum(row.version for row in rows), breaking_row)


def journey_config(consultation: ConsultationPage) -> dict:
    """Translated strings and the scale's words for journey.js, rendered with json_script."""
    return {
        "url": reverse("consultation_journey_map", args=[consultation.pk]),
        "frustration": frustration_labels(),
        "motivation": motivation_labels(),
        "t": {
            "frustration": pgettext("a median on the journey map", "Frustration %(number)s"),
            "motivation": pgettext("a median on the journey map", "Motivation %(number)s"),
            "between": gettext("%(number)s – between “%(lower)s” and “%(upper)s”"),
            # "%(percent)s%%" with its "%%" made "%": shared.js format() knows only "%(name)s".
            "percent": gettext("%(percent)s%%") % {"percent": "%(percent)s"},
            "gave_up": gave_up_label(),
            "breaks": break_sentence(),
            "no_break": no_break_sentence(),
            "changed": gettext("New figures for the stage “%(stage)s”."),
        },
    }
