"""Setting supports aside over HTTP: thin over votes.invalidations; errors become the common JSON body in
cocreate.exceptions.api_exception_handler.

- GET /api/v1/moderation/proposals/{id}/invalidations/: the proposal's invalidations, newest first.
- POST the same: set aside the counted supports that match the criteria, with a reason (201).
Officials only, with their second factor; writes are rate-limited by the `official` scope."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.accounts.mfa import MFA_REQUIRED, SecondFactorRequired
from cocreate.api_params import json_body
from cocreate.limits import Text
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle
from proposals import permissions, selectors
from proposals.services import REASON_MAX

from ..invalidations import CRITERIA_MAX, supports_invalidate
from ..models import Invalidation
from ..selectors import invalidations_list


class CanSetAsideSupports(BasePermission):
    """Before any look-up: 401 anonymous, 403 `forbidden` without the role, 403 `mfa_required` with the
    role and no second factor yet (as proposals.api.roles)."""

    message = gettext_lazy("Only officials can set supports aside or count them again.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if permissions.can_set_aside_supports(user):
            return True
        if permissions.official_refusal(user) == MFA_REQUIRED:
            raise SecondFactorRequired()
        return False


class InvalidationSerializer(serializers.ModelSerializer):
    created_by_name = serializers.SerializerMethodField()
    still_set_aside = serializers.IntegerField(
        read_only=True, help_text="Of the supports it set aside, those not counted again since nor withdrawn."
    )

    class Meta:
        model = Invalidation
        fields = [
            "id",
            "proposal",
            "reason",
            "criteria",
            "set_aside",
            "still_set_aside",
            "created_by_name",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "reason": {"help_text": "Shown in the proposal's public history and to the citizens concerned."},
            "criteria": {
                "help_text": "What selected the supports: `address_hashes`, `domains`, `joined_from`, "
                "`joined_to`, `user_ids` (the kinds given)."
            },
            "set_aside": {"help_text": "How many supports it set aside when it was made."},
        }

    def get_created_by_name(self, invalidation: Invalidation) -> str:
        user = invalidation.created_by
        return (user.get_full_name() or user.display_name) if user else ""


def _list(child, help_text: str):
    return serializers.ListField(
        child=child, required=False, default=list, max_length=CRITERIA_MAX, help_text=help_text
    )


class InvalidationCreateSerializer(serializers.Serializer):
    """Each kind given narrows the set (AND); the values of one kind add up (OR). At least one kind."""

    reason = Text(max_length=REASON_MAX, help_text="Why: public, in the proposal's history.")
    address_hashes = _list(
        serializers.CharField(max_length=16),
        "Keyed hashes of client addresses, as the supports review shows them.",
    )
    domains = _list(serializers.CharField(max_length=255), "E-mail domains, like example.org.")
    joined_from = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="First sign-up day of the window (site time zone).",
    )
    joined_to = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Last sign-up day of the window, included."
    )
    user_ids = _list(serializers.IntegerField(min_value=1), "Accounts, by id.")


class InvalidationResultSerializer(serializers.Serializer):
    invalidation = InvalidationSerializer()
    supports = serializers.IntegerField(help_text="The proposal's count now.")
    version = serializers.IntegerField(help_text="The count's version, as the live stream carries it.")
    promise_withdrawn = serializers.BooleanField(
        help_text="The supports left no longer reach the threshold: the promise of a response was withdrawn."
    )


NOT_OFFICIAL = refusal("Not an official.")


class ProposalInvalidationsView(APIView):
    permission_classes = [IsAuthenticated, CanSetAsideSupports]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "official"

    @extend_schema(
        operation_id="proposal_invalidations",
        responses={200: InvalidationSerializer(many=True), 403: NOT_OFFICIAL, 404: ERROR},
        description="The proposal's sets of supports set aside, newest first. Officials only.",
    )
    def get(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        return Response(InvalidationSerializer(invalidations_list(proposal=proposal), many=True).data)

    @extend_schema(
        operation_id="proposal_invalidation_add",
        request=InvalidationCreateSerializer,
        responses={
            201: InvalidationResultSerializer,
            403: NOT_OFFICIAL,
            404: ERROR,
            409: refusal(
                "No counted support matches the criteria (`nothing_to_set_aside`).", "nothing_to_set_aside"
            ),
        },
        description="Set aside the counted supports of the proposal that match the criteria, with a reason. "
        "Officials only. The supports are kept, no longer counted; the public history says how many and "
        "why; a promise the supports left no longer reach is withdrawn. The consultation's live stream "
        "carries `proposal.support_changed`, then `proposal.threshold_withdrawn` and "
        "`proposal.status_changed` if so.",
    )
    def post(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        result = supports_invalidate(
            actor=request.user, proposal=proposal, **json_body(InvalidationCreateSerializer, request)
        )
        invalidation = result.invalidation
        invalidation.still_set_aside = invalidation.set_aside
        body = {
            "invalidation": InvalidationSerializer(invalidation).data,
            "supports": result.supports,
            "version": result.version,
            "promise_withdrawn": result.promise_withdrawn,
        }
        return Response(body, status=status.HTTP_201_CREATED)
