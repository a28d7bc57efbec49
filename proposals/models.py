import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Floor, Left, Length, Log
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import CoauthorState, Frustration, MilestoneState, Motivation, Visibility
from .permissions import can_moderate

COMMENT_VISIBILITY_LABELS = {
    Visibility.PENDING: pgettext_lazy("visibility of a comment", "Waiting for moderation"),
    Visibility.PUBLISHED: pgettext_lazy("visibility of a comment", "Published"),
    Visibility.HIDDEN: pgettext_lazy("visibility of a comment", "Hidden by moderation"),
}

# What the author and the moderators read of a proposal or comment hidden pending review after reports
# (`auto_hidden_at`), where a moderator's hide shows its reason.
UNDER_REVIEW_NOTE = _(
    "Hidden automatically after several reports, until a moderator reviews it: this is not a decision. "
    "A moderator will restore it or confirm the hide."
)


class ReviewedAfterReports:
    """What proposals and comments say of their moderation, from their `auto_hidden_at` and
    `moderation_reason`."""

    @property
    def under_review(self) -> bool:
        """Hidden automatically after reports, waiting for a moderator's decision."""
        return self.auto_hidden_at is not None

    @property
    def moderation_note(self) -> str:
        """What its author and the moderators are told of its moderation: the moderator's reason, or that it
        waits for review (UNDER_REVIEW_NOTE)."""
        return str(UNDER_REVIEW_NOTE) if self.under_review else self.moderation_reason


class Status(models.TextChoices):
    """The public answer to a proposal, set by officials."""

    OPEN = "open", _("Open for support")
    # Set by the support that reaches the consultation's threshold, never by hand: see votes.services.
    AWAITING_RESPONSE = "awaiting_response", _("Awaiting an official response")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    IMPLEMENTED = "implemented", _("Implemented")


class ProposalQuerySet(models.QuerySet):
    def published(self):
        return self.filter(visibility=Visibility.PUBLISHED)

    def listed(self):
        """Published and not merged into another (votes.merging): what lists, search, the live stream and
        open data show. A merged one's page still answers, sending its reader to the one it went into."""
        return self.published().filter(merged_into__isnull=True)

    def for_consultation(self, consultation_id: int):
        return self.filter(consultation_id=consultation_id)

    def readable_by(self, user):
        """What `user` may open: `visible_to`, and for all but moderators only in live, public
        consultations (the rule of the proposal page, applied to everything that names a proposal)."""
        found = self.visible_to(user)
        return found if can_moderate(user) else found.in_public_consultations()

    def in_public_consultations(self):
        """Proposals of consultations that are live and public (no view restriction in the CMS on the page
        or above it): the only ones anyone but a moderator is shown, as the consultation list and the live
        stream already go. One SQL condition, no extra query (Wagtail's `public()` reads the restrictions
        first)."""
        from wagtail.models import PageViewRestriction  # Wagtail's own model: proposals never import cms

        restricted = PageViewRestriction.objects.filter(
            page__path=Left(OuterRef("consultation__path"), Length("page__path"))
        )
        return self.filter(consultation__live=True).exclude(Exists(restricted))

    def visible_to(self, user):
        """Published proposals, plus those the viewer wrote (as first author or accepted co-author: a
        co-author's edit in a pre-moderated consultation sends it back to moderation, and they must still
        read it), plus everything for moderators and officials."""
        if can_moderate(user):
            return self
        if user.is_authenticated:
            coauthored = ProposalCoauthor.objects.filter(
                proposal=OuterRef("pk"), user=user, state=CoauthorState.ACCEPTED
            )
            return self.filter(
                models.Q(visibility=Visibility.PUBLISHED) | models.Q(author=user) | Exists(coauthored)
            )
        return self.published()


# Most supported first, along the index `proposal_by_support_step` (see Proposal.supports_step).
MOST_SUPPORTED = ("-supports_step", "-supports_count", "-id")


class ProposalManager(models.Manager.from_queryset(ProposalQuerySet)):
    def get_queryset(self):
        # The search vectors are read only inside PostgreSQL queries; loading them with every proposal
        # would carry kilobytes per row for nothing.
        return super().get_queryset().defer("search_en", "search_fr")


