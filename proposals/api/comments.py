"""Comments over HTTP: a proposal's thread, posting and replying, the author's edit and delete, and the
moderators' decisions. Thin: parse, call one service, serialize; errors become the common JSON body."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cocreate.api_params import BAD_PARAMETER, StrictPagination, json_body, query_params
from cocreate.limits import Text
from cocreate.schema import refusal
from cocreate.throttling import ScopedWriteThrottle

from .. import permissions, selectors, services
from ..comments_selectors import ORDERINGS, comment_get, comment_get_to_unmark, comment_thread
from ..models import Comment
from ..services import COMMENT_MAX, COMMENT_MODERATION_CHOICES, REASON_MAX
from .views import NOT_OPEN, UNVERIFIED


class CommentPagination(StrictPagination):
    """Pages of top-level comments; each comes with all its replies."""

    page_size = 50
    max_page_size = 100


class PendingEditSerializer(serializers.Serializer):
    body = serializers.CharField(source="pending_body", help_text="The new text, waiting for a moderator.")
    submitted_at = serializers.DateTimeField(source="pending_at")


class CommentSerializer(serializers.ModelSerializer):
    """One comment as the requesting viewer may see it: `body` is empty when the comment was deleted, or
    when it is pending or hidden and the viewer is neither its author nor a moderator; the moderation reason,
    an edit waiting for moderation and why an edit was rejected are for those two only. A placeholder (a
    comment whose text the viewer may not read) names nobody: `author_name` and `is_official` are null."""

    author_name = serializers.SerializerMethodField()
    is_official = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    deleted = serializers.BooleanField(source="is_deleted", read_only=True)
    edited = serializers.SerializerMethodField()
    moderation_reason = serializers.SerializerMethodField()
    pending_edit = serializers.SerializerMethodField()
    edit_rejection_reason = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()
    can_delete = serializers.SerializerMethodField()
    helpful = serializers.IntegerField(
        source="helpful_count", read_only=True, help_text="How many citizens found it helpful."
    )
    helpful_version = serializers.IntegerField(
        read_only=True, help_text="Grows with each change of `helpful`: the live event with a newer one wins."
    )
    helpful_by_me = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "proposal",
            "parent",
            "author_name",
            "is_official",
            "body",
            "language",
            "visibility",
            "deleted",
            "edited",
            "created_at",
            "edited_at",
            "moderation_reason",
            "pending_edit",
            "edit_rejection_reason",
            "can_edit",
            "can_delete",
            "helpful",
            "helpful_version",
            "helpful_by_me",
        ]
        read_only_fields = fields

    @property
    def _user(self):
        return self.context["request"].user

    def _placeholder(self, comment: Comment) -> bool:
        return not permissions.can_read_comment_text(self._user, comment)

    def _moderator_or_author(self, comment: Comment) -> bool:
        user = self._user
        return permissions.can_moderate(user) or permissions.is_comment_author(user, comment)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author_name(self, comment: Comment) -> str | None:
        if self._placeholder(comment):
            return None  # as the page's placeholder: who wrote a removed comment is not for everyone
        return str(comment.author.public_name) if comment.author else _("A former member")

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_is_official(self, comment: Comment) -> bool | None:
        return None if self._placeholder(comment) else comment.author_is_official

    @extend_schema_field(serializers.CharField())
    def get_body(self, comment: Comment) -> str:
        return comment.body if permissions.can_read_comment_text(self._user, comment) else ""

    @extend_schema_field(serializers.BooleanField())
    def get_edited(self, comment: Comment) -> bool:
        return comment.edited_at is not None

    @extend_schema_field(serializers.CharField())
    def get_moderation_reason(self, comment: Comment) -> str:
        return comment.moderation_note if self._moderator_or_author(comment) else ""

    @extend_schema_field(
        PendingEditSerializer(
            allow_null=True,
            help_text="The author's edit of a published comment in a pre-moderated consultation, waiting for "
            "a moderator (everyone else reads `body` meanwhile); null when there is none. For its author "
            "and the moderators only.",
        )
    )
    def get_pending_edit(self, comment: Comment) -> dict | None:
        if not comment.has_pending_edit or comment.is_deleted or not self._moderator_or_author(comment):
            return None
        return PendingEditSerializer(comment).data

    @extend_schema_field(
        serializers.CharField(help_text="Why a moderator rejected the author's last edit; for them only.")
    )
    def get_edit_rejection_reason(self, comment: Comment) -> str:
        return comment.edit_rejection_reason if self._moderator_or_author(comment) else ""

    @extend_schema_field(serializers.BooleanField())
    def get_can_edit(self, comment: Comment) -> bool:
        return permissions.can_edit_comment(self._user, comment)

    @extend_schema_field(serializers.BooleanField())
    def get_can_delete(self, comment: Comment) -> bool:
        return permissions.can_delete_comment(self._user, comment)

    @extend_schema_field(serializers.BooleanField(help_text="Whether the requesting citizen marked it."))
    def get_helpful_by_me(self, comment: Comment) -> bool:
        return bool(getattr(comment, "helpful_by_me", False))


class CommentThreadSerializer(CommentSerializer):
    replies = CommentSerializer(source="shown_replies", many=True, read_only=True)

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "replies"]
        read_only_fields = fields


class CommentThreadParamsSerializer(serializers.Serializer):
    ordering = serializers.ChoiceField(
        choices=[("oldest", "Oldest first"), ("helpful", "Most helpful first")],
        default=ORDERINGS[0],
        help_text="The order of the top-level comments: `oldest` first, or the most `helpful` first (ties "
        "oldest first). Replies are always oldest first.",
    )


class HelpfulStateSerializer(serializers.Serializer):
    comment = serializers.IntegerField()
    helpful = serializers.IntegerField(help_text="How many citizens found the comment helpful, now.")
    version = serializers.IntegerField(help_text="As `helpful_version` and the live event's `version`.")
    helpful_by_me = serializers.BooleanField()


class CommentCreateSerializer(serializers.Serializer):
    body = Text(max_length=COMMENT_MAX)
    parent = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class CommentEditSerializer(serializers.Serializer):
    body = Text(max_length=COMMENT_MAX)


class CommentModerationSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=COMMENT_MODERATION_CHOICES,
        help_text="approve publishes a pending comment, or the edit waiting for moderation; reject_edit "
        "drops that edit (a reason is required: its author reads it).",
    )
    reason = Text(max_length=REASON_MAX, required=False, allow_blank=True, default="")


def _comment_response(comment: Comment, request, *, http_status=status.HTTP_200_OK) -> Response:
    return Response(CommentSerializer(comment, context={"request": request}).data, status=http_status)


class CommentWriteMixin:
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "comments"

    def get_permissions(self):
        return [] if self.request.method == "GET" else [IsAuthenticated()]


class ProposalCommentsView(CommentWriteMixin, GenericAPIView):
    """GET: the proposal's thread, top-level comments oldest first, each with its replies (paginated on the
    top-level comments). POST: a comment, or with `parent` a reply to a top-level comment."""

    queryset = Comment.objects.none()  # never queried: the selector reads the thread
    serializer_class = CommentThreadSerializer
    pagination_class = CommentPagination

    @extend_schema(
        parameters=[CommentThreadParamsSerializer],
        responses={200: CommentThreadSerializer(many=True), 400: BAD_PARAMETER},
    )
    def get(self, request, pk: int):
        ordering = query_params(CommentThreadParamsSerializer, request)["ordering"]
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        thread = comment_thread(proposal=proposal, user=request.user, ordering=ordering)
        page = self.paginate_queryset(thread)
        data = CommentThreadSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(
        request=CommentCreateSerializer,
        responses={
            201: CommentSerializer,
            403: UNVERIFIED,
            409: NOT_OPEN,
        },
    )
    def post(self, request, pk: int):
        data = json_body(CommentCreateSerializer, request)
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        # Only its id: the service reads the parent under the proposal's lock and refuses one it cannot take.
        parent = Comment(pk=data["parent"]) if data.get("parent") else None
        comment = services.comment_post(
            author=request.user, proposal=proposal, body=data["body"], parent=parent
        )
        return _comment_response(comment, request, http_status=status.HTTP_201_CREATED)


class CommentDetailView(CommentWriteMixin, GenericAPIView):
    """GET one comment; PATCH its text (its author, for settings.COMMENT_EDIT_MINUTES after posting);
    DELETE it (its author: the text goes, the place in the thread stays)."""

    queryset = Comment.objects.none()
    serializer_class = CommentSerializer

    def _comment(self) -> Comment:
        return comment_get(comment_id=self.kwargs["pk"], user=self.request.user)

    def get(self, request, pk: int):
        return _comment_response(self._comment(), request)

    @extend_schema(
        request=CommentEditSerializer,
        responses={
            200: CommentSerializer,
            409: refusal(
                "The comment was deleted (`comment_deleted`) or hidden by moderation (`comment_hidden`), "
                "or the time to edit it is over (`edit_window_closed`).",
                "comment_deleted",
                "comment_hidden",
                "edit_window_closed",
            ),
        },
    )
    def patch(self, request, pk: int):
        data = json_body(CommentEditSerializer, request)
        comment = services.comment_edit(actor=request.user, comment=self._comment(), body=data["body"])
        return _comment_response(comment, request)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        services.comment_delete(actor=request.user, comment=self._comment())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentModerationView(GenericAPIView):
    """Moderators and officials approve, hide (with a reason) or restore a comment."""

    queryset = Comment.objects.none()
    serializer_class = CommentSerializer
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "official"

    @extend_schema(
        request=CommentModerationSerializer,
        responses={
            200: CommentSerializer,
            409: refusal(
                "The comment was deleted by its author (`comment_deleted`), or no edit of it is waiting "
                "(`no_pending_edit`).",
                "comment_deleted",
                "no_pending_edit",
            ),
        },
    )
    def post(self, request, pk: int):
        data = json_body(CommentModerationSerializer, request)
        comment = comment_get(comment_id=pk, user=request.user)
        comment = services.comment_moderate(
            actor=request.user, comment=comment, action=data["action"], reason=data["reason"]
        )
        return _comment_response(comment, request)


HELPFUL_REFUSALS = {
    403: refusal(
        "E-mail address not confirmed (`email_unverified`), or the comment is the requester's own "
        "(`own_comment`).",
        "email_unverified",
        "own_comment",
    ),
    409: refusal(
        "The comment is not published, or was deleted (`comment_not_published`); its proposal is not "
        "published (`proposal_not_published`) or was merged into another (`proposal_merged`); or its "
        "consultation is closed (`consultation_closed`).",
        "comment_not_published",
        "proposal_not_published",
        "proposal_merged",
        "consultation_closed",
    ),
}


class CommentHelpfulView(GenericAPIView):
    """POST marks a comment as helpful (201, or 200 when already marked); DELETE takes the mark back (204,
    also when there was none). One mark per citizen per comment."""

    queryset = Comment.objects.none()
    serializer_class = HelpfulStateSerializer
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "helpful"

    @extend_schema(
        request=None,
        responses={200: HelpfulStateSerializer, 201: HelpfulStateSerializer, **HELPFUL_REFUSALS},
    )
    def post(self, request, pk: int):
        comment = comment_get(comment_id=pk, user=request.user)
        result = services.comment_helpful_mark(user=request.user, comment=comment)
        body = {
            "comment": result.comment_id,
            "helpful": result.helpful,
            "version": result.version,
            "helpful_by_me": True,
        }
        return Response(body, status=status.HTTP_201_CREATED if result.changed else status.HTTP_200_OK)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        comment = comment_get_to_unmark(comment_id=pk, user=request.user)
        services.comment_helpful_withdraw(user=request.user, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)
