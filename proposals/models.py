from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    """Moderation state. Only PUBLISHED proposals are ever shown or sent to citizens."""

    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden by moderation")


class Status(models.TextChoices):
    """The public answer to a proposal, set by officials."""

    OPEN = "open", _("Open for support")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    IMPLEMENTED = "implemented", _("Implemented")


class ProposalQuerySet(models.QuerySet):
    def published(self):
        return self.filter(visibility=Visibility.PUBLISHED)

    def for_consultation(self, consultation_id: int):
        return self.filter(consultation_id=consultation_id)

    def visible_to(self, user):
        """Published proposals, plus the viewer's own, plus everything for moderators and officials."""
        from .permissions import can_moderate  # the predicate module imports models

        if can_moderate(user):
            return self
        if user.is_authenticated:
            return self.filter(models.Q(visibility=Visibility.PUBLISHED) | models.Q(author=user))
        return self.published()


class Proposal(models.Model):
    consultation = models.ForeignKey(
        "cms.ConsultationPage", on_delete=models.PROTECT, related_name="proposals"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=140)
    summary = models.CharField(_("summary"), max_length=500)
    body = models.TextField(_("details"), max_length=10_000)
    category = models.ForeignKey(
        "cms.ConsultationCategory",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("category"),
    )
    language = models.CharField(max_length=8, default="en")
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.PENDING)
    moderation_reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # Denormalised count, changed only by votes.services in the same transaction as the support row.
    supports_count = models.PositiveIntegerField(default=0)
    # Bumped with every change of supports_count, so live clients can drop an older event.
    supports_version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The full-text vectors of title (weight A), summary (B) and details (C) in the `cocreate_en` and
    # `cocreate_fr` configurations, written by a PostgreSQL trigger on every insert and on every update of
    # those fields (migration 0003), so search matches through an index instead of computing them for
    # every proposal. No Python code sets them; NULL on another database, where search does not use them.
    search_en = SearchVectorField(null=True, editable=False)
    search_fr = SearchVectorField(null=True, editable=False)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["consultation", "visibility", "-supports_count"], name="proposal_by_supports"
            ),
            models.Index(fields=["consultation", "visibility", "-created_at"], name="proposal_by_created"),
            GinIndex(fields=["search_en"], name="proposal_search_en"),
            GinIndex(fields=["search_fr"], name="proposal_search_fr"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visibility__in=Visibility.values), name="proposal_visibility_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="proposal_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposal_detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.visibility == Visibility.PUBLISHED


class StatusChange(models.Model):
    """Append-only record of each public status change: who, when, from what to what, and why."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="status_changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=Status.choices)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    note = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ModerationDecision(models.Model):
    """Append-only record of each moderation action, with the reason shown to the author."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved")
        HIDE = "hide", _("Hidden")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="moderation_decisions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.reason}"


class OfficialResponse(models.Model):
    """An official's public answer to a proposal. Name and department are copied at publication so the
    record keeps saying who answered, in which role, even if the official's profile changes later."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    department = models.CharField(max_length=120, blank=True)
    body = models.TextField(max_length=10_000)
    decision = models.CharField(max_length=16, choices=Status.choices, blank=True)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["published_at", "id"]

    def __str__(self) -> str:
        return f"Response by {self.author_name}"