class Proposal(ReviewedAfterReports, models.Model):
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
    # The stage of the consultation's service journey the proposal is about, if its author named one.
    stage = models.ForeignKey(
        "cms.ConsultationStage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("stage of the journey"),
    )
    # The area of the consultation's area set the proposal is about, if its author named one; emptied when
    # an upload of new boundaries removes the area (cms.areas).
    area = models.ForeignKey(
        "cms.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("area"),
    )
    language = models.CharField(max_length=8, default="en")
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.PENDING)
    moderation_reason = models.CharField(max_length=500, blank=True)
    # Hidden by the platform when its consultation's number of reports was reached, until a moderator
    # confirms the hide or restores it (services.auto_hide); empty otherwise.
    auto_hidden_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    # Denormalised count, changed only by votes.services in the same transaction as the support row.
    supports_count = models.PositiveIntegerField(default=0)
    # Bumped with every change of supports_count, so live clients can drop an older event.
    supports_version = models.PositiveBigIntegerField(default=0)
    # The count in steps about a fifth wider each (0, 1, 2, ..., 7-8, 9-10, ..., 511-607, 608-723, ...),
    # kept by the database: the lists' index orders by it instead of by the count, so a support's UPDATE
    # leaves every index as it was (a HOT update: no index written) unless the count enters a new step,
    # which it does 31 times from 0 to 600 supports and 48 times up to 10,000. It grows with the count, so
    # ordering by it and then by the count is ordering by the count (MOST_SUPPORTED).
    supports_step = models.GeneratedField(
        expression=Floor(4 * Log(2, models.F("supports_count") + 1)),
        output_field=models.IntegerField(),
        db_persist=True,
    )
    # Denormalised count of published comments (replies included), moved by the comment services.
    comments_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The petition promise: set once, by the support that first reaches the consultation's threshold, in
    # its transaction; the deadline is that moment plus the consultation's deadline in days. They stay
    # set if supports are later withdrawn below the threshold: a promise made is not withdrawn, unless an
    # official sets aside fraudulent supports it was made on (votes.invalidations), publicly.
    threshold_reached_at = models.DateTimeField(null=True, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    # The first official response, whenever it came: a response before the threshold counts too.
    responded_at = models.DateTimeField(null=True, blank=True)
    # Withdrawn by its author, with the reason they gave publicly (services.proposal_withdraw): it stays
    # readable, listed and counted as it was, its supports stand and may still be withdrawn, but it takes no
    # new one. Not a Status: the status is the officials' answer, which a withdrawal does not change.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=500, blank=True)
    # Merged by an official into another proposal of its consultation, a duplicate (votes.merging): its
    # supports, followers and comments are the other's now, it takes no support, comment or edit, and its
    # page sends readers to the other one. Both set together, once, by the merge; never merged into itself.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    # The full-text vectors of title (weight A), summary (B) and details (C) in the `cocreate_en` and
    # `cocreate_fr` configurations, written by a PostgreSQL trigger on every insert and on every update of
    # those fields (migration 0003), so search matches through an index instead of computing them for
    # every proposal. No Python code sets them; NULL on another database, where search does not use them.
    search_en = SearchVectorField(null=True, editable=False)
    search_fr = SearchVectorField(null=True, editable=False)

    objects = ProposalManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["consultation", "visibility", "-supports_step"], name="proposal_by_support_step"
            ),
            models.Index(fields=["consultation", "visibility", "-created_at"], name="proposal_by_created"),
            # A search filtered by status, category or stage reads its window of the most recent matches down
            # one of these, walking only the proposals of that status, category or stage (proposals.search).
            models.Index(fields=["status", "id"], name="proposal_by_status"),
            models.Index(fields=["category", "id"], name="proposal_by_category"),
            models.Index(fields=["stage", "id"], name="proposal_by_stage"),
            # A consultation's proposals per area (its map), and its list filtered by area.
            models.Index(fields=["consultation", "area"], name="proposal_by_area"),
            GinIndex(fields=["search_en"], name="proposal_search_en"),
            GinIndex(fields=["search_fr"], name="proposal_search_fr"),
            # The officials' queue: promises still unanswered, the most urgent first.
            models.Index(
                fields=["response_due_at"],
                name="proposal_awaiting_response",
                condition=models.Q(response_due_at__isnull=False, responded_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visibility__in=Visibility.values), name="proposal_visibility_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="proposal_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(auto_hidden_at__isnull=True) | models.Q(visibility=Visibility.HIDDEN),
                name="proposal_auto_hidden_is_hidden",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold_reached_at__isnull=True, response_due_at__isnull=True)
                | models.Q(threshold_reached_at__isnull=False, response_due_at__isnull=False),
                name="proposal_deadline_with_threshold",
            ),
            # A withdrawal has its time and its reason, or there is none.
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True, withdrawal_reason="")
                | (models.Q(withdrawn_at__isnull=False) & ~models.Q(withdrawal_reason="")),
                name="proposal_withdrawal_whole",
            ),
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True, merged_at__isnull=True)
                | models.Q(merged_into__isnull=False, merged_at__isnull=False),
                name="proposal_merge_whole",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")), name="proposal_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposal_detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.visibility == Visibility.PUBLISHED

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def is_overdue(self, at=None) -> bool:
        """A response was promised and its deadline passed without one."""
        return (
            self.response_due_at is not None
            and self.responded_at is None
            and self.response_due_at <= (at or timezone.now())
        )


