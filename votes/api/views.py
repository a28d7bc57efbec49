from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from proposals import selectors
from proposals.api.serializers import SupportStateSerializer
from proposals.api.views import ScopedWriteThrottle

from .. import services


class SupportView(APIView):
    """POST supports a proposal (201, or 200 when already supporting); DELETE withdraws (204)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "support"

    @extend_schema(request=None, responses={200: SupportStateSerializer, 201: SupportStateSerializer})
    def post(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        result = services.support_add(user=request.user, proposal=proposal)
        body = SupportStateSerializer({**result.__dict__, "supported_by_me": True}).data
        return Response(body, status=status.HTTP_201_CREATED if result.changed else status.HTTP_200_OK)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        services.support_withdraw(user=request.user, proposal=proposal)
        return Response(status=status.HTTP_204_NO_CONTENT)
