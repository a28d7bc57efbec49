from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Support(models.Model):
    """A citizen's support (signature) for a proposal. One per citizen per proposal, kept by the database.

    Counted while valid: an official who finds a set of supports fraudulent sets them aside with an
    `invalidation`; the rows stay (the citizen may ask for a review, and the decision can be undone), but
    `Proposal.supports_count` is the number of valid rows. What the fraud review reads about a support is
    written with it and never changes (the tallies below add and take away exactly these values): the keyed
    hash of the client address (cocreate.addresses; erased after the retention period), the domain of the
    e-mail address and the day the account was made, both as they were when the support was given."""

    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="supports")
    # A support outlives its citizen's account: deleting an account sets `user` to NULL, so the support
    # keeps counting, anonymously, and the stored count stays equal to the rows. PostgreSQL treats NULLs as
    # distinct in the unique constraint below, so many anonymised supports coexist on one proposal while a
    # live citizen still gets one support per proposal.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="supports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    address_hash = models.CharField(max_length=16, null=True, blank=True)
    email_domain = models.CharField(max_length=255, blank=True, default="", db_default="")
    joined_on = models.DateField(null=True, blank=True)
    invalidation = models.ForeignKey(
        "votes.Invalidation", on_delete=models.PROTECT, null=True, blank=True, related_name="supports"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="one_support_per_citizen")]
        indexes = [models.Index(fields=["user", "proposal"], name="support_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id or 'a former member'} supports {self.proposal_id}"

    @property
    def is_valid(self) -> bool:
        return self.invalidation_id is None


class Invalidation(models.Model):
    """Supports of one proposal set aside together by an official, with the reason given publicly and what
    selected them (`criteria`: address hashes, e-mail domains, a window of sign-up days, accounts)."""

    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="invalidations")
    reason = models.TextField()
    criteria = models.JSONField(default=dict)
    set_aside = models.PositiveIntegerField(default=0, help_text=_("Supports it set aside."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.set_aside} supports of {self.proposal_id} set aside"


class TallyKind(models.IntegerChoices):
    HOUR = 1, _("Hour given")  # key: the UTC hour, "2026-12-06T18"
    JOINED_ON = 2, _("Sign-up day")  # key: the local day the account was made, "2026-12-01"
    DOMAIN = 3, _("E-mail domain")  # key: "example.org"
    ADDRESS = 4, _("Client address")  # key: the address's keyed hash


class SupportTally(models.Model):
    """A proposal's supports counted by one of the fraud review's keys: valid ones and ones set aside.
    Moved by the support services in the support's transaction (one statement per batch, before the count),
    by the invalidation services, and by the retention job (which deletes the address tallies with the
    hashes): reading the review of a proposal with 100,000 supports reads these rows, not the supports."""

    proposal = models.ForeignKey("proposals.Proposal", on_delete=models.CASCADE, related_name="+")
    kind = models.PositiveSmallIntegerField(choices=TallyKind.choices)
    key = models.CharField(max_length=255)
    supports = models.IntegerField(default=0)
    invalid = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "kind", "key"], name="one_tally_per_key")]
        indexes = [models.Index(fields=["proposal", "kind", "-supports"], name="tally_by_size")]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.get_kind_display()} {self.key}: {self.supports}"


class ReviewDecision(models.TextChoices):
    REINSTATED = "reinstated", _("Counted again")
    UPHELD = "upheld", _("Stays set aside")


class SupportReview(models.Model):
    """A citizen asks for their support set aside to be looked at again, with a message; an official
    decides: count it again (votes.invalidations.support_reinstate) or keep it set aside, with a reply. One
    open request per support, kept by the database; a decided one stays, and the citizen may ask again."""

    support = models.ForeignKey(Support, on_delete=models.CASCADE, related_name="reviews")
    message = models.TextField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=12, choices=ReviewDecision.choices, blank=True, default="")
    reply = models.TextField(max_length=1000, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["support"],
                condition=models.Q(decided_at__isnull=True),
                name="one_open_review_per_support",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_at__isnull=True, decision="")
                | models.Q(decided_at__isnull=False, decision__in=ReviewDecision.values),
                name="review_decided_with_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"review of support {self.support_id}"
