"""Consultations are Wagtail pages: officials write them in the CMS at /cms/.

The rules the proposal services need (open or closed, moderation mode, threshold) live here as plain
fields and query-free methods; the services read them through the proposal's foreign key.

A consultation can be translated (Wagtail's localization, simple_translation's "Translate" action): the
translation is another page, in the other locale's page tree, with the same translation key. It is still
one consultation: its original, the first page of the translation group (the canonical page, see
`ConsultationPageQuerySet.canonical`), is the one proposals point to, the one the API, the open data and
the live stream name; a translation gives its texts (title, service, intro, body, phases) and shows the
canonical page's proposals and participation settings.
"""

from datetime import datetime
from typing import NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Locale, Orderable, Page, PageManager, TranslatableMixin
from wagtail.query import PageQuerySet
from wagtail.search import index

from cocreate import page_cache

from .blocks import BodyBlock
from .locales import active_locale, language_code_of
from .page_forms import ConsultationPageForm
from .participation import ParticipationLevel, admits, area_lines

# Wagtail hook of the functions `(request, consultation) -> dict` that add to a consultation page's context
# what the apps above the pages compute for it (its proposals, counts, filters, live stream).
CONSULTATION_CONTEXT_HOOK = "cocreate_consultation_context"


# Reports from distinct accounts that hide an item pending review (ConsultationPage.auto_hide_reports).
AUTO_HIDE_REPORTS_DEFAULT, AUTO_HIDE_REPORTS_MIN = 5, 2


class ModerationMode(models.TextChoices):
    PRE = "pre", _("Pre-moderation: proposals wait for approval")
    POST = "post", _("Post-moderation: proposals are visible at once")


def original_page(page: Page) -> Page:
    """The first page of `page`'s translation group (the original the others were translated from), as
    its specific type; `page` itself if it is the first. One query when `page` is a translation.

    The earliest rather than the one in the default locale: a consultation first written in French and
    translated into English later keeps its proposals on the French page."""
    first = Page.objects.filter(translation_key=page.translation_key).order_by("pk").first()
    return page if first is None or first.pk == page.pk else first.specific


class TranslatedTreeMixin:
    """A page whose children are routed through its original's tree when this translation lacks them: a
    French reader at the URL of a consultation not translated (or whose translation is not published)
    reads the original instead of a 404. Wagtail routes every request from the site root's page in the
    active language (Page.route_for_request), and only falls back to the original at that root."""

    def route(self, request, path_components):
        try:
            return super().route(request, path_components)
        except Http404:
            original = original_page(self)
            if original.pk == self.pk:
                raise
            return original.route(request, path_components)


class ConsultationPageQuerySet(PageQuerySet):
    def canonical(self):
        """The consultations themselves, without their translations: the first page of each translation
        group (see original_page)."""
        earlier = Page.objects.filter(translation_key=OuterRef("translation_key"), pk__lt=OuterRef("pk"))
        return self.exclude(Exists(earlier))

    def translations(self):
        """The translations of consultations, without the consultations themselves."""
        earlier = Page.objects.filter(translation_key=OuterRef("translation_key"), pk__lt=OuterRef("pk"))
        return self.filter(Exists(earlier))

    def of_page(self, page_id: int):
        """The consultation page `page_id` presents: itself, or the original of the translation it is."""
        group = Page.objects.filter(pk=page_id).values("translation_key")[:1]
        return self.canonical().filter(translation_key=Subquery(group))


class LifeEvent(TranslatableMixin, models.Model):
    """A moment of life that brings people to public services ("Losing a job", "Having a child"), whichever
    department runs them. Officials keep the list as Wagtail snippets and tag consultations with it; the home
    page lists consultations under each. Translated like pages: a translation is another row with the same
    translation key, in the other locale."""

    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Smaller numbers come first on the home page.")
    )

    panels = [FieldPanel("name"), FieldPanel("description"), FieldPanel("sort_order")]

    class Meta(TranslatableMixin.Meta):
        ordering = ["sort_order", "name"]
        verbose_name = _("life event")
        verbose_name_plural = _("life events")

    def __str__(self) -> str:
        return self.name


