"""GET /api/v1/moderation/proposals/{id}/supports-review/: the fraud review of a proposal's supports
(votes.review), for moderators and officials. Anonymous is 401, anyone without the role 403 (before any
look-up, so a refused caller learns nothing of which ids exist), an unknown id 404.

The serializers describe the body for the schema; the body itself is built as plain data: a Serializer over
a few hundred buckets would cost more than reading the tallies."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.schema import ERROR
from proposals.api.roles import CanModerate

from ..review import (
    BURST_FACTOR,
    BURST_MIN,
    FLAG_KINDS,
    HOURLY_SPAN_HOURS,
    NEW_DOMAIN_DAYS,
    NEW_DOMAIN_MIN,
    SHARED_ADDRESS_MIN,
    SIGNUP_BURST_FACTOR,
    SIGNUP_BURST_MIN,
    Count,
    SupportsReview,
    proposal_get_to_review,
    supports_review,
)


class ReviewCountSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="The hour (UTC, `YYYY-MM-DDTHH`), the day (`YYYY-MM-DD`), the month (`YYYY-MM`), the "
        "e-mail domain, or the first hex digits of the client address's keyed hash."
    )
    supports = serializers.IntegerField(help_text="Valid supports.")
    invalid = serializers.IntegerField(help_text="Supports set aside.")


class ReviewOthersSerializer(serializers.Serializer):
    supports = serializers.IntegerField()
    invalid = serializers.IntegerField()


class ReviewFlagSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=FLAG_KINDS,
        help_text=f"`burst`: an hour with more than {BURST_FACTOR}× the median of the proposal's hours with "
        f"supports, and at least {BURST_MIN}; `shared_address`: {SHARED_ADDRESS_MIN} or more supports from "
        f"one client address; `new_domain`: at least {NEW_DOMAIN_MIN} supports from an e-mail domain whose "
        f"first account on the site is less than {NEW_DOMAIN_DAYS} days older than the proposal's first "
        f"support; `signup_burst`: a sign-up day with more than {SIGNUP_BURST_FACTOR}× the median of the "
        f"supporters' sign-up days, and at least {SIGNUP_BURST_MIN}. A reason to look, never proof.",
    )
    key = serializers.CharField(help_text="The hour, the address's hash prefix, the domain or the day.")
    supports = serializers.IntegerField(help_text="Valid supports under that key.")
    explanation = serializers.CharField(help_text="What was seen, in words, in the request's language.")


class ReviewOverTimeSerializer(serializers.Serializer):
    unit = serializers.ChoiceField(
        choices=["hour", "day"],
        help_text=f"`hour` (UTC) while the supports span at most {HOURLY_SPAN_HOURS} hours, else `day` "
        "(the site's time zone).",
    )
    buckets = ReviewCountSerializer(
        many=True, help_text="Every hour or day from the first support to the last."
    )
    hour_median = serializers.FloatField(
        allow_null=True, help_text="The median of the hours with at least one valid support."
    )


class ReviewSignUpsSerializer(serializers.Serializer):
    days = ReviewCountSerializer(
        many=True, help_text="The sign-up days most supporters joined on, largest first."
    )
    months = ReviewCountSerializer(many=True, help_text="Every month supporters joined in, in order.")
    day_median = serializers.FloatField(allow_null=True)
    since_publication = serializers.IntegerField(
        help_text="Valid supports from accounts made on or after the day the proposal was published."
    )


class ReviewDomainsSerializer(serializers.Serializer):
    largest = ReviewCountSerializer(many=True)
    others = ReviewOthersSerializer(help_text="Every other domain, and supports without one.")


class ReviewAddressesSerializer(serializers.Serializer):
    largest = ReviewCountSerializer(many=True)
    shared = serializers.IntegerField(
        help_text=f"How many client addresses carry {SHARED_ADDRESS_MIN} or more valid supports."
    )


class SupportsReviewSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    supports = serializers.IntegerField(help_text="Valid supports: the proposal's count.")
    invalid = serializers.IntegerField(help_text="Supports set aside by an official.")
    over_time = ReviewOverTimeSerializer()
    sign_ups = ReviewSignUpsSerializer()
    domains = ReviewDomainsSerializer()
    addresses = ReviewAddressesSerializer()
    flags = ReviewFlagSerializer(many=True, help_text="The largest first, at most 20 of each kind.")
    flag_counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Each kind of flag: how many there are, listed or not."
    )


def _counts(counts: list[Count]) -> list[dict]:
    return [{"key": c.label, "supports": c.supports, "invalid": c.invalid} for c in counts]


def review_body(review: SupportsReview) -> dict:
    return {
        "proposal": review.proposal_id,
        "supports": review.supports,
        "invalid": review.invalid,
        "over_time": {
            "unit": review.unit,
            "buckets": _counts(review.over_time),
            "hour_median": review.hour_median,
        },
        "sign_ups": {
            "days": _counts(review.signup_days),
            "months": _counts(review.signup_months),
            "day_median": review.signup_median,
            "since_publication": review.joined_since_publication,
        },
        "domains": {
            "largest": _counts(review.domains),
            "others": {"supports": review.other_domains.supports, "invalid": review.other_domains.invalid},
        },
        "addresses": {"largest": _counts(review.addresses), "shared": review.shared_addresses},
        "flags": [
            {"kind": f.kind, "key": f.label, "supports": f.supports, "explanation": f.explanation}
            for f in review.flags
        ],
        "flag_counts": review.flag_counts,
    }


class SupportsReviewView(APIView):
    permission_classes = [CanModerate]

    @extend_schema(
        operation_id="moderation_proposal_supports_review",
        responses={200: SupportsReviewSerializer, 401: ERROR, 403: ERROR, 404: ERROR},
        description="Moderators and officials: where a proposal's supports came from (over time, by the "
        "day their accounts were made, by e-mail domain, by client address) and what looks unusual, "
        "each flag explained in words. Read from counts kept with every support: its cost does not grow "
        "with the number of supports.",
    )
    def get(self, request, pk: int):
        proposal = proposal_get_to_review(proposal_id=pk, user=request.user)
        return Response(review_body(supports_review(proposal=proposal)))
