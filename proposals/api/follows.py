"""Following proposals and reading one's notifications. Thin HTTP over proposals.notifications."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.api_params import BAD_PARAMETER, query_params
from cocreate.schema import refusal
from cocreate.throttling import ScopedWriteThrottle

from .. import notifications, selectors
from ..models import Notification
from .pagination import ProposalPagination


class FollowStateSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    following = serializers.BooleanField()


class NotificationSerializer(serializers.ModelSerializer):
    action = serializers.CharField(
        source="entry.action", help_text="status_changed, response_published or threshold_reached"
    )
    proposal = serializers.IntegerField(source="entry.proposal_id")
    proposal_title = serializers.CharField(source="entry.proposal.title")
    url = serializers.CharField(source="entry.proposal.get_absolute_url", help_text="The proposal's page.")
    text = serializers.SerializerMethodField(help_text="What happened, in the request's language.")
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "action",
            "proposal",
            "proposal_title",
            "url",
            "text",
            "created_at",
            "read",
            "read_at",
        ]
        read_only_fields = fields

    def get_text(self, notification: Notification) -> str:
        return notifications.notification_text(notification)

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread.")


class FollowView(APIView):
    """POST follows a published proposal (201, or 200 when already following); DELETE stops (204).
    Any signed-in person may follow, verified or not; supporting a proposal follows it too."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "follow"

    @extend_schema(
        request=None,
        responses={
            200: FollowStateSerializer,
            201: FollowStateSerializer,
            409: refusal("Not a published proposal (`proposal_not_published`).", "proposal_not_published"),
        },
    )
    def post(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        created = notifications.follow_add(user=request.user, proposal=proposal)
        body = FollowStateSerializer({"proposal": proposal.pk, "following": True}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        notifications.follow_remove(user=request.user, proposal=proposal)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationParamsSerializer(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, default=False, help_text="Only the unread ones (their count is `count`)."
    )


class NotificationListView(generics.ListAPIView):
    """The signed-in person's notifications, newest first. Reading the list marks nothing read."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = ProposalPagination

    @extend_schema(
        parameters=[NotificationParamsSerializer],
        responses={200: NotificationSerializer(many=True), 400: BAD_PARAMETER},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notification.objects.none()
        # `?unread=` or `?unread=null` is a 400 naming the field, not the whole list.
        params = query_params(NotificationParamsSerializer, self.request)
        found = notifications.notification_list(user=self.request.user)
        if params["unread"]:
            found = found.filter(read_at__isnull=True)
        return found


class NotificationReadView(APIView):
    """Mark all of the signed-in person's notifications read."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "follow"

    @extend_schema(request=None, responses={200: MarkedReadSerializer})
    def post(self, request):
        marked = notifications.notifications_mark_read(user=request.user)
        return Response(MarkedReadSerializer({"marked": marked}).data)