class AreaSet(models.Model):
    """The areas (districts, neighbourhoods) one or more consultations are divided into, as a Wagtail
    snippet: officials upload their boundaries as a GeoJSON file (cms.areas validates it and replaces the
    set's areas). Proposals may name one of a consultation's areas; citizens may declare theirs, once per
    set (proposals.DeclaredArea)."""

    name = models.CharField(_("name"), max_length=80)
    updated_at = models.DateTimeField(_("boundaries updated at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("area set")
        verbose_name_plural = _("area sets")

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """One area of a set: its name (unique in the set, the key an upload that replaces the boundaries keeps
    it by, so proposals and declarations stay on it) and its boundary, a GeoJSON Polygon or MultiPolygon
    geometry in WGS84, positions as [longitude, latitude], as validated by cms.areas."""

    area_set = models.ForeignKey(AreaSet, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, allow_unicode=True)
    geometry = models.JSONField(_("boundary"))
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("area")
        constraints = [
            models.UniqueConstraint(fields=["area_set", "name"], name="area_name_unique_per_set"),
            models.UniqueConstraint(fields=["area_set", "slug"], name="area_slug_unique_per_set"),
            # The target of the declarations' foreign key (area_set, area): a citizen's declared area is
            # one of the set they declare it for (proposals migration 0018).
            models.UniqueConstraint(fields=["area_set", "id"], name="area_in_its_set"),
        ]

    def __str__(self) -> str:
        return self.name


class ConsultationIndexPage(TranslatedTreeMixin, Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.ConsultationPage"]
    max_count = 1

    class Meta:
        verbose_name = _("consultation list")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Every consultation once, whichever tree it was written in, in the reader's language if it has a
        # published translation in it.
        canonical = list(
            ConsultationPage.objects.live()
            .public()
            .canonical()
            .select_related("locale")
            .order_by("-opens_at")
        )
        consultations = ConsultationPage.localized_list(canonical)
        context["consultations"] = consultations
        shown = dict(zip((page.pk for page in canonical), consultations, strict=True))
        context["life_events"] = LifeEventGroup.of(shown)
        return context


class LifeEventGroup(NamedTuple):
    """A life event as the home page lists it, with the consultations tagged with it."""

    event: "LifeEvent"
    consultations: list["ConsultationPage"]

    @classmethod
    def of(cls, by_canonical: dict[int, "ConsultationPage"]) -> list["LifeEventGroup"]:
        """The life events the consultations `by_canonical` (each as shown, see localized_list, by its
        canonical page's id) are tagged with, each named in the reader's language when it has a translation
        in it, with the consultations under it in their order; an event none of them is tagged with is left
        out. A consultation is tagged on its original page; an event and its translations are one (tagged
        with either). Three queries at most, whatever the number of events and consultations."""
        tags = list(
            ConsultationPage.life_events.through.objects.filter(
                consultationpage_id__in=by_canonical
            ).values_list("consultationpage_id", "lifeevent__translation_key")
        )
        if not tags:
            return []
        tagged: dict = {}
        for page_id, key in tags:
            tagged.setdefault(key, set()).add(page_id)
        events: dict = {}
        try:
            active = active_locale().pk
        except Locale.DoesNotExist:  # no pages in the reader's language yet
            active = None
        # One event per translation group: the reader's language's, else the earliest written.
        for event in (
            LifeEvent.objects.filter(translation_key__in=tagged).select_related("locale").order_by("pk")
        ):
            chosen = events.get(event.translation_key)
            if chosen is None or (event.locale_id == active and chosen.locale_id != active):
                events[event.translation_key] = event
        groups = [
            cls(event, [page for pk, page in by_canonical.items() if pk in tagged[key]])
            for key, event in events.items()
        ]
        return sorted(groups, key=lambda group: (group.event.sort_order, group.event.name.casefold()))


class ConsultationPage(Page):
    service = models.CharField(
        _("service concerned"), max_length=160, help_text=_("The public service this consultation redesigns.")
    )
    intro = models.TextField(_("introduction"), max_length=1000, help_text=_("Two or three plain sentences."))
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    support_threshold = models.PositiveIntegerField(
        _("support threshold"),
        default=500,
        help_text=_("A proposal with this many supports gets an official response by the deadline."),
    )
    response_deadline_days = models.PositiveSmallIntegerField(
        _("response deadline (days)"),
        default=30,
        help_text=_("Days to respond once the threshold is reached."),
    )
    moderation_mode = models.CharField(
        _("moderation"), max_length=4, choices=ModerationMode.choices, default=ModerationMode.POST
    )
    # Five: one person, or two or three acting together, cannot take down what they disagree with, while
    # content that many people find abusive leaves the page before a moderator comes round.
    auto_hide_reports = models.PositiveSmallIntegerField(
        _("hide pending review after this many reports"),
        null=True,
        blank=True,
        default=AUTO_HIDE_REPORTS_DEFAULT,
        validators=[MinValueValidator(AUTO_HIDE_REPORTS_MIN)],
        help_text=_(
            "A published proposal or comment reported by this many different verified accounts is hidden "
            "at once, until a moderator confirms the hide or restores it. At least 2; leave empty to "
            "never hide automatically. Moderators’ and officials’ own content is never hidden this way."
        ),
    )
    # Who may support and submit (proposals.permissions.level_refusal). A change counts from then on: the
    # supports given before stay and count, only new supports and proposals are checked.
    participation_level = models.CharField(
        _("required to support and submit"),
        max_length=10,
        choices=ParticipationLevel.choices,
        default=ParticipationLevel.EMAIL,
        help_text=_(
            "What a person needs to support proposals and to submit them. A verified identity needs an "
            "identity service set up on the site. A change applies to new supports and proposals only: "
            "supports given before stay and count. Commenting always needs a verified e-mail address only."
        ),
    )
    participation_areas = models.TextField(
        _("residents’ areas"),
        blank=True,
        max_length=5000,
        help_text=_(
            "For “Residents”: the postcodes and localities whose residents may take part, one per line. "
            "Postcodes are compared without spaces; localities without regard to case or accents. The "
            "list is shown on the consultation page."
        ),
    )
    life_events = ParentalManyToManyField(
        LifeEvent,
        blank=True,
        related_name="consultations",
        verbose_name=_("life events"),
        help_text=_(
            "The moments of life that bring people to this service: the home page lists it under each."
        ),
    )
    # The areas proposals may name and citizens declare (a set may serve several consultations). Like life
    # events, the consultation's: set on its original page, a translation shows it.
    area_set = models.ForeignKey(
        AreaSet,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultations",
        verbose_name=_("areas"),
        help_text=_(
            "The areas (districts, neighbourhoods) a proposal may name and citizens may declare they live "
            "in. Upload their boundaries under “Areas” first."
        ),
    )
    # What the consultation does, as opposed to what its page says: a translation shows its canonical
    # page's (see with_participation_of); its own copies are not used.
    PARTICIPATION_FIELDS = (
        "opens_at",
        "closes_at",
        "support_threshold",
        "response_deadline_days",
        "moderation_mode",
        "auto_hide_reports",
        "participation_level",
        "participation_areas",
    )

    objects = PageManager.from_queryset(ConsultationPageQuerySet)()
    base_form_class = ConsultationPageForm

    content_panels = [
        *Page.content_panels,
        FieldPanel("service"),
        FieldPanel("intro"),
        FieldPanel("body"),
        InlinePanel("phases", label=_("Phases"), heading=_("Phases")),
        InlinePanel("categories", label=_("Categories"), heading=_("Proposal categories")),
        InlinePanel("stages", label=_("Stages"), heading=_("The service journey, stage by stage")),
        FieldPanel("life_events", widget=forms.CheckboxSelectMultiple),
        FieldPanel("area_set"),
    ]
    settings_panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldRowPanel([FieldPanel("support_threshold"), FieldPanel("response_deadline_days")]),
                FieldPanel("moderation_mode"),
                FieldPanel("auto_hide_reports"),
                FieldPanel("participation_level", widget=forms.RadioSelect),
                FieldPanel("participation_areas"),
            ],
            heading=_("Participation"),
        ),
        *Page.settings_panels,
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("service"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.ConsultationIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("consultation")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(auto_hide_reports__isnull=True)
                | models.Q(auto_hide_reports__gte=AUTO_HIDE_REPORTS_MIN),
                name="consultation_auto_hide_at_least_2",
            ),
            models.CheckConstraint(
                condition=models.Q(participation_level__in=ParticipationLevel.values),
                name="consultation_participation_level_known",
            ),
            # Residents of nowhere would shut everyone out.
            models.CheckConstraint(
                condition=~models.Q(participation_level=ParticipationLevel.RESIDENTS)
                | ~models.Q(participation_areas=""),
                name="consultation_residents_have_areas",
            ),
        ]

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("A consultation must close after it opens.")})
        self.participation_areas = "\n".join(area_lines(self.participation_areas))
        if self.participation_level == ParticipationLevel.RESIDENTS and not self.participation_areas:
            message = _("List at least one postcode or locality whose residents may take part.")
            raise ValidationError({"participation_areas": message})

    def admits_resident(self, *, postal_code: str, locality: str) -> bool:
        """Whether an identity service's address (`postal_code`, `locality`) is in this consultation's
        residents' areas. No query."""
        return admits(self.participation_areas, postal_code=postal_code, locality=locality)

    @property
    def resident_areas(self) -> list[str]:
        return area_lines(self.participation_areas)

    def is_open(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.live and self.opens_at <= at < self.closes_at

    @property
    def pre_moderated(self) -> bool:
        return self.moderation_mode == ModerationMode.PRE

    def phase_state(self, at: datetime | None = None) -> str:
        at = at or timezone.now()
        if at < self.opens_at:
            return "upcoming"
        return "open" if at < self.closes_at else "closed"

    def canonical_page(self) -> "ConsultationPage":
        """The page proposals point to: this one, or the original this page translates (see
        original_page). Kept on the instance: one query at most."""
        if not hasattr(self, "_canonical_page"):
            self._canonical_page = original_page(self)
        return self._canonical_page

    def with_participation_of(self, consultation: "ConsultationPage") -> "ConsultationPage":
        """This page (not saved) with `consultation`'s dates, threshold and moderation, so that what it shows
        and what is_open, phase_state and pre_moderated answer are the consultation's."""
        if consultation.pk != self.pk:
            for name in self.PARTICIPATION_FIELDS:
                setattr(self, name, getattr(consultation, name))
            self._canonical_page = consultation
        return self

    def for_reader(self) -> "ConsultationPage":
        """This consultation as a reader sees it: its published translation in the active language, with
        the consultation's settings, or itself. For display: proposals still go to this page."""
        try:
            locale = active_locale()
        except Locale.DoesNotExist:
            return self
        if locale.pk == self.locale_id:
            self.locale = locale  # its language code without a query
            return self
        # Wagtail's `localized`, with the locale read once per request.
        page = self.get_translation_or_none(locale)
        return page.with_participation_of(self) if page is not None and page.live else self

    def _texts_in_reader_language(self, model, *fields: str) -> dict | None:
        """The `fields` of this consultation's categories or stages (`model`) by slug, as its live page in the
        active language gives them: the original's, or a translation's (which keeps the original's slugs and
        translates the texts). None when no page is in that language yet. One query."""
        try:
            locale = active_locale()
        except Locale.DoesNotExist:  # no pages in the reader's language yet
            return None
        rows = model.objects.filter(
            page__translation_key=self.translation_key, page__locale=locale, page__live=True
        ).values_list("slug", *fields)
        return {slug: texts[0] if len(texts) == 1 else texts for slug, *texts in rows}

    def category_names(self) -> dict[str, str]:
        """The names the reader's language gives this consultation's categories, by slug; empty when it has
        none in that language. One query."""
        return self._texts_in_reader_language(ConsultationCategory, "name") or {}

    def stage_names(self) -> dict[str, str]:
        """The names the reader's language gives this consultation's stages, by slug, as category_names."""
        return self._texts_in_reader_language(ConsultationStage, "name") or {}

    def localized_stages(self) -> list["ConsultationStage"]:
        """This consultation's stages in journey order, named (and described) in the reader's language when
        a live page in it has them. Two queries at most."""
        stages = list(self.stages.order_by("sort_order", "pk"))
        try:
            if active_locale().pk == self.locale_id:
                return stages  # the page's own texts
        except Locale.DoesNotExist:  # no pages in the reader's language yet
            return stages
        texts = self._texts_in_reader_language(ConsultationStage, "name", "description") or {}
        for stage in stages:
            stage.name, stage.description = texts.get(stage.slug, (stage.name, stage.description))
        return stages

    def localize_categories(self, categories) -> None:
        """Name each of `categories` (the consultation's, or None) in the reader's language, in place."""
        categories = [category for category in categories if category is not None]
        if categories:
            names = self.category_names()
            for category in categories:
                category.name = names.get(category.slug, category.name)

    @classmethod
    def localized_list(cls, consultations) -> list["ConsultationPage"]:
        """Canonical `consultations`, each replaced by its live, public translation in the active language
        if it has one (with the consultation's participation settings): one query."""
        pages = list(consultations)
        try:
            locale = active_locale()
        except Locale.DoesNotExist:  # no pages in the reader's language yet
            return pages
        translations = {
            page.translation_key: page
            for page in cls.objects.live()
            .public()
            .select_related("locale")
            .filter(locale=locale, translation_key__in=[p.translation_key for p in pages])
            .exclude(pk__in=[p.pk for p in pages])
        }
        return [
            translations[p.translation_key].with_participation_of(p)
            if p.translation_key in translations
            else p
            for p in pages
        ]

    @staticmethod
    def one_per_consultation(pages) -> list["ConsultationPage"]:
        """`pages` (search hits, the best first) with one page per consultation: the first found, or the one
        in the reader's language if it was found too."""
        active = active_locale().pk
        chosen: dict = {}
        for page in pages:
            first = chosen.setdefault(page.translation_key, page)
            if page.locale_id == active and first.locale_id != active:
                chosen[page.translation_key] = page
        return list(chosen.values())

    def serve(self, request, *args, **kwargs):
        # A translation of a consultation that is not published (or not public) is not shown either.
        consultation = self.canonical_page()
        # The same page for every visitor who is not signed in, until the consultation or a page changes.
        page_cache.share(request, consultation.pk)
        if (
            consultation.pk != self.pk
            and not ConsultationPage.objects.live().public().filter(pk=consultation.pk).exists()
        ):
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        consultation = self.canonical_page()
        self.with_participation_of(consultation)
        context = super().get_context(request, *args, **kwargs)
        # Proposals, counts, categories and the live stream are the consultation's; a translation brings its
        # texts, phases included. They are computed on the floors above this one, which register the
        # builders in Wagtail's hook CONSULTATION_CONTEXT_HOOK (frontend/wagtail_hooks.py): the page never
        # imports upward.
        for build in hooks.get_hooks(CONSULTATION_CONTEXT_HOOK):
            context.update(build(request, consultation))
        context["consultation"] = consultation
        if consultation.pk != self.pk:
            context["phases"] = list(self.phases.all())
        # The language the page's texts are in, which is the reader's only if this page is in it.
        context["content_language"] = language_code_of(self)
        return context


class ConsultationPhase(Orderable):
    page = ParentalKey(ConsultationPage, on_delete=models.CASCADE, related_name="phases")
    title = models.CharField(_("title"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
    ]

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A phase cannot end before it starts.")})

    def is_current(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.starts_on <= today <= self.ends_on


class ConsultationCategory(Orderable):
    page = ParentalKey(ConsultationPage, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["page", "slug"], name="category_slug_unique_per_page")]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class ConsultationStage(Orderable):
    """One stage of the service journey the consultation is about ("Apply online", "Wait for the decision"),
    in the order citizens go through them. Proposals may name the stage they are about and citizens check
    in on the stages they went through. Like categories, a translation has its own stages with the same
    slugs, which give their names in its language; proposals and check-ins point to the canonical page's."""

    page = ParentalKey(ConsultationPage, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    slug = models.SlugField(_("slug"), max_length=80)

    panels = [FieldPanel("name"), FieldPanel("description"), FieldPanel("slug")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["page", "slug"], name="stage_slug_unique_per_page")]
        verbose_name = _("stage")

    def __str__(self) -> str:
        return self.name
