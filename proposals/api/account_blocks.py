"""Moderators block an account, and lift the block, over HTTP (proposals.services.account_blocks; the
Wagtail admin has the same at /cms/accounts/<id>/):
- GET /api/v1/moderation/accounts/{id}/: whether a block stands, and every block with who, when and why;
- POST /api/v1/moderation/accounts/{id}/block/ {"reason"}: 201; 409 `already_blocked`;
- POST /api/v1/moderation/accounts/{id}/unblock/ {"reason"?}: 200; 409 `not_blocked`.
The id is the account's (the `author` of a queue item). A moderator blocking an account with a role, or
their own, is 403 `forbidden`: only an administrator blocks a moderator or an official."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.accounts.models import AccountBlock, User
from cocreate.api_params import json_body
from cocreate.limits import Text
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle

from ..services import REASON_MAX
from ..services.account_blocks import account_block, account_unblock
from .roles import CanModerate


class BlockReasonSerializer(serializers.Serializer):
    reason = Text(max_length=REASON_MAX, help_text="Why: the person is told, in an e-mail.")


class UnblockReasonSerializer(serializers.Serializer):
    reason = Text(max_length=REASON_MAX, required=False, allow_blank=True, help_text="Optional note.")


class AccountBlockSerializer(serializers.ModelSerializer):
    blocked_at = serializers.DateTimeField(source="created_at")
    blocked_by = serializers.CharField(source="blocked_by_name")
    lifted_by = serializers.CharField(source="lifted_by_name")

    class Meta:
        model = AccountBlock
        fields = ["id", "reason", "blocked_at", "blocked_by", "lifted_at", "lifted_by", "lift_reason"]


class AccountBlocksSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="pk")
    public_name = serializers.CharField()
    blocked = serializers.BooleanField()
    blocks = AccountBlockSerializer(many=True, help_text="Every block, the latest first.")


def _account_state(user: User) -> dict:
    blocks = list(user.blocks.all())
    return {
        "pk": user.pk,
        "public_name": str(user.public_name),
        "blocked": any(block.lifted_at is None for block in blocks),
        "blocks": blocks,
    }


class AccountBlocksView(APIView):
    permission_classes = [CanModerate]

    @extend_schema(
        operation_id="moderation_account",
        responses={200: AccountBlocksSerializer, 401: ERROR, 403: ERROR, 404: ERROR},
        description="Moderators and officials: whether an account is blocked, and its blocks' history.",
    )
    def get(self, request, pk: int):
        user = get_object_or_404(User, pk=pk)
        return Response(AccountBlocksSerializer(_account_state(user)).data)


class _AccountWriteView(APIView):
    """POST: call `service` for the account `pk` with the body's reason; answer the account's state."""

    permission_classes = [CanModerate]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "official"
    body_class: type[serializers.Serializer]
    service = staticmethod(account_block)
    answer_status = status.HTTP_200_OK

    def post(self, request, pk: int):
        data = json_body(self.body_class, request)  # the body first, as every write of the API
        user = get_object_or_404(User, pk=pk)
        self.service(actor=request.user, user=user, reason=data.get("reason", ""))
        return Response(AccountBlocksSerializer(_account_state(user)).data, status=self.answer_status)


def _write_schema(operation_id: str, body, answer: int, conflict, description: str):
    return extend_schema(
        operation_id=operation_id,
        request=body,
        responses={
            answer: AccountBlocksSerializer,
            400: ERROR,
            401: ERROR,
            403: ERROR,
            404: ERROR,
            409: conflict,
        },
        description=description,
    )


@extend_schema_view(
    post=_write_schema(
        "moderation_account_block",
        BlockReasonSerializer,
        201,
        refusal("A block already stands (`already_blocked`).", "already_blocked"),
        "Block an account with a reason: it can still sign in and read, every write answers 403 "
        "`account_blocked`. The person is told by e-mail, with the reason.",
    )
)
class AccountBlockView(_AccountWriteView):
    body_class = BlockReasonSerializer
    answer_status = status.HTTP_201_CREATED


@extend_schema_view(
    post=_write_schema(
        "moderation_account_unblock",
        UnblockReasonSerializer,
        200,
        refusal("No block stands (`not_blocked`).", "not_blocked"),
        "Lift the block standing on an account; the person is told by e-mail.",
    )
)
class AccountUnblockView(_AccountWriteView):
    body_class = UnblockReasonSerializer
    service = staticmethod(account_unblock)