class ProposalVersion(models.Model):
    """One version of a proposal's text, as its author wrote it: the first at submission, then one per edit
    (services.proposal_edit). Kept for good: the public history compares each version published to the one
    before it (proposals.versions). A proposal submitted before versions were kept gets its original text
    as a first version at its first edit."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    title = models.CharField(max_length=140)
    summary = models.CharField(max_length=500)
    body = models.TextField(max_length=10_000)
    # Who wrote this version: the proposal's author (kept empty if their account is deleted).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["proposal", "created_at"], name="version_by_proposal")]

    def __str__(self) -> str:
        return f"{self.proposal_id} at {self.created_at:%Y-%m-%d %H:%M}"


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
    decision = models.CharField(max_length=20, choices=Status.choices, blank=True)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["published_at", "id"]

    def __str__(self) -> str:
        return f"Response by {self.author_name}"


class CommentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(visibility=Visibility.PUBLISHED)


class Comment(ReviewedAfterReports, models.Model):
    """A comment on a proposal, or a reply to one (one level only: the services refuse a reply to a reply).

    An author's deletion keeps the row with its text removed, so the replies below it keep their place.

    In a pre-moderated consultation the author's edit of a published comment waits in `pending_body` (since
    `pending_at`) for a moderator, while everyone else keeps reading the approved `body`: approving swaps it
    in, rejecting drops it and leaves `edit_rejection_reason` for the author."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="comments"
    )
    # Copied when written: the comment stays marked as an official's if the author later leaves the role.
    author_is_official = models.BooleanField(default=False)
    body = models.TextField(_("comment"), max_length=2000)
    language = models.CharField(max_length=8, default="en")
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.PENDING)
    moderation_reason = models.CharField(max_length=500, blank=True)
    # As Proposal.auto_hidden_at: hidden after reports, waiting for a moderator's decision.
    auto_hidden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Never shown but to the author and the moderators, never sent live, never exported as open data.
    pending_body = models.TextField(max_length=2000, blank=True)
    pending_at = models.DateTimeField(null=True, blank=True)
    edit_rejection_reason = models.CharField(max_length=500, blank=True)
    # The citizens who found it helpful (CommentHelpful rows), moved by one atomic UPDATE in the mark's
    # transaction (services.helpful); `helpful_version` grows with each change, so pages drop older counts.
    helpful_count = models.PositiveIntegerField(default=0)
    helpful_version = models.PositiveIntegerField(default=0)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["proposal", "visibility", "created_at"], name="comment_by_proposal"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visibility__in=Visibility.values), name="comment_visibility_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(helpful_count__gte=0), name="comment_helpful_count_not_negative"
            ),
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="comment_not_own_parent"),
            models.CheckConstraint(
                condition=models.Q(auto_hidden_at__isnull=True) | models.Q(visibility=Visibility.HIDDEN),
                name="comment_auto_hidden_is_hidden",
            ),
            # An edit waiting for moderation has its text and its time, or there is none.
            models.CheckConstraint(
                condition=models.Q(pending_at__isnull=True, pending_body="")
                | (models.Q(pending_at__isnull=False) & ~models.Q(pending_body="")),
                name="comment_pending_edit_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def is_published(self) -> bool:
        return self.visibility == Visibility.PUBLISHED

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def has_pending_edit(self) -> bool:
        return self.pending_at is not None

    def get_visibility_display(self) -> str:
        """A comment's label, not a proposal's: they differ in French (« masqué », « masquée »)."""
        return str(COMMENT_VISIBILITY_LABELS.get(self.visibility, self.visibility))


class CommentHelpful(models.Model):
    """A citizen found a comment helpful: one mark per citizen per comment (the unique constraint), taken
    back by deleting it. Like a support, a mark outlives its citizen's account (`user` set to NULL), so
    `Comment.helpful_count` stays the number of rows."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="helpful_marks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="helpful_marks"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="one_helpful_per_citizen")]
        indexes = [models.Index(fields=["user", "comment"], name="helpful_by_user")]

    def __str__(self) -> str:
        return f"helpful: comment {self.comment_id}"


# The order of a thread's top-level comments (comments_selectors.comment_thread): the default, and the
# most helpful first (ties oldest first).
THREAD_ORDERINGS = {
    "oldest": ("created_at", "id"),
    "helpful": ("-helpful_count", "created_at", "id"),
}


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Abusive, hateful or threatening")
    PERSONAL_DATA = "personal_data", _("Reveals personal information")
    OFF_TOPIC = "off_topic", _("Off topic for this consultation")
    OTHER = "other", _("Something else")


class AuditAction(models.TextChoices):
    """What an audit entry records. The moderation labels are for a proposal; an entry about a comment
    reads COMMENT_ACTION_LABELS (their French forms differ, see AuditEntry.get_action_display)."""

    APPROVED = "approved", pgettext_lazy("moderation of a proposal", "Approved by moderation")
    HIDDEN = "hidden", pgettext_lazy("moderation of a proposal", "Hidden by moderation")
    RESTORED = "restored", pgettext_lazy("moderation of a proposal", "Restored by moderation")
    # By the platform, when the consultation's number of reports from distinct accounts was reached.
    AUTO_HIDDEN = (
        "auto_hidden",
        pgettext_lazy("moderation of a proposal", "Hidden automatically after reports, pending review"),
    )
    FLAGS_DISMISSED = "flags_dismissed", _("Reports reviewed, nothing to change")
    STATUS_CHANGED = "status_changed", _("Status changed")
    RESPONSE_PUBLISHED = "response_published", _("Official response published")
    THRESHOLD_REACHED = "threshold_reached", _("Support threshold reached")
    # Supports found fraudulent set aside by an official (votes.invalidations), one set back, and the
    # promise withdrawn when the supports left no longer reach the threshold: all public, with the reason.
    SUPPORTS_SET_ASIDE = "supports_set_aside", _("Supports set aside")
    SUPPORT_REINSTATED = "support_reinstated", _("Support counted again")
    THRESHOLD_WITHDRAWN = "threshold_withdrawn", _("Support threshold no longer reached")
    # An accepted proposal's implementation, step by step (Milestone): each change is public.
    MILESTONE_PLANNED = "milestone_planned", _("Implementation step planned")
    MILESTONE_REPLANNED = "milestone_replanned", _("Implementation step rescheduled")
    MILESTONE_STARTED = "milestone_started", _("Implementation step started")
    MILESTONE_DONE = "milestone_done", _("Implementation step done")
    # A published comment's edit, held for moderation in a pre-moderated consultation.
    EDIT_APPROVED = "edit_approved", pgettext_lazy("moderation of a comment", "Edit approved by moderation")
    EDIT_REJECTED = "edit_rejected", pgettext_lazy("moderation of a comment", "Edit rejected by moderation")
    # Its author withdrew the proposal (services.proposal_withdraw), with their reason: public.
    WITHDRAWN = "withdrawn", _("Withdrawn by its author")
    # A comment became public for the first time (posted, or approved by moderation): what tells the
    # proposal's author (notifications.fanout). Recorded by the platform, without the commenter's name.
    COMMENT_PUBLISHED = "comment_published", _("Comment published")
    # An official kept a support set aside after its citizen asked for a review (votes.reviews), with the
    # reply: not public, it concerns one citizen, who is told (notifications.personal).
    SUPPORT_KEPT_ASIDE = "support_kept_aside", _("Support kept set aside after a review")
    # A moderator removed one of a proposal's pictures or documents (services.attachment_remove), with the
    # reason; `from_value` is its kind (image, pdf). Not public, as hides are not.
    ATTACHMENT_REMOVED = "attachment_removed", _("File removed by moderation")
    # An official merged duplicates into one proposal (votes.merging), with the reason, public on both
    # sides: on the duplicate, where it went (`to_value`: the proposal's id); on the proposal it went
    # into, which one came (`from_value`) with how many supports it brought (`to_value`).
    MERGED_INTO = "merged_into", _("Merged into another proposal")
    MERGED_FROM = "merged_from", _("A duplicate merged into it")
    # Co-authors (services.coauthors): an invitation is recorded, not public (it tells the invited person
    # in the site when an account has the address); joining and leaving are public, in the history.
    COAUTHOR_INVITED = "coauthor_invited", _("Co-author invited")
    COAUTHOR_JOINED = "coauthor_joined", _("Co-author joined")
    COAUTHOR_LEFT = "coauthor_left", _("Co-author left")


# The entries whose `to_value` is a number of supports (see AuditEntry.counts).
COUNT_ACTIONS = frozenset(
    {
        AuditAction.THRESHOLD_REACHED,
        AuditAction.SUPPORTS_SET_ASIDE,
        AuditAction.SUPPORT_REINSTATED,
        AuditAction.THRESHOLD_WITHDRAWN,
    }
)

COMMENT_ACTION_LABELS = {
    AuditAction.APPROVED: pgettext_lazy("moderation of a comment", "Approved by moderation"),
    AuditAction.HIDDEN: pgettext_lazy("moderation of a comment", "Hidden by moderation"),
    AuditAction.RESTORED: pgettext_lazy("moderation of a comment", "Restored by moderation"),
    AuditAction.AUTO_HIDDEN: pgettext_lazy(
        "moderation of a comment", "Hidden automatically after reports, pending review"
    ),
}


class AuditRole(models.TextChoices):
    PLATFORM = "platform", _("The platform")
    MODERATOR = "moderator", _("Moderator")
    OFFICIAL = "official", _("Official")
    # The proposal's author, for what only they do to it (its withdrawal).
    AUTHOR = "author", pgettext_lazy("who did an action in a proposal's history", "Author")


class Flag(models.Model):
    """A citizen's report of a proposal or a comment to the moderators: one per citizen per item, kept
    by the database. Resolved when a moderator acts on the item (hide, or dismiss the flags)."""

    Reason = FlagReason

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=FlagReason.choices)
    details = models.CharField(_("details"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposal__isnull=False, comment__isnull=True)
                | models.Q(proposal__isnull=True, comment__isnull=False),
                name="flag_one_target",
            ),
            models.CheckConstraint(
                condition=models.Q(reason__in=FlagReason.values), name="flag_reason_valid"
            ),
            models.UniqueConstraint(
                fields=["reporter", "proposal"],
                condition=models.Q(proposal__isnull=False),
                name="one_flag_per_citizen_per_proposal",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=models.Q(comment__isnull=False),
                name="one_flag_per_citizen_per_comment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], name="flag_open", condition=models.Q(resolved_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} by {self.reporter_id}"


class AuditEntryQuerySet(models.QuerySet):
    def about(self, proposal):
        """The entries of the proposal and of the comments it has now. Merging moves a duplicate's comments
        to the proposal it is merged into, while the entries of their moderation stay the duplicate's (they
        are append-only), so a comment's entries are found through the comment. A union of two index
        look-ups: one `OR` across the join would read the whole table."""
        by_proposal = self.filter(proposal=proposal).order_by().values("pk")
        return self.filter(
            pk__in=by_proposal.union(self.filter(comment__proposal=proposal).order_by().values("pk"))
        )

    def public(self):
        return self.filter(public=True)

    def status_changes(self):
        return self.filter(action=AuditAction.STATUS_CHANGED)

    def moderation(self):
        return self.filter(action__in=MODERATION_ACTIONS)

    def trail(self):
        """What the officials' trail shows: everything but the record of each comment's first publication
        (one a comment, kept to notify its proposal's author once), which would bury the rest."""
        return self.exclude(action=AuditAction.COMMENT_PUBLISHED)


MODERATION_ACTIONS = (
    AuditAction.APPROVED,
    AuditAction.HIDDEN,
    AuditAction.RESTORED,
    AuditAction.AUTO_HIDDEN,
    AuditAction.FLAGS_DISMISSED,
    AuditAction.EDIT_APPROVED,
    AuditAction.EDIT_REJECTED,
)


class AuditEntry(models.Model):
    """Append-only record of what officials, moderators and the platform did to a proposal or its comments:
    who, in which role, when, what, and why. PostgreSQL refuses to update or delete a row (migration 0004),
    except to forget the actor of a deleted account; `actor_name` and `actor_role` keep the record readable.

    Public entries (status changes, responses, the threshold) make the proposal's public history;
    moderation entries are shown to moderators, and their reason to the author."""

    Action = AuditAction
    Role = AuditRole

    PUBLIC_ACTIONS = (
        AuditAction.STATUS_CHANGED,
        AuditAction.RESPONSE_PUBLISHED,
        AuditAction.THRESHOLD_REACHED,
        AuditAction.SUPPORTS_SET_ASIDE,
        AuditAction.SUPPORT_REINSTATED,
        AuditAction.THRESHOLD_WITHDRAWN,
        AuditAction.MILESTONE_PLANNED,
        AuditAction.MILESTONE_REPLANNED,
        AuditAction.MILESTONE_STARTED,
        AuditAction.MILESTONE_DONE,
        AuditAction.WITHDRAWN,
        AuditAction.MERGED_INTO,
        AuditAction.MERGED_FROM,
        AuditAction.COAUTHOR_JOINED,
        AuditAction.COAUTHOR_LEFT,
    )

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="audit_entries")
    # Set when the action was on one of the proposal's comments rather than on the proposal itself.
    comment = models.ForeignKey(
        Comment, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    # The response an entry belongs to: its publication, and the status change it carried.
    response = models.ForeignKey(
        "OfficialResponse", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    # The implementation step an entry records the planning, start or completion of.
    milestone = models.ForeignKey(
        "Milestone", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=10, choices=AuditRole.choices)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    from_value = models.CharField(max_length=20, blank=True)
    to_value = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=1000, blank=True)
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["proposal", "created_at"], name="audit_by_proposal")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=AuditAction.values), name="audit_action_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(actor_role__in=AuditRole.values), name="audit_role_valid"
            ),
            # A comment is announced once: an edit, a hide and a restore do not announce it again.
            models.UniqueConstraint(
                fields=["comment"],
                condition=models.Q(action="comment_published"),
                name="comment_published_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} on {self.proposal_id}"

    def get_action_display(self) -> str:
        if self.comment_id and self.action in COMMENT_ACTION_LABELS:
            return str(COMMENT_ACTION_LABELS[self.action])
        return str(AuditAction(self.action).label) if self.action in AuditAction.values else self.action

    def _label(self, value: str) -> str:
        if self.action == AuditAction.STATUS_CHANGED:
            labels = dict(Status.choices)
        elif self.milestone_id:
            labels = dict(MilestoneState.choices)
        elif self.comment_id:
            labels = COMMENT_VISIBILITY_LABELS
        else:
            labels = dict(Visibility.choices)
        return str(labels.get(value, value))

    @property
    def counts(self) -> bool:
        """Its value is a number of supports (the threshold, or how many were set aside or counted
        again), not a state: shown as it is."""
        return self.action in COUNT_ACTIONS

    @property
    def from_label(self) -> str:
        return self._label(self.from_value)

    @property
    def to_label(self) -> str:
        return self._label(self.to_value)


class Follow(models.Model):
    """A citizen follows a proposal: they are told when an official responds or its status changes.
    Supporting follows by default; unfollowing is always possible."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="one_follow_per_citizen")]
        indexes = [models.Index(fields=["user", "proposal"], name="follow_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.proposal_id}"


class Notification(models.Model):
    """One follower told of one public audit entry. Written in the transaction of the action itself, so it
    cannot be lost; the e-mail goes after commit and `emailed_at` stays empty until it went, so a failed
    send is retried by the `send_notifications` command instead of forgotten."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    entry = models.ForeignKey(AuditEntry, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # False when the recipient had e-mail notifications off at the time: the in-site list still shows it.
    email_wanted = models.BooleanField(default=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "entry"], name="one_notification_per_entry")
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_by_recipient"),
            models.Index(
                fields=["created_at"],
                name="notification_unsent",
                condition=models.Q(emailed_at__isnull=True, email_wanted=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} for {self.recipient_id}"


class Milestone(models.Model):
    """One step of putting an accepted proposal into practice ("New form tested with ten claimants"), set by
    officials: planned for a date, then in progress, then done, each change with a note. Every change is a
    public audit entry (the proposal's history), which tells its followers. The first step done on a stage's
    proposals is the "after" of that stage on the consultation's What changed page."""

    State = MilestoneState

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=140)
    state = models.CharField(
        _("state"), max_length=12, choices=MilestoneState.choices, default=MilestoneState.PLANNED
    )
    planned_for = models.DateField(_("planned for"))
    started_on = models.DateField(_("started on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # The note of the latest change; each change's own note stays in its audit entry.
    note = models.TextField(_("note"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["planned_for", "id"]
        indexes = [
            # The officials' list of steps late against their planned dates.
            models.Index(
                fields=["planned_for"],
                name="milestone_not_done",
                condition=~models.Q(state=MilestoneState.DONE),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=MilestoneState.values), name="milestone_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(state=MilestoneState.DONE, done_on__isnull=False)
                | (~models.Q(state=MilestoneState.DONE) & models.Q(done_on__isnull=True)),
                name="milestone_done_with_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_late(self, today=None) -> bool:
        """Not done by its planned date, or done after it."""
        today = today or timezone.localdate()
        if self.done_on is not None:
            return self.done_on > self.planned_for
        return self.planned_for < today


class CheckIn(models.Model):
    """A citizen's experience of one stage of a consultation's service journey: how frustrating it was, how
    motivated they still were (1 to 5, see choices), whether they gave up there, and, if they wish, what
    happened (`story`, moderated like a comment). One per citizen per stage, kept by the database; the
    citizen may change or delete it.

    Only aggregates are ever shown, and only from 5 check-ins on a stage: the counts are kept in
    StageTally, moved in the check-in's own transaction, so nothing is recounted to draw the journey map."""

    consultation = models.ForeignKey(
        "cms.ConsultationPage", on_delete=models.PROTECT, related_name="checkins"
    )
    stage = models.ForeignKey("cms.ConsultationStage", on_delete=models.CASCADE, related_name="checkins")
    # Kept, without its author, when the account is deleted: the figures already shown do not move.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="checkins"
    )
    frustration = models.PositiveSmallIntegerField(_("frustration"), choices=Frustration.choices)
    motivation = models.PositiveSmallIntegerField(_("motivation"), choices=Motivation.choices)
    gave_up = models.BooleanField(_("I gave up at this stage"), default=False)
    story = models.TextField(_("what happened"), max_length=1000, blank=True)
    # The story's moderation; the scores are counted whatever becomes of the story.
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.PUBLISHED)
    moderation_reason = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=8, default="en")
    # The local date the check-in counts for in StageTally: the day it was given or last changed.
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["consultation", "author"], name="checkin_by_author"),
            # A stage's latest published stories, read by the journey map without scanning them all.
            models.Index(
                fields=["stage", "-updated_at", "-id"],
                name="checkin_latest_stories",
                condition=models.Q(visibility=Visibility.PUBLISHED) & ~models.Q(story=""),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "stage"],
                condition=models.Q(author__isnull=False),
                name="one_checkin_per_citizen_per_stage",
            ),
            models.CheckConstraint(
                condition=models.Q(frustration__gte=1, frustration__lte=5), name="checkin_frustration_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(motivation__gte=1, motivation__lte=5), name="checkin_motivation_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(visibility__in=Visibility.values), name="checkin_visibility_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"check-in {self.pk} on stage {self.stage_id}"


SCALE = range(1, 6)


class StageTally(models.Model):
    """The check-ins of one stage, counted: the running totals (`day` empty; its `version` grows with each
    change, for live pages) and one row per local day the check-ins were given on (for the What changed
    page's before and after, and the officials' months). Moved only by the check-in services, in the
    check-in's transaction, with F() updates: a check-in costs the same at the 10th and the 100,000th."""

    stage = models.ForeignKey("cms.ConsultationStage", on_delete=models.CASCADE, related_name="tallies")
    day = models.DateField(null=True, blank=True)
    checkins = models.PositiveIntegerField(default=0)
    gave_up = models.PositiveIntegerField(default=0)
    frustration_1 = models.PositiveIntegerField(default=0)
    frustration_2 = models.PositiveIntegerField(default=0)
    frustration_3 = models.PositiveIntegerField(default=0)
    frustration_4 = models.PositiveIntegerField(default=0)
    frustration_5 = models.PositiveIntegerField(default=0)
    motivation_1 = models.PositiveIntegerField(default=0)
    motivation_2 = models.PositiveIntegerField(default=0)
    motivation_3 = models.PositiveIntegerField(default=0)
    motivation_4 = models.PositiveIntegerField(default=0)
    motivation_5 = models.PositiveIntegerField(default=0)
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stage"], condition=models.Q(day__isnull=True), name="one_total_tally_per_stage"
            ),
            models.UniqueConstraint(
                fields=["stage", "day"], condition=models.Q(day__isnull=False), name="one_tally_per_stage_day"
            ),
        ]

    def __str__(self) -> str:
        return f"stage {self.stage_id} on {self.day or 'all days'}: {self.checkins}"


