"""The moderators' work over HTTP: the moderation queue, and dismissing the open reports on a proposal or
a comment. Thin: the queue is read by proposals.moderation_selectors (as the Wagtail admin's queue is), the
reports dismissed by proposals.services.flags_dismiss; errors become the common JSON body.

- GET /api/v1/moderation/queue/: pending and reported proposals and comments, and the check-ins' stories
  waiting for a moderator, oldest first, paginated.
- POST /api/v1/proposals/{id}/dismiss-flags/ and /api/v1/comments/{id}/dismiss-flags/: 409
  `no_open_flags` when there is nothing to dismiss, `under_review` on an item hidden pending review."""

from collections.abc import Callable

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.api_params import BAD_PARAMETER, StrictPagination, json_body
from cocreate.limits import Text
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle

from ..models import FlagReason, Visibility
from ..moderation_selectors import QUEUE_KINDS, QueueItem, moderation_queue, queue_items
from ..services import REASON_MAX, flags_dismiss
from .moderation import FlagSerializer, comment_target, proposal_target
from .roles import CanModerate


class QueuePagination(StrictPagination):
    page_size = 50  # as the admin's queue
    max_page_size = 100


class ConsultationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


# The text a moderator judges, by kind of item.
TEXT_OF = {"proposal": "summary", "comment": "body", "checkin": "story"}


class QueueItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=QUEUE_KINDS,
        help_text="`checkin`: a check-in's story, decided on with POST /api/v1/checkins/{id}/moderation/.",
    )
    id = serializers.IntegerField(
        source="item.pk", help_text="The proposal's, the comment's or the check-in's id."
    )
    proposal = serializers.IntegerField(
        source="proposal.pk",
        allow_null=True,
        help_text="The proposal, or the commented one; null for a check-in.",
    )
    title = serializers.SerializerMethodField(
        help_text="The proposal's title; for a check-in, the name of the stage its story is about."
    )
    text = serializers.SerializerMethodField(
        help_text="The proposal's summary, the comment's text, or the check-in's story."
    )
    pending_edit = serializers.SerializerMethodField(
        help_text="A published comment's new text, written by its author and waiting for moderation (the "
        "public still reads `text`): approve it or reject_edit it. Null when there is none."
    )
    author_name = serializers.SerializerMethodField(help_text="Empty for a deleted account.")
    consultation = ConsultationRefSerializer()
    visibility = serializers.ChoiceField(source="item.visibility", choices=Visibility.choices)
    under_review = serializers.BooleanField(
        help_text="Hidden automatically after reports from its consultation's number of distinct accounts, "
        "waiting for a moderator: hide confirms the hide (with a reason), restore publishes it again. "
        "These come first in the queue."
    )
    auto_hidden_at = serializers.SerializerMethodField(
        help_text="When it was hidden pending review; null when it was not."
    )
    created_at = serializers.DateTimeField(source="item.created_at")
    queued_at = serializers.DateTimeField(
        help_text="Waiting since: its submission if pending, else its oldest open report (the earlier)."
    )
    open_flags = serializers.SerializerMethodField(help_text="How many reports are open.")
    reasons = serializers.SerializerMethodField(help_text="Each reason given, the most given first.")
    reports = FlagSerializer(source="flags", many=True, help_text="The open reports, with their details.")

    @extend_schema_field(serializers.CharField())
    def get_title(self, entry: QueueItem) -> str:
        return entry.item.stage.name if entry.kind == "checkin" else entry.proposal.title

    @extend_schema_field(serializers.CharField())
    def get_text(self, entry: QueueItem) -> str:
        return getattr(entry.item, TEXT_OF[entry.kind])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pending_edit(self, entry: QueueItem) -> str | None:
        held = entry.kind == "comment" and entry.item.has_pending_edit
        return entry.item.pending_body if held else None

    @extend_schema_field(serializers.CharField())
    def get_author_name(self, entry: QueueItem) -> str:
        return str(entry.item.author.public_name) if entry.item.author else ""

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_auto_hidden_at(self, entry: QueueItem) -> str | None:
        hidden_at = getattr(entry.item, "auto_hidden_at", None)  # a check-in has none
        return serializers.DateTimeField().to_representation(hidden_at) if hidden_at else None

    @extend_schema_field(serializers.IntegerField())
    def get_open_flags(self, entry: QueueItem) -> int:
        return len(entry.flags)

    @extend_schema_field(ReasonCountSerializer(many=True))
    def get_reasons(self, entry: QueueItem) -> list[dict]:
        return [
            {"reason": reason, "label": str(FlagReason(reason).label), "count": n}
            for reason, n in entry.reason_counts
        ]


class ModerationQueueView(GenericAPIView):
    permission_classes = [CanModerate]
    serializer_class = QueueItemSerializer
    pagination_class = QueuePagination

    @extend_schema(
        operation_id="moderation_queue",
        responses={200: QueueItemSerializer(many=True), 400: BAD_PARAMETER, 401: ERROR, 403: ERROR},
        description="Moderators and officials: the proposals and comments waiting for moderation (pending, "
        "or a comment's edit held in a pre-moderated consultation), reported (open reports) or hidden "
        "pending review after reports (`under_review`), and the check-ins' stories waiting for moderation "
        "(kind `checkin`): those under review first, then the others, each oldest first, as in the "
        "admin's queue.",
    )
    def get(self, request):
        page = self.paginate_queryset(moderation_queue())
        data = QueueItemSerializer(queue_items(page), many=True).data
        return self.get_paginated_response(data)


class DismissFlagsSerializer(serializers.Serializer):
    reason = Text(
        max_length=REASON_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional; kept in the audit trail.",
    )


class DismissedSerializer(serializers.Serializer):
    dismissed = serializers.IntegerField(help_text="How many open reports were dismissed.")


def _dismiss_schema(kind: str):
    return extend_schema(
        operation_id=f"{kind}_dismiss_flags",
        request=DismissFlagsSerializer,
        responses={
            200: DismissedSerializer,
            400: ERROR,
            401: ERROR,
            403: ERROR,
            404: OpenApiResponse(description=f"No such {kind}."),
            409: refusal(
                "No open reports to dismiss (`no_open_flags`), or hidden pending review after reports "
                "(`under_review`): restore it or confirm the hide instead.",
                "no_open_flags",
                "under_review",
            ),
            429: ERROR,
        },
        description=f"Moderators and officials: resolve the open reports on a {kind} and leave it as it "
        "is. Written to the audit trail.",
    )


class DismissFlagsView(APIView):
    """POST dismisses the open reports on the item named by the URL, found by the subclass's
    `find_target`."""

    permission_classes = [CanModerate]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "official"
    find_target: Callable[[Request, int], dict]

    def post(self, request, pk: int):
        target = self.find_target(request, pk)  # a 404 for an unknown item, whatever the body says
        data = json_body(DismissFlagsSerializer, request)
        dismissed = flags_dismiss(actor=request.user, **target, reason=data["reason"])
        return Response({"dismissed": dismissed})


# The item is found as for a report: one rule for which item a URL names to whom.
@extend_schema_view(post=_dismiss_schema("proposal"))
class ProposalDismissFlagsView(DismissFlagsView):
    find_target = staticmethod(proposal_target)


@extend_schema_view(post=_dismiss_schema("comment"))
class CommentDismissFlagsView(DismissFlagsView):
    find_target = staticmethod(comment_target)
