from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cocreate.limits import Slug, Text

from ..coauthor_selectors import coauthor_names, coauthors_of
from ..models import OfficialResponse, Proposal, ProposalAttachment, Status
from ..services import MODERATION_CHOICES


class OfficialResponseSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = OfficialResponse
        fields = ["id", "body", "author_name", "department", "decision", "published_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_author_name(self, response: OfficialResponse) -> str:
        # Stored empty for an official without a name: named in the reader's language.
        return response.author_name or pgettext("author of an official response", "Official")


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="Where the file is served: an image inline, a PDF as a download. Only to those who may "
        "read the proposal."
    )
    small_url = serializers.SerializerMethodField(
        help_text="An image's copy for phones (`small_width` pixels wide or high at most); null for a PDF or "
        "an image already that small."
    )

    class Meta:
        model = ProposalAttachment
        fields = [
            "id",
            "kind",
            "url",
            "small_url",
            "small_width",
            "content_type",
            "size",
            "width",
            "height",
            "alt_text",
            "title",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "size": {"help_text": "Bytes, as kept (an image is re-encoded without its metadata)."},
            "alt_text": {"help_text": "What an image shows, for those who cannot see it (empty for a PDF)."},
            "title": {"help_text": "A PDF's file name (empty for an image)."},
        }

    @extend_schema_field(serializers.CharField())
    def get_url(self, attachment: ProposalAttachment) -> str:
        return self._absolute(attachment.get_absolute_url())

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_small_url(self, attachment: ProposalAttachment) -> str | None:
        return self._absolute(attachment.get_small_url()) if attachment.small_file else None

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AreaRefSerializer(serializers.Serializer):
    """An area of a consultation's area set, as a proposal or a declaration names it."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)


class ProposalListSerializer(serializers.ModelSerializer):
    supports = serializers.IntegerField(source="supports_count", read_only=True)
    version = serializers.IntegerField(source="supports_version", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    stage = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The slug of the stage of the consultation's journey the proposal is about, if any.",
    )
    stage_name = serializers.SerializerMethodField(help_text="That stage's name in the reader's language.")
    area = AreaRefSerializer(
        read_only=True,
        allow_null=True,
        help_text="The area of the consultation (district, neighbourhood) the proposal is about, if any.",
    )
    author_name = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    threshold = serializers.SerializerMethodField(
        help_text="The consultation's support threshold: reaching it promises an official response."
    )
    overdue = serializers.SerializerMethodField(
        help_text="True when a response was promised, its deadline passed, and none was published."
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "consultation",
            "title",
            "summary",
            "category",
            "stage",
            "stage_name",
            "area",
            "status",
            "visibility",
            "supports",
            "version",
            "author_name",
            "language",
            "created_at",
            "published_at",
            "url",
            "threshold",
            "threshold_reached_at",
            "response_due_at",
            "responded_at",
            "overdue",
            "withdrawn_at",
            "withdrawal_reason",
            "merged_into",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "withdrawn_at": {
                "help_text": "When its author withdrew it (null: not withdrawn). A withdrawn proposal stays "
                "readable and counted, and takes no new supports."
            },
            "withdrawal_reason": {"help_text": "Why its author withdrew it, in their words (empty if not)."},
            "merged_into": {
                "help_text": "The proposal an official merged it into, a duplicate (null: not merged). "
                "Its supports, followers and comments are there; it takes no supports or comments, its "
                "count is 0, and its page redirects there."
            },
            "threshold_reached_at": {"help_text": "When the supports first reached the threshold."},
            "response_due_at": {"help_text": "The promised deadline for an official response."},
            "responded_at": {"help_text": "When the first official response was published."},
        }

    @extend_schema_field(serializers.CharField())
    def get_author_name(self, proposal: Proposal) -> str:
        # As the pages say it: an account deleted since leaves its proposals, without a name.
        return str(proposal.author.public_name) if proposal.author else _("A former member")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_stage_name(self, proposal: Proposal) -> str | None:
        # The names in the reader's language come in the context (selectors.stage_names_of, one query
        # for the page); without one, the stage's own name, in its consultation's original language.
        if proposal.stage_id is None:
            return None
        return self.context.get("stage_names", {}).get(proposal.pk, proposal.stage.name)

    @extend_schema_field(serializers.IntegerField())
    def get_threshold(self, proposal: Proposal) -> int:
        # Annotated by selectors.proposal_list; a single proposal has its consultation at hand.
        threshold = getattr(proposal, "support_threshold", None)
        return proposal.consultation.support_threshold if threshold is None else threshold

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, proposal: Proposal) -> bool:
        return proposal.is_overdue()


class ProposalDetailSerializer(ProposalListSerializer):
    responses = OfficialResponseSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    supported_by_me = serializers.SerializerMethodField()
    moderation_reason = serializers.SerializerMethodField()
    coauthor_names = serializers.SerializerMethodField(
        help_text="The public names of its co-authors, the first to join first: with `author_name`, who "
        "wrote it."
    )

    class Meta(ProposalListSerializer.Meta):
        fields = [
            *ProposalListSerializer.Meta.fields,
            "coauthor_names",
            "body",
            "supported_by_me",
            "moderation_reason",
            "responses",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_coauthor_names(self, proposal: Proposal) -> list[str]:
        return coauthor_names(coauthors_of(proposal=proposal))

    @extend_schema_field(serializers.BooleanField())
    def get_supported_by_me(self, proposal: Proposal) -> bool:
        return bool(self.context.get("supported_by_me"))

    @extend_schema_field(serializers.CharField())
    def get_moderation_reason(self, proposal: Proposal) -> str:
        # The reason is for the author and the moderators; a published proposal carries none.
        return proposal.moderation_note if self.context.get("may_see_moderation") else ""


def area_id_field(help_text: str) -> serializers.IntegerField:
    """An area named by its id in a request: optional, null for none."""
    return serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, allow_null=True, help_text=help_text
    )


class ProposalCreateSerializer(serializers.Serializer):
    consultation = serializers.IntegerField(min_value=1)
    title = Text(max_length=140)
    summary = Text(max_length=500)
    body = Text(max_length=10_000)
    category = Slug(required=False, allow_blank=True, allow_null=True)
    stage = Slug(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The slug of one of the consultation's stages, if the proposal is about one.",
    )
    area = area_id_field(
        "The id of one of the consultation's areas (its `areas`), if the proposal is about one."
    )


class ProposalEditSerializer(serializers.Serializer):
    """Any of the texts; a field left out stays as it is."""

    title = Text(max_length=140, required=False)
    summary = Text(max_length=500, required=False)
    body = Text(max_length=10_000, required=False)
    area = area_id_field("The id of one of the consultation's areas; null: about no area in particular.")


class WithdrawSerializer(serializers.Serializer):
    reason = Text(max_length=500, help_text="Why its author withdraws it: public, in its history.")


class ModerationSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=MODERATION_CHOICES)
    reason = Text(max_length=500, required=False, allow_blank=True, default="")


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    note = Text(max_length=1000, required=False, allow_blank=True, default="")


class ResponseCreateSerializer(serializers.Serializer):
    body = Text(max_length=10_000)
    decision = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True, default="")


class SupportStateSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(source="proposal_id")
    supports = serializers.IntegerField()
    version = serializers.IntegerField()
    supported_by_me = serializers.BooleanField()
