"""Following proposals and reading one's notifications. Thin HTTP over proposals.notifications."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.accounts.models import EMAIL_KINDS, EmailFrequency
from cocreate.api_params import BAD_PARAMETER, query_params
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle

from .. import notifications, selectors
from ..models import Notification
from .pagination import ProposalPagination


class FollowStateSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(
        help_text="The proposal followed: the one asked for, or the one it was merged into."
    )
    following = serializers.BooleanField()


class NotificationSerializer(serializers.ModelSerializer):
    action = serializers.CharField(
        source="entry.action", help_text="status_changed, response_published or threshold_reached"
    )
    proposal = serializers.IntegerField(source="entry.proposal_id")
    proposal_title = serializers.CharField(source="entry.proposal.title")
    url = serializers.SerializerMethodField(
        help_text="The proposal's page; for an invitation to co-author (`coauthor_invited`), the page that "
        "accepts or declines it."
    )
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

    def get_url(self, notification: Notification) -> str:
        return notifications.notification_url(notification)

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread.")


class FollowView(APIView):
    """POST follows a published proposal (201, or 200 when already following), or the one it was merged
    into, as its followers were; DELETE stops (204). Any signed-in person may follow, verified or not;
    supporting a proposal follows it too."""

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
        followed, created = notifications.follow_add(user=request.user, proposal=proposal)
        body = FollowStateSerializer({"proposal": followed.pk, "following": True}).data
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


FREQUENCY_HELP = {
    "status": "E-mails about a status change an official made.",
    "response": "E-mails about an official response.",
    "threshold": "E-mails about a proposal reaching its support threshold (yours, or one you follow).",
    "milestone": "E-mails about an accepted proposal's implementation steps.",
    "comments": "E-mails about someone else's comments published on your proposals (default `daily`).",
}
# What `instant` means, where it is not one e-mail per notification.
INSTANT_HELP = {
    "comments": "one e-mail per proposal for the comments waiting, at most one an hour per proposal",
}


class EmailSettingsSerializer(serializers.Serializer):
    """Every field is required (a PUT replaces the whole setting); a field this does not know is refused."""

    email_notifications = serializers.BooleanField(
        help_text="The master switch (what the link in every e-mail turns off): false, no notification "
        "e-mail at all, whatever the kinds say; they are kept for when it is turned back on."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in EMAIL_KINDS:
            self.fields[kind] = serializers.ChoiceField(
                choices=EmailFrequency.choices,
                help_text=f"{FREQUENCY_HELP[kind]} `instant`: "
                f"{INSTANT_HELP.get(kind, 'one e-mail each, at once')}; `daily` or `weekly`: "
                "in a summary grouped by consultation; `none`: no e-mail (the site's list still has them).",
            )

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        errors = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            errors = dict(error.detail)
        errors.update({name: ["Unknown field."] for name in unknown})
        if errors:
            raise serializers.ValidationError(errors)
        return value


class EmailSettingsView(APIView):
    """The signed-in person's notification e-mails: per kind, at once, in a daily or weekly summary, or
    none, and the master switch. The in-site notifications are not concerned: they list everything."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "follow"

    @extend_schema(responses={200: EmailSettingsSerializer, 401: ERROR})
    def get(self, request):
        return Response(EmailSettingsSerializer(notifications.email_settings(request.user)).data)

    @extend_schema(
        request=EmailSettingsSerializer,
        responses={200: EmailSettingsSerializer, 400: ERROR, 401: ERROR, 429: ERROR},
    )
    def put(self, request):
        serializer = EmailSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        notifications.email_settings_set(
            user=request.user,
            email_notifications=values.pop("email_notifications"),
            frequencies=values,
        )
        return Response(EmailSettingsSerializer(notifications.email_settings(request.user)).data)
