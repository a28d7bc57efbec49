"""Consultations are Wagtail pages: officials write them in the CMS at /cms/.

The rules the proposal services need (open or closed, moderation mode, threshold) live here as plain
fields and query-free methods; the services read them through the proposal's foreign key.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .blocks import BodyBlock


class ModerationMode(models.TextChoices):
    PRE = "pre", _("Pre-moderation: proposals wait for approval")
    POST = "post", _("Post-moderation: proposals are visible at once")


class ConsultationIndexPage(Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.ConsultationPage"]
    max_count = 1

    class Meta:
        verbose_name = _("consultation list")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["consultations"] = (
            ConsultationPage.objects.child_of(self).live().public().order_by("-opens_at")
        )
        return context


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

    content_panels = [
        *Page.content_panels,
        FieldPanel("service"),
        FieldPanel("intro"),
        FieldPanel("body"),
        InlinePanel("phases", label=_("Phases"), heading=_("Phases")),
        InlinePanel("categories", label=_("Categories"), heading=_("Proposal categories")),
    ]
    settings_panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldRowPanel([FieldPanel("support_threshold"), FieldPanel("response_deadline_days")]),
                FieldPanel("moderation_mode"),
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

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("A consultation must close after it opens.")})

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

    def get_context(self, request, *args, **kwargs):
        # Imported here: cms renders what the proposal and vote apps select, never the other way round.
        from frontend.pages import consultation_context

        context = super().get_context(request, *args, **kwargs)
        context.update(consultation_context(request, self))
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
