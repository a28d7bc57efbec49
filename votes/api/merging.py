"""Merging duplicates over HTTP: thin over votes.merging; errors become the common JSON body in
cocreate.exceptions.api_exception_handler.

- POST /api/v1/moderation/proposals/{id}/merge/ {"sources": [ids], "reason": "..."}: merge the proposals
  `sources` into proposal {id} (200, with the counts). Officials only, with their second factor; writes are
  rate-limited by the `official` scope."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.api_params import json_body
from cocreate.limits import Text
from cocreate.schema import refusal
from cocreate.throttling import ScopedWriteThrottle
from proposals import selectors
from proposals.api.roles import CanMergeProposals
from proposals.services import REASON_MAX
from proposals.services.merging import MERGE_SOURCES_MAX

from ..merging import proposals_merge


class MergeSerializer(serializers.Serializer):
    sources = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=MERGE_SOURCES_MAX,
        help_text="The duplicates, by id: proposals of the same consultation, published, not merged yet.",
    )
    reason = Text(max_length=REASON_MAX, help_text="Why: public, in the history of every proposal involved.")


class MergedSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Its count's version (its count is 0 now).")


class MergeResultSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(help_text="The proposal the others were merged into.")
    supports = serializers.IntegerField(help_text="Its count now: each citizen once.")
    version = serializers.IntegerField(help_text="The count's version, as the live stream carries it.")
    sources = MergedSourceSerializer(many=True)
    moved = serializers.IntegerField(help_text="Supports of the duplicates that are the proposal's now.")
    dropped = serializers.IntegerField(
        help_text="Supports of the duplicates whose citizens supported it, or another duplicate, already."
    )
    promise_made = serializers.BooleanField(
        help_text="The count now reaches the consultation's threshold: the promise of a response was made."
    )


class ProposalMergeView(APIView):
    permission_classes = [IsAuthenticated, CanMergeProposals]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "official"

    @extend_schema(
        operation_id="proposal_merge",
        request=MergeSerializer,
        responses={
            200: MergeResultSerializer,
            403: refusal("Not an official."),
            404: refusal(
                "No such proposal, or a duplicate that does not exist (`source_not_found`).",
                "not_found",
                "source_not_found",
            ),
            409: refusal(
                "A duplicate of another consultation (`other_consultation`), merged already "
                "(`source_merged`) or not published (`source_not_published`); or this proposal is not "
                "published (`proposal_not_published`), withdrawn (`proposal_withdrawn`) or merged "
                "itself (`proposal_merged`). On a site running on SQLite (the demo), every merge "
                "(`merge_unavailable`).",
                "other_consultation",
                "source_merged",
                "source_not_published",
                "proposal_not_published",
                "proposal_withdrawn",
                "proposal_merged",
                "merge_unavailable",
            ),
        },
        description="Merge duplicates into this proposal, with a reason. Officials only. Each citizen's "
        "supports of them become one support of this proposal (the earliest, as it was: set aside or not); "
        "their followers and comments come too. The duplicates take no more supports, comments or edits, "
        "their count is 0 and their pages send readers here; their promise, if any, is withdrawn, and this "
        "one's is made if its count now reaches the threshold. The public history of each says so, and "
        "the authors are told. The consultation's live stream carries `proposal.support_changed` for "
        "each, then `proposal.merged` for each duplicate.",
    )
    def post(self, request, pk: int):
        target = selectors.proposal_get(proposal_id=pk, user=request.user)
        data = json_body(MergeSerializer, request)
        result = proposals_merge(
            actor=request.user, target=target, sources=data["sources"], reason=data["reason"]
        )
        body = {
            "proposal": result.target.pk,
            "supports": result.supports,
            "version": result.version,
            "sources": [{"id": s.pk, "version": s.supports_version} for s in result.sources],
            "moved": result.moved,
            "dropped": result.dropped,
            "promise_made": result.promise_made,
        }
        return Response(body)
