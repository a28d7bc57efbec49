"""Reports to the moderators and the audit trail: thin HTTP over proposals.services.flags and the
proposal's AuditEntry rows. Errors become the common JSON body in cocreate.exceptions.api_exception_handler.

- POST /api/v1/proposals/{id}/flag/ and /api/v1/comments/{id}/flag/: a verified citizen reports an item
  once (201; 409 `already_flagged`), rate-limited by the `flags` scope.
- GET /api/v1/proposals/{id}/history/: the public history; moderators and officials get every entry."""

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.api_params import json_body
from cocreate.limits import Text
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle

from .. import permissions, selectors
from ..comments_selectors import comment_get
from ..models import AuditEntry, AuditRole, Flag, FlagReason, Proposal
from ..moderation_selectors import audit_trail
from ..services import DETAILS_MAX, flag_create


class FlagCreateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=FlagReason.choices,
        help_text="Why the item should be looked at.",
    )
    details = Text(
        max_length=DETAILS_MAX, required=False, allow_blank=True, default="", help_text="Optional context."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every refusal of the reason names the choices, in the request's language.
        message = _("Choose one of: %s.") % ", ".join(FlagReason.values)
        for key in ("invalid_choice", "required", "null", "blank"):
            self.fields["reason"].error_messages[key] = message


class FlagSerializer(serializers.ModelSerializer):
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)

    class Meta:
        model = Flag
        fields = ["id", "reason", "reason_label", "details", "created_at"]
        read_only_fields = fields


class HistoryEntrySerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor_name = serializers.SerializerMethodField()
    actor_role_label = serializers.CharField(source="get_actor_role_display", read_only=True)
    from_label = serializers.CharField(read_only=True)
    to_label = serializers.CharField(read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "action",
            "action_label",
            "created_at",
            "actor_name",
            "actor_role",
            "actor_role_label",
            "from_value",
            "from_label",
            "to_value",
            "to_label",
            "reason",
            "response",
            "comment",
            "milestone",
            "public",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "reason": {"help_text": "The official's note on a status change, or the moderator's reason."},
            "response": {"help_text": "The official response this entry belongs to, if any."},
            "comment": {"help_text": "Set when a moderator acted on one of the proposal's comments."},
            "milestone": {
                "help_text": "The implementation step planned, rescheduled, started or done, if any "
                "(`to_value` is its state then)."
            },
        }

    @extend_schema_field(serializers.CharField())
    def get_actor_name(self, entry: AuditEntry) -> str:
        # Stored empty for the platform and for an official without a name: named in the reader's language.
        if entry.actor_role == AuditRole.PLATFORM:
            return pgettext("who did an action in a proposal's history", "The platform")
        return entry.actor_name or str(entry.get_actor_role_display())


def proposal_history(*, proposal: Proposal, user) -> QuerySet[AuditEntry]:
    """The proposal's trail, oldest first: public entries for everyone; every entry (moderation of the
    proposal and of its comments included) for moderators and officials."""
    entries = audit_trail(proposal=proposal)
    return entries if permissions.can_moderate(user) else entries.public()


FLAG_RESPONSES = {
    201: FlagSerializer,
    400: ERROR,
    401: ERROR,
    403: refusal(
        "Not a verified citizen (`email_unverified`), or your own (`own_item`).",
        "email_unverified",
        "own_item",
    ),
    404: OpenApiResponse(description="No such item, or one you cannot see."),
    409: refusal(
        "Already reported by you (`already_flagged`), or no longer published "
        "(`proposal_not_published`, `comment_not_published`).",
        "already_flagged",
        "proposal_not_published",
        "comment_not_published",
    ),
    429: ERROR,
}


def _flag_schema(kind: str):
    return extend_schema(
        operation_id=f"{kind}_flag",
        request=FlagCreateSerializer,
        responses=FLAG_RESPONSES,
        description=f"Report a published {kind} to the moderators, once per citizen. Verified citizens "
        f"only, never on their own {kind}.",
    )


def proposal_target(request, pk: int) -> dict:
    """The proposal a URL names, as the requester may see it (a 404 otherwise), as the services' keyword."""
    return {"proposal": selectors.proposal_get(proposal_id=pk, user=request.user)}


def comment_target(request, pk: int) -> dict:
    """As `proposal_target`, for a comment."""
    return {"comment": comment_get(comment_id=pk, user=request.user)}


class FlagView(APIView):
    """POST reports the item named by the URL, found by the subclass's `find_target`."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "flags"
    find_target: Callable[[Request, int], dict]

    def post(self, request, pk: int):
        target = self.find_target(request, pk)  # a 404 for an item they cannot see, whatever the body says
        flag = flag_create(reporter=request.user, **target, **json_body(FlagCreateSerializer, request))
        return Response(FlagSerializer(flag).data, status=status.HTTP_201_CREATED)


@extend_schema_view(post=_flag_schema("proposal"))
class ProposalFlagView(FlagView):
    find_target = staticmethod(proposal_target)


@extend_schema_view(post=_flag_schema("comment"))
class CommentFlagView(FlagView):
    find_target = staticmethod(comment_target)


class ProposalHistoryView(APIView):
    permission_classes = []

    @extend_schema(
        operation_id="proposal_history",
        responses={200: HistoryEntrySerializer(many=True), 404: ERROR},
        description="The proposal's history, oldest first: the support threshold reached, status changes "
        "with the official's note, official responses published, implementation steps planned, rescheduled, "
        "started and done. Moderators and officials also get the "
        "moderation entries (approved, hidden, restored, reports dismissed) of the proposal and its "
        "comments, with the moderator's reason.",
    )
    def get(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        entries = proposal_history(proposal=proposal, user=request.user)
        return Response(HistoryEntrySerializer(entries, many=True).data)