class ProposalDraft(models.Model):
    """A proposal its author saved unfinished, to come back to: theirs alone (never listed, searched,
    counted, exported as open data or sent live; no one else, moderators included, reads it). Submitting it
    goes through services.proposal_submit like any proposal, and the draft is gone. Its fields may be empty
    or unfinished, within the limits of a proposal's; it goes with its author's account."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts")
    consultation = models.ForeignKey(
        "cms.ConsultationPage", on_delete=models.CASCADE, related_name="proposal_drafts"
    )
    title = models.CharField(max_length=140, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    body = models.TextField(max_length=10_000, blank=True)
    category = models.ForeignKey(
        "cms.ConsultationCategory", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stage = models.ForeignKey(
        "cms.ConsultationStage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    area = models.ForeignKey("cms.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["author", "consultation"], name="draft_by_author")]

    def __str__(self) -> str:
        return f"draft {self.pk} by {self.author_id}"


class DeclaredArea(models.Model):
    """The area a citizen says they live in, one per area set (a set may serve several consultations): what
    the proposal page's supports per declared area count. Theirs to change or remove; it goes with their
    account, and with the area when an upload of new boundaries removes it. On PostgreSQL a foreign key on
    (area_set, area) keeps the area in the set (migration 0018); the services check it everywhere."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declared_areas"
    )
    area_set = models.ForeignKey("cms.AreaSet", on_delete=models.CASCADE, related_name="declarations")
    area = models.ForeignKey("cms.Area", on_delete=models.CASCADE, related_name="declarations")
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "area_set"], name="one_declared_area_per_set"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in area {self.area_id}"


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("Image")
    PDF = "pdf", _("PDF document")


