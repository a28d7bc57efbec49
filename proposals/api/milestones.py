"""“You said, we did”: the implementation steps of an accepted proposal. Thin HTTP over
proposals.services.milestones; errors become the common JSON body in
cocreate.exceptions.api_exception_handler.

- GET /api/v1/proposals/{id}/milestones/: the steps of a proposal the reader may see, in their planned order.
- POST /api/v1/proposals/{id}/milestones/: an official plans a step (201).
- PATCH /api/v1/milestones/{id}/: an official starts a step, completes it, or plans it for another date.
Writes are rate-limited by the `official` scope."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.api_params import json_body
from cocreate.limits import Text
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle

from .. import selectors
from ..milestone_selectors import milestone_get, milestone_list
from ..models import Milestone, MilestoneState
from ..services import NOTE_MAX, TITLE_MAX, milestone_add, milestone_update


class MilestoneSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    late = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = [
            "id",
            "proposal",
            "title",
            "state",
            "state_label",
            "planned_for",
            "started_on",
            "done_on",
            "note",
            "late",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "started_on": {"help_text": "The day the step started; null until it did (or if done at once)."},
            "done_on": {"help_text": "The day the step was done; null until it is."},
            "note": {"help_text": "The official's note on the latest change."},
        }

    @extend_schema_field(
        serializers.BooleanField(help_text="Not done by its planned date, or done after it.")
    )
    def get_late(self, milestone: Milestone) -> bool:
        return milestone.is_late()


class MilestoneCreateSerializer(serializers.Serializer):
    title = Text(max_length=TITLE_MAX, help_text="What will be done, as the public will read it.")
    planned_for = serializers.DateField(help_text="The day it is planned for (YYYY-MM-DD).")
    note = Text(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class MilestoneUpdateSerializer(serializers.Serializer):
    """One change: a new state (with the day it happened), or a new planned date."""

    state = serializers.ChoiceField(
        choices=MilestoneState.choices,
        required=False,
        help_text="Forward only: planned → in_progress → done (planned → done too); done is final.",
    )
    on = serializers.DateField(
        required=False, help_text="The day the step started or was done; today if left out, never later."
    )
    planned_for = serializers.DateField(required=False, help_text="A new planned day, instead of a state.")
    note = Text(max_length=NOTE_MAX, required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        message = _("Choose one of: %s.") % ", ".join(MilestoneState.values)
        for key in ("invalid_choice", "null", "blank"):
            self.fields["state"].error_messages[key] = message


NOT_OFFICIAL = refusal("Not an official.")
WRONG_PROPOSAL = (
    "The proposal is not published (`proposal_not_published`), or not accepted or implemented "
    "(`proposal_not_accepted`)"
)


class ProposalMilestonesView(APIView):
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "official"

    def get_permissions(self):
        return [] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        operation_id="proposal_milestones",
        responses={200: MilestoneSerializer(many=True), 404: ERROR},
        description="The implementation steps of an accepted proposal (“you said, we did”), in their planned "
        "order, with their state, dates and the official's latest note.",
    )
    def get(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        return Response(MilestoneSerializer(milestone_list(proposal=proposal), many=True).data)

    @extend_schema(
        operation_id="proposal_milestone_add",
        request=MilestoneCreateSerializer,
        responses={
            201: MilestoneSerializer,
            403: NOT_OFFICIAL,
            404: ERROR,
            409: refusal(WRONG_PROPOSAL + ".", "proposal_not_published", "proposal_not_accepted"),
        },
        description="Plan an implementation step of an accepted proposal. Officials only. Its followers are "
        "notified, and the consultation's live stream carries `proposal.milestone_changed`.",
    )
    def post(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        data = json_body(MilestoneCreateSerializer, request)
        milestone = milestone_add(actor=request.user, proposal=proposal, **data)
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)


class MilestoneDetailView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "official"
    http_method_names = ["patch", "options"]

    @extend_schema(
        operation_id="milestone_update",
        request=MilestoneUpdateSerializer,
        responses={
            200: MilestoneSerializer,
            403: NOT_OFFICIAL,
            404: ERROR,
            409: refusal(
                WRONG_PROPOSAL + ", the step is done and final (`milestone_done`), or the state would not "
                "move forward (`milestone_backwards`).",
                "proposal_not_published",
                "proposal_not_accepted",
                "milestone_done",
                "milestone_backwards",
            ),
        },
        description="Start an implementation step, complete it, or plan it for another day: one change a "
        "request. Officials only. Its followers are notified, and the consultation's live stream carries "
        "`proposal.milestone_changed`.",
    )
    def patch(self, request, pk: int):
        milestone = milestone_get(milestone_id=pk, user=request.user)
        data = json_body(MilestoneUpdateSerializer, request)
        milestone = milestone_update(actor=request.user, milestone_id=milestone.pk, **data)
        return Response(MilestoneSerializer(milestone).data)
