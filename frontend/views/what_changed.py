"""A consultation's What changed page: stage by stage, what was done to put its proposals into practice, and
whether the check-ins after the first step done differ from those before by more than noise
(proposals.what_changed), in words and numbers of the reader's language."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404, render
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, pgettext

from cms.models import ConsultationPage
from proposals.choices import Frustration, Motivation
from proposals.statistics import DIFFERENCE, NOT_ENOUGH, SIGNIFICANCE, Comparison
from proposals.what_changed import StageChange, current_what_changed

from ..journey_map import number, scale_words


def p_value(p: float) -> str:
    """ "= 0.003", "= 0.41", "< 0.001": three decimals under 0.1, so a p-value near 0.05 is not rounded onto
    it; two above."""
    if p < 0.001:
        return "< " + number_format(0.001, 3)
    return "= " + number_format(round(p, 3 if p < 0.1 else 2), 3 if p < 0.1 else 2)


def _measure(name: str) -> str:
    if name == "frustration":
        return pgettext("at the start of a sentence", "Frustration")
    return pgettext("at the start of a sentence", "Motivation")


def comparison_sentence(name: str, comparison: Comparison, step: str) -> str:
    """What the test says of one measure, once each side has enough check-ins."""
    values = {"measure": _measure(name), "step": step, "p": p_value(comparison.p)}
    if comparison.outcome != DIFFERENCE:
        return gettext("%(measure)s: no clear difference yet (p %(p)s).") % values
    before, after = comparison.before_median, comparison.after_median
    if before != after:
        values.update(before=number(before), after=number(after))
        if comparison.direction == "down":
            text = gettext(
                "%(measure)s fell from %(before)s to %(after)s after “%(step)s” (Mann–Whitney U test, "
                "p %(p)s): more than noise."
            )
        else:
            text = gettext(
                "%(measure)s rose from %(before)s to %(after)s after “%(step)s” (Mann–Whitney U test, "
                "p %(p)s): more than noise."
            )
    else:  # the ranks moved, not the middle answer
        values["median"] = number(before)
        if comparison.direction == "down":
            text = gettext(
                "%(measure)s fell after “%(step)s”, though its median stayed at %(median)s (Mann–Whitney U "
                "test, p %(p)s): more than noise."
            )
        else:
            text = gettext(
                "%(measure)s rose after “%(step)s”, though its median stayed at %(median)s (Mann–Whitney U "
                "test, p %(p)s): more than noise."
            )
    return text % values


@dataclass
class Side:
    """A row of a stage's table: before or after the first step done."""

    label: str
    people: str
    frustration: str | None  # None: fewer than the minimum on this side, no median shown
    motivation: str | None


@dataclass
class StageView:
    change: StageChange
    number: int
    sides: list[Side]
    sentences: list[str]

    @property
    def stage(self):
        return self.change.stage

    @property
    def done(self):
        return [m for m in self.change.milestones if m.done_on is not None]

    @property
    def to_come(self):
        return [m for m in self.change.milestones if m.done_on is None]


def _side(label: str, comparison_f: Comparison, comparison_m: Comparison, before: bool) -> Side:
    median_f = comparison_f.before_median if before else comparison_f.after_median
    median_m = comparison_m.before_median if before else comparison_m.after_median
    return Side(
        label=label,
        people=number(comparison_f.before if before else comparison_f.after),
        frustration=scale_words(median_f, dict(Frustration.choices)) if median_f is not None else None,
        motivation=scale_words(median_m, dict(Motivation.choices)) if median_m is not None else None,
    )


def stage_view(number_: int, change: StageChange, minimum: int) -> StageView:
    view = StageView(change, number_, [], [])
    step = change.first_done
    if step is None:
        view.sentences.append(gettext("The check-ins will be compared once a step is done on this stage."))
        return view
    if not change.shown:  # fewer than the minimum on the stage in all: not even the counts
        view.sentences.append(
            gettext("Not enough check-ins yet to compare (we need %(minimum)s on each side).")
            % {"minimum": number(minimum)}
        )
        return view
    frustration, motivation = change.frustration, change.motivation
    day = date_format(step.done_on, "DATE_FORMAT")
    view.sides = [
        _side(gettext("Before %(date)s") % {"date": day}, frustration, motivation, before=True),
        _side(gettext("From %(date)s on") % {"date": day}, frustration, motivation, before=False),
    ]
    if frustration.outcome == NOT_ENOUGH:
        view.sentences.append(
            gettext(
                "Not enough check-ins yet to compare (%(before)s before, %(after)s after; we need "
                "%(minimum)s on each side)."
            )
            % {
                "before": number(frustration.before),
                "after": number(frustration.after),
                "minimum": number(minimum),
            }
        )
    else:
        view.sentences += [
            comparison_sentence("frustration", frustration, step.title),
            comparison_sentence("motivation", motivation, step.title),
        ]
    return view


def what_changed_page(request, page_id: int):
    # A translation's address shows its consultation's figures (the canonical page), in its language.
    consultation = get_object_or_404(ConsultationPage.objects.live().public().of_page(page_id))
    found = current_what_changed(consultation=consultation)
    context = {
        "consultation": consultation.for_reader(),  # its title in the reader's language
        "stages": [stage_view(i, change, found.minimum) for i, change in enumerate(found.stages, start=1)],
        "across": found.across,
        "minimum": found.minimum,
        "significance": number_format(SIGNIFICANCE, 2),
    }
    return render(request, "frontend/what_changed.html", context)