# How many files of each kind a proposal may carry: the positions 1 to ATTACHMENTS_PER_KIND, one file each
# (the constraints below), so the limit holds in the database whatever the code does.
ATTACHMENTS_PER_KIND = 3


def attachment_path(attachment: "ProposalAttachment", filename: str) -> str:
    """A random name under the proposal's folder: nothing of the uploader's file name reaches the storage,
    and no address can be guessed (files are served by a view that checks the proposal, never from
    MEDIA_URL). `filename` is the service's, with the extension of the checked format."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"proposals/{attachment.proposal_id}/{uuid.uuid4().hex}.{extension}"


class ProposalAttachment(models.Model):
    """An image or a PDF document on a proposal, stored through Django's storage API (STORAGES["default"]:
    the local disk, or an S3-compatible object store). Written only by services.attachments, which checked
    its content: an image is re-encoded without its metadata, at most IMAGE_LONG_SIDE pixels on its long
    side, with a phone-sized copy (`small_file`); a PDF is kept as sent. It is shown to whoever may read the
    proposal, and to no one else."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=8, choices=AttachmentKind.choices)
    position = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=attachment_path, max_length=200)
    # An image's copy for phones (at most IMAGE_SMALL_SIDE pixels wide or high); empty for a PDF, or an
    # image already that small.
    small_file = models.FileField(upload_to=attachment_path, max_length=200, blank=True)
    small_width = models.PositiveIntegerField(null=True, blank=True)
    # What the image shows, for those who cannot see it: required for an image.
    alt_text = models.CharField(max_length=300, blank=True)
    # A PDF's name for its download (the uploader's file name, made safe).
    title = models.CharField(max_length=120, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AttachmentKind.values), name="attachment_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(position__gte=1, position__lte=ATTACHMENTS_PER_KIND),
                name="attachment_position_in_range",
            ),
            models.UniqueConstraint(
                fields=["proposal", "kind", "position"], name="attachment_one_per_position"
            ),
            # An image says what it shows, and its size; a document has a name.
            models.CheckConstraint(
                condition=~models.Q(kind=AttachmentKind.IMAGE)
                | (~models.Q(alt_text="") & models.Q(width__isnull=False, height__isnull=False)),
                name="attachment_image_described",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=AttachmentKind.PDF) | ~models.Q(title=""),
                name="attachment_pdf_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.position} of proposal {self.proposal_id}"

    def get_absolute_url(self) -> str:
        return reverse("proposal_attachment", args=[self.proposal_id, self.pk])

    @property
    def is_image(self) -> bool:
        return self.kind == AttachmentKind.IMAGE

    def get_small_url(self) -> str:
        return reverse("proposal_attachment_small", args=[self.proposal_id, self.pk])


