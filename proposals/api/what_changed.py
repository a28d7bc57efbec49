"""GET /api/v1/consultations/{id}/what-changed/: what the consultation's What changed page shows, for anyone,
of a live, public consultation (found as the open data finds it, a 404 for anything else).

For each stage in journey order: the implementation steps of its published proposals, the day of the first
one done, which splits its check-ins into before (the days before it) and after (from that day on), and the
two sides compared with the Mann–Whitney U test (proposals.statistics), frustration and motivation apart.
A stage with fewer than `minimum` check-ins in all tells nothing of them, not even a count; a side with
fewer than `minimum` has its count only."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..choices import MilestoneState
from ..journey_selectors import StageFigures
from ..models import Milestone
from ..open_data import open_consultation
from ..statistics import DIFFERENCE, NO_CLEAR_DIFFERENCE, NOT_ENOUGH, SIGNIFICANCE, Comparison
from ..what_changed import StageChange, WhatChanged, current_what_changed

TOO_FEW_CHECKINS = "too_few_checkins"
SCALE_HELP = "The number of check-ins at each point of the 1-to-5 scale, 1 first; null below `minimum`."


class StepProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()


class StepSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=MilestoneState.choices)
    state_label = serializers.CharField(help_text="The state in the request's language.")
    planned_for = serializers.DateField()
    started_on = serializers.DateField(allow_null=True)
    done_on = serializers.DateField(allow_null=True)
    proposal = StepProposalSerializer(help_text="The published proposal the step puts into practice.")


class SideSerializer(serializers.Serializer):
    checkins = serializers.IntegerField(help_text="Check-ins of the local days on this side of `split_on`.")
    frustration_median = serializers.FloatField(allow_null=True, help_text="Null below `minimum`.")
    motivation_median = serializers.FloatField(allow_null=True, help_text="Null below `minimum`.")
    frustration = serializers.ListField(
        child=serializers.IntegerField(), min_length=5, max_length=5, allow_null=True, help_text=SCALE_HELP
    )
    motivation = serializers.ListField(
        child=serializers.IntegerField(), min_length=5, max_length=5, allow_null=True, help_text=SCALE_HELP
    )


class ComparisonSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[
            (DIFFERENCE, "p below `significance`, with `minimum` check-ins on each side: more than noise"),
            (NO_CLEAR_DIFFERENCE, "p at or above `significance`"),
            (NOT_ENOUGH, "Fewer than `minimum` check-ins on a side: not tested"),
        ]
    )
    direction = serializers.ChoiceField(
        choices=[("down", "Lower after"), ("up", "Higher after")],
        allow_null=True,
        help_text="Only for `difference`: whether the answers after rank lower or higher than before.",
    )
    u = serializers.FloatField(allow_null=True, help_text="The U statistic of the check-ins before.")
    z = serializers.FloatField(
        allow_null=True, help_text="Null when every answer is the same (then p is 1) or not tested."
    )
    p = serializers.FloatField(allow_null=True, help_text="Two-sided; null when not tested.")


class WhatChangedStageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField(help_text="In the request's language where a translation names it.")
    milestones = StepSerializer(
        many=True, help_text="Done ones first by the day they were done, then the others by planned day."
    )
    split_on = serializers.DateField(
        allow_null=True, help_text="The day of the first step done; null while none is."
    )
    split_by = serializers.IntegerField(allow_null=True, help_text="That step's id.")
    withheld = serializers.ChoiceField(
        choices=[(TOO_FEW_CHECKINS, "Fewer check-ins than the minimum on the stage")],
        allow_null=True,
        help_text="Why `before` and `after` are null although a step is done; null otherwise.",
    )
    before = SideSerializer(allow_null=True, help_text="Null without a step done or when withheld.")
    after = SideSerializer(allow_null=True, help_text="Null without a step done or when withheld.")
    frustration = ComparisonSerializer(
        allow_null=True, help_text="Null without a step done or when withheld."
    )
    motivation = ComparisonSerializer(allow_null=True, help_text="Null without a step done or when withheld.")


class WhatChangedSerializer(serializers.Serializer):
    consultation = serializers.IntegerField()
    test = serializers.ChoiceField(
        choices=[("mann_whitney_u", "Mann–Whitney U")],
        help_text="The test used: the two-sided Mann–Whitney U test, normal approximation with tie and "
        "continuity corrections (scipy.stats.mannwhitneyu, method='asymptotic').",
    )
    minimum = serializers.IntegerField(help_text="Check-ins needed on each side for medians and a test.")
    significance = serializers.FloatField(help_text="Below this p-value a difference is more than noise.")
    stages = WhatChangedStageSerializer(many=True, help_text="In journey order.")
    across = StepSerializer(many=True, help_text="Steps of published proposals about no stage.")


def step_data(milestone: Milestone) -> dict:
    proposal = milestone.proposal
    return {
        "id": milestone.pk,
        "title": milestone.title,
        "state": milestone.state,
        "state_label": str(milestone.get_state_display()),
        "planned_for": milestone.planned_for,
        "started_on": milestone.started_on,
        "done_on": milestone.done_on,
        "proposal": {"id": proposal.pk, "title": proposal.title, "url": proposal.get_absolute_url()},
    }


def side_data(figures: StageFigures, frustration: float | None, motivation: float | None) -> dict:
    shown = frustration is not None  # the side has the minimum (statistics.compare)
    return {
        "checkins": figures.checkins,
        "frustration_median": frustration,
        "motivation_median": motivation,
        "frustration": list(figures.frustration) if shown else None,
        "motivation": list(figures.motivation) if shown else None,
    }


def comparison_data(comparison: Comparison) -> dict:
    test = comparison.test
    return {
        "outcome": comparison.outcome,
        "direction": comparison.direction,
        "u": test.u if test else None,
        "z": test.z if test else None,
        "p": test.p if test else None,
    }


def stage_data(change: StageChange) -> dict:
    step = change.first_done
    data = {
        "id": change.stage.pk,
        "slug": change.stage.slug,
        "name": change.stage.name,
        "milestones": [step_data(m) for m in change.milestones],
        "split_on": step.done_on if step else None,
        "split_by": step.pk if step else None,
        "withheld": TOO_FEW_CHECKINS if step and not change.shown else None,
        "before": None,
        "after": None,
        "frustration": None,
        "motivation": None,
    }
    if step and change.shown:
        f, m = change.frustration, change.motivation
        data["before"] = side_data(change.before, f.before_median, m.before_median)
        data["after"] = side_data(change.after, f.after_median, m.after_median)
        data["frustration"], data["motivation"] = comparison_data(f), comparison_data(m)
    return data


def what_changed_data(consultation_id: int, found: WhatChanged) -> dict:
    return {
        "consultation": consultation_id,
        "test": "mann_whitney_u",
        "minimum": found.minimum,
        "significance": SIGNIFICANCE,
        "stages": [stage_data(change) for change in found.stages],
        "across": [step_data(m) for m in found.across],
    }


class ConsultationWhatChangedView(APIView):
    @extend_schema(
        operation_id="consultation_what_changed",
        responses={200: WhatChangedSerializer, 404: OpenApiResponse(description="No such consultation.")},
        description="Anyone: stage by stage, the implementation steps of the consultation's published "
        "proposals, and the check-ins before the first step done against those from that day on, compared "
        "with the Mann–Whitney U test. Stage names and step states in the request's language.",
    )
    def get(self, request, pk: int):
        consultation = open_consultation(pk)
        found = current_what_changed(consultation=consultation)
        return Response(WhatChangedSerializer(what_changed_data(consultation.pk, found)).data)
