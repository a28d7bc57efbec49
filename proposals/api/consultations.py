"""Read-only consultation endpoints; a consultation's id is its Wagtail page id, that of its canonical page
when it is translated (cms.models): a translation is listed under its consultation, never as one."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from cms.models import ConsultationPage
from cocreate.api_params import BAD_PARAMETER, query_params
from cocreate.limits import Slug

from .. import selectors
from ..models import Status
from ..selectors import consultation_funnel
from .pagination import ProposalPagination
from .serializers import AreaRefSerializer, ProposalListSerializer


class PhaseSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class CategorySerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()


class TranslationSerializer(serializers.Serializer):
    language = serializers.CharField(source="locale.language_code")
    title = serializers.CharField()
    url = serializers.CharField()


class ConsultationSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True)
    state = serializers.SerializerMethodField()
    language = serializers.CharField(source="locale.language_code", read_only=True)
    translations = serializers.SerializerMethodField()
    phases = PhaseSerializer(many=True, read_only=True)
    categories = CategorySerializer(many=True, read_only=True)
    participation_areas = serializers.ListField(
        child=serializers.CharField(),
        source="resident_areas",
        read_only=True,
        help_text="For `residents`: the postcodes and localities whose residents may support and submit "
        "(postcodes compared without spaces, localities without regard to case or accents); else empty.",
    )

    class Meta:
        model = ConsultationPage
        fields = [
            "id",
            "title",
            "language",
            "translations",
            "slug",
            "url",
            "service",
            "intro",
            "opens_at",
            "closes_at",
            "state",
            "support_threshold",
            "response_deadline_days",
            "moderation_mode",
            "auto_hide_reports",
            "participation_level",
            "participation_areas",
            "phases",
            "categories",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "auto_hide_reports": {
                "help_text": "A published proposal or comment reported by this many distinct verified "
                "accounts is hidden pending a moderator's review; null: never automatically."
            },
            "participation_level": {
                "help_text": "What supporting and submitting need: `email` (a confirmed address), "
                "`identity` (signed in through an identity service) or `residents` (that identity's postcode "
                "or locality in participation_areas). Supports given before a change stay and count."
            },
        }

    def get_state(self, page: ConsultationPage) -> str:
        return page.phase_state()

    @extend_schema_field(TranslationSerializer(many=True))
    def get_translations(self, page: ConsultationPage) -> list:
        """Its published translations: their language, title and address (the same as the consultation's
        when the slugs are, each language's readers being shown theirs)."""
        pages = self.context.get("translations", {}).get(page.translation_key, [])
        return TranslationSerializer(pages, many=True).data


class FunnelSerializer(serializers.Serializer):
    """proposals.selectors.Funnel: counts only."""

    submitted = serializers.IntegerField(help_text="Every proposal submitted: published, pending or hidden.")
    published = serializers.IntegerField()
    reached = serializers.IntegerField(
        allow_null=True,
        help_text="Published proposals that reached the support threshold; null when the consultation has "
        "none (support_threshold 0).",
    )
    answered = serializers.IntegerField(help_text="Published proposals with an official response.")


class ConsultationDetailSerializer(ConsultationSerializer):
    funnel = serializers.SerializerMethodField()
    areas = serializers.SerializerMethodField(
        help_text="The areas (districts, neighbourhoods) a proposal may name, in their order; empty when the "
        "consultation has none."
    )

    class Meta(ConsultationSerializer.Meta):
        fields = [*ConsultationSerializer.Meta.fields, "funnel", "areas"]
        read_only_fields = fields

    @extend_schema_field(AreaRefSerializer(many=True))
    def get_areas(self, page: ConsultationPage) -> list:
        return AreaRefSerializer(selectors.areas_of_set(page.area_set_id), many=True).data

    @extend_schema_field(FunnelSerializer)
    def get_funnel(self, page: ConsultationPage) -> dict:
        return FunnelSerializer(consultation_funnel(consultation=page)).data


class ProposalListParamsSerializer(serializers.Serializer):
    """The list's filters, read as every query parameter (cocreate.api_params): one that is present must
    have a value of its type, `?status=` is a 400 as `?status=done` is, never "no filter"."""

    ordering = serializers.ChoiceField(
        choices=[("-supports", "Most supported"), ("-created", "Newest")], default="-supports"
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    category = Slug(required=False, max_length=80, help_text="One of its categories' slugs.")
    stage = Slug(required=False, max_length=80, help_text="One of the slugs of its journey's stages.")
    area = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="The id of one of its areas."
    )
    awaiting_response = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: only proposals that reached the threshold and have no official response yet, by "
        "response deadline (the overdue first); `ordering` is then ignored.",
    )

    def validate_category(self, slug: str) -> str:
        # A typo in a script should not read as "no proposals in this category".
        if not self.context["consultation"].categories.filter(slug=slug).exists():
            raise serializers.ValidationError(_("Not one of this consultation's categories."))
        return slug

    def validate_stage(self, slug: str) -> str:
        # As a category: a stage the consultation does not have is a 400, not an empty list.
        if not self.context["consultation"].stages.filter(slug=slug).exists():
            raise serializers.ValidationError(_("Not one of this consultation's stages."))
        return slug

    def validate_area(self, area_id: int) -> int:
        # As a category: an area the consultation does not have is a 400, not an empty list.
        if not selectors.areas_of_set(self.context["consultation"].area_set_id).filter(pk=area_id).exists():
            raise serializers.ValidationError(_("Not one of this consultation’s areas."))
        return area_id


class ConsultationViewSet(viewsets.ReadOnlyModelViewSet):
    # Only for the schema generator, which reads {id}'s type from it without a database (get_queryset
    # queries page view restrictions, so `manage.py check` warned whenever no database was reachable).
    queryset = ConsultationPage.objects.none()
    serializer_class = ConsultationSerializer
    pagination_class = None

    def get_serializer_class(self):
        # The funnel costs a query per consultation: on one consultation only, not on the list.
        return ConsultationDetailSerializer if self.action == "retrieve" else ConsultationSerializer

    def get_queryset(self):
        return (
            ConsultationPage.objects.live()
            .public()
            .canonical()
            .select_related("locale")
            .prefetch_related("phases", "categories")
            .order_by("-opens_at")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no database
            return context
        # Every published translation in one query (consultations are few), grouped by consultation.
        translations = {}
        for page in ConsultationPage.objects.live().public().translations().select_related("locale"):
            translations.setdefault(page.translation_key, []).append(page)
        return {**context, "translations": translations}

    @extend_schema(
        parameters=[ProposalListParamsSerializer],
        responses={200: ProposalListSerializer(many=True), 400: BAD_PARAMETER},
    )
    # pagination_class on the action (not only below) so that the schema shows the paginated envelope.
    @action(detail=True, methods=["get"], pagination_class=ProposalPagination)
    def proposals(self, request, pk=None):
        consultation = self.get_object()
        params = query_params(ProposalListParamsSerializer, request, consultation=consultation)
        queryset = selectors.proposal_list(
            consultation_id=consultation.pk,
            user=request.user,
            ordering=params["ordering"],
            status=params.get("status"),
            category=params.get("category"),
            stage=params.get("stage"),
            area=params.get("area"),
            awaiting_response=params["awaiting_response"],
        )
        page = self.paginate_queryset(queryset)
        context = {"stage_names": selectors.stage_names_of(p.pk for p in page if p.stage_id)}
        return self.get_paginated_response(ProposalListSerializer(page, many=True, context=context).data)
