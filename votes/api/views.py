from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.addresses import request_address_hash
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle
from proposals import selectors
from proposals.api.serializers import SupportStateSerializer
from proposals.api.views import UNQUALIFIED, UNVERIFIED

from .. import services
from ..selectors import supports_by_day

# Giving a support also asks what the consultation asks; withdrawing one never does (votes.services).
SUPPORT_REFUSALS = {
    403: UNQUALIFIED,
    409: refusal(
        "The proposal is not published (`proposal_not_published`), its author withdrew it "
        "(`proposal_withdrawn`: it takes no new supports), an official merged it into another "
        "(`proposal_merged`: support its `merged_into`), or its consultation is closed "
        "(`consultation_closed`).",
        "proposal_not_published",
        "proposal_withdrawn",
        "proposal_merged",
        "consultation_closed",
    ),
}
WITHDRAW_REFUSALS = {
    403: UNVERIFIED,
    409: refusal(
        "The proposal is not published (`proposal_not_published`), was merged into another "
        "(`proposal_merged`: the support went with it, to its `merged_into`), or its consultation is "
        "closed (`consultation_closed`). Rarely `proposal_withdrawn`: the withdrawal shared its "
        "transaction with new supports (votes.batching) that were refused because the author withdrew "
        "the proposal just then; send it again.",
        "proposal_not_published",
        "proposal_withdrawn",
        "proposal_merged",
        "consultation_closed",
    ),
}


class SupportView(APIView):
    """POST supports a proposal (201, or 200 when already supporting); DELETE withdraws (204)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "support"

    @extend_schema(
        request=None, responses={200: SupportStateSerializer, 201: SupportStateSerializer, **SUPPORT_REFUSALS}
    )
    def post(self, request, pk: int):
        proposal = selectors.proposal_get_to_support(proposal_id=pk, user=request.user)
        result = services.support_add(
            user=request.user, proposal=proposal, address_hash=request_address_hash(request)
        )
        # SupportStateSerializer's body, built without it: a Serializer costs more than the rest of the view.
        body = {
            "proposal": result.proposal_id,
            "supports": result.supports,
            "version": result.version,
            "supported_by_me": True,
        }
        return Response(body, status=status.HTTP_201_CREATED if result.changed else status.HTTP_200_OK)

    @extend_schema(request=None, responses={204: None, **WITHDRAW_REFUSALS})
    def delete(self, request, pk: int):
        proposal = selectors.proposal_get_to_support(proposal_id=pk, user=request.user)
        services.support_withdraw(user=request.user, proposal=proposal)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SupportsStandingSerializer(serializers.Serializer):
    date = serializers.DateField()
    supports = serializers.IntegerField(help_text="Supports standing at the end of that day.")


class SupportsByDaySerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    supports = serializers.IntegerField(help_text="Supports now.")
    days = SupportsStandingSerializer(
        many=True,
        help_text="Every day (site time zone) from the publication to today, or to the consultation's "
        "closing day once closed, with the supports standing at its end: a withdrawn support counts on no "
        "day, one whose citizen deleted their account still counts. Empty for a proposal not published.",
    )


class SupportsByDayView(APIView):
    """The figures of the proposal page's chart of supports over time."""

    permission_classes = []

    @extend_schema(
        operation_id="proposal_supports_by_day",
        responses={200: SupportsByDaySerializer, 404: ERROR},
        description="A proposal's supports over time, as its page draws them.",
    )
    def get(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        days = supports_by_day(proposal=proposal) if proposal.is_published else []
        body = {
            "proposal": proposal.pk,
            "supports": proposal.supports_count,
            "days": [{"date": day, "supports": n} for day, n in days],
        }
        return Response(SupportsByDaySerializer(body).data)
