"""The signed-in person's own data over the API: export it, delete the account (see services.py)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from cocreate.limits import Text
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle

from . import services


class AccountExportView(APIView):
    """Everything stored about the signed-in person, as the JSON file the account page offers. Never the
    API token itself, only whether there is one. Limited per account (`account_export`)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "account_export"

    @extend_schema(
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The export."),
            401: ERROR,
            429: ERROR,
        }
    )
    def get(self, request):
        response = Response(services.account_export(user=request.user))
        filename = services.export_filename(request.user)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response


class AccountDeleteSerializer(serializers.Serializer):
    password = Text(
        required=False, allow_blank=True, trim_whitespace=False, help_text="The account's password."
    )
    username = Text(
        required=False,
        allow_blank=True,
        help_text="For an account without a usable password: its username, typed out.",
    )


class AccountDeleteView(APIView):
    """Delete the signed-in person's account, confirmed with their password (or, for an account without
    one, their username). Proposals and comments stay without an author; supports keep counting
    anonymously; e-mail addresses, follows, notifications, reports and the token go. Refused (403
    `account_has_role`) to moderators, officials and administrators. Cannot be undone."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "account_delete"

    @extend_schema(
        request=AccountDeleteSerializer,
        responses={
            204: OpenApiResponse(description="Deleted."),
            400: refusal("Wrong password or username (`wrong_confirmation`).", "wrong_confirmation"),
            401: ERROR,
            403: refusal("The account holds a role (`account_has_role`).", "account_has_role"),
            429: ERROR,
        },
    )
    def post(self, request):
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.account_delete(user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