class ProposalCoauthor(models.Model):
    """An invitation to co-author a proposal, and once accepted the co-authorship itself
    (services.coauthors). Its first author invites an e-mail address, kept in its canonical form
    (cocreate.accounts.canonical) to compare and as typed (`address`) to show and mail: nothing about the
    address's account is read when inviting, so inviting tells nobody whether it has one. The person whose
    confirmed address it is accepts (the row gets their account) or declines. Cancelled, removed or left,
    the row is deleted: the public history keeps who joined and left. A co-author's account deleted takes
    the co-authorship with it; the proposal stays."""

    State = CoauthorState

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="coauthors")
    email = models.CharField(max_length=254)
    address = models.CharField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coauthorships",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=CoauthorState.choices, default=CoauthorState.INVITED)
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # A person's open invitations, found by their confirmed addresses' canonical forms.
            models.Index(
                fields=["email"], name="coauthor_invited_by_email", condition=models.Q(state="invited")
            ),
            models.Index(fields=["user", "proposal"], name="coauthor_by_user"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "email"], name="one_invitation_per_address"),
            models.UniqueConstraint(fields=["proposal", "user"], name="one_coauthorship_per_person"),
            models.CheckConstraint(
                condition=models.Q(state__in=CoauthorState.values), name="coauthor_state_valid"
            ),
            # An account only once accepted; an answer's time once answered.
            models.CheckConstraint(
                condition=models.Q(state=CoauthorState.ACCEPTED, user__isnull=False)
                | (~models.Q(state=CoauthorState.ACCEPTED) & models.Q(user__isnull=True)),
                name="coauthor_account_when_accepted",
            ),
            models.CheckConstraint(
                condition=models.Q(state=CoauthorState.INVITED, responded_at__isnull=True)
                | (~models.Q(state=CoauthorState.INVITED) & models.Q(responded_at__isnull=False)),
                name="coauthor_answered_when_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.state} co-author of {self.proposal_id}"

    @property
    def is_accepted(self) -> bool:
        return self.state == CoauthorState.ACCEPTED
