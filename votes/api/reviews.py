"""Requests for review of a support set aside, over HTTP: thin over votes.reviews; errors become the common
JSON body in cocreate.exceptions.api_exception_handler.

- POST /api/v1/proposals/{id}/support/review/: the citizen whose support was set aside asks (201).
- GET /api/v1/moderation/proposals/{id}/support-reviews/: the proposal's open requests, oldest first.
- POST /api/v1/moderation/support-reviews/{id}/decision/: an official decides one (200).
The citizen's writes share the reports' rate limits, the officials' the officials'."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.api_params import json_body
from cocreate.limits import Text
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle
from proposals import selectors

from ..models import ReviewDecision, SupportReview
from ..reviews import MESSAGE_MAX, open_reviews, support_review_decide, support_review_request
from .invalidations import NOT_OFFICIAL, CanSetAsideSupports


class SupportReviewSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(
        source="support.invalidation.reason", read_only=True, default="", help_text="Why it was set aside."
    )

    class Meta:
        model = SupportReview
        fields = ["id", "message", "created_at", "reason", "decision", "reply", "decided_at"]
        read_only_fields = fields
        extra_kwargs = {
            "decision": {"help_text": "Empty while open; `reinstated` (counted again) or `upheld`."},
            "reply": {"help_text": "The official's reply, if any."},
        }


class ReviewRequestSerializer(serializers.Serializer):
    message = Text(max_length=MESSAGE_MAX, help_text="Why the support should count.")


class ReviewDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    reply = Text(
        max_length=MESSAGE_MAX, allow_blank=True, help_text="Needed for `upheld`; may be empty otherwise."
    )


class SupportReviewRequestView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "flags"

    @extend_schema(
        operation_id="support_review_request",
        request=ReviewRequestSerializer,
        responses={
            201: SupportReviewSerializer,
            404: ERROR,
            409: refusal(
                "The support counts (`support_counted`), or a request is open already (`review_open`).",
                "support_counted",
                "review_open",
            ),
        },
        description="The citizen whose support of the proposal was set aside asks an official to look at "
        "it again, with a message. 404 when they do not support the proposal.",
    )
    def post(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        data = json_body(ReviewRequestSerializer, request)
        review = support_review_request(user=request.user, proposal_id=proposal.pk, message=data["message"])
        return Response(SupportReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ProposalSupportReviewsView(APIView):
    permission_classes = [IsAuthenticated, CanSetAsideSupports]

    @extend_schema(
        operation_id="proposal_support_reviews",
        responses={200: SupportReviewSerializer(many=True), 403: NOT_OFFICIAL, 404: ERROR},
        description="The proposal's open requests for review, oldest first. Officials only.",
    )
    def get(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        return Response(SupportReviewSerializer(open_reviews(proposal_id=proposal.pk), many=True).data)


class SupportReviewDecisionView(APIView):
    permission_classes = [IsAuthenticated, CanSetAsideSupports]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "official"

    @extend_schema(
        operation_id="support_review_decide",
        request=ReviewDecisionSerializer,
        responses={
            200: SupportReviewSerializer,
            403: NOT_OFFICIAL,
            404: ERROR,
            409: refusal(
                "Decided already (`review_decided`), or the support counts already (`support_counted`).",
                "review_decided",
                "support_counted",
            ),
        },
        description="Decide a request: `reinstated` counts the support again (the count, the promise and "
        "the public history follow), `upheld` keeps it set aside and needs a reply. Officials only.",
    )
    def post(self, request, pk: int):
        data = json_body(ReviewDecisionSerializer, request)
        review = support_review_decide(actor=request.user, review_id=pk, **data)
        return Response(SupportReviewSerializer(review).data)
