"""Reads for the moderators: one queue of the proposals and comments waiting for them (pending, a
comment's edit held for moderation, reported and not yet dealt with, or hidden pending review after
reports) and of the check-ins' stories waiting for them (pending): those hidden pending review first, then
the others, each oldest first. The Wagtail admin's queue and the API's read it here."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least

from .models import AuditEntry, CheckIn, Comment, Flag, FlagReason, Proposal, Visibility
from .selectors import SEARCH_VECTORS

# The kinds of item in the queue; a check-in's is its story (check-ins cannot be reported: no flags).
QUEUE_KINDS = ("proposal", "comment", "checkin")


@dataclass
class QueueItem:
    """One row of the moderation queue: a proposal, a comment or a check-in's story, waiting since
    `queued_at`."""

    kind: str  # one of QUEUE_KINDS
    item: Proposal | Comment | CheckIn
    queued_at: datetime

    @property
    def proposal(self) -> Proposal | None:
        """The proposal, or the commented one; None for a check-in."""
        if self.kind == "checkin":
            return None
        return self.item if self.kind == "proposal" else self.item.proposal

    @property
    def consultation(self):
        return self.item.consultation if self.kind == "checkin" else self.proposal.consultation

    @property
    def under_review(self) -> bool:
        """Hidden automatically after reports, waiting for a moderator to confirm the hide or restore it."""
        return self.kind != "checkin" and self.item.under_review

    @property
    def flags(self) -> list[Flag]:
        return getattr(self.item, "open_flags", [])

    @property
    def reason_counts(self) -> list[tuple[str, int]]:
        """Each reason given (its code), with how many open reports gave it, the most given first."""
        return Counter(flag.reason for flag in self.flags).most_common()

    @property
    def reasons(self) -> list[tuple[str, int]]:
        """As `reason_counts`, each reason by its label in the current language."""
        return [(str(FlagReason(reason).label), n) for reason, n in self.reason_counts]


def _queued(model, kind: str, flag_field: str) -> QuerySet:
    """(kind, id, urgent, queued_at) of the model's items waiting for a moderator: pending ones since
    their submission, reported ones since their oldest open report (the earlier of the two when both),
    urgent (0) those hidden pending review, since then at the latest."""
    open_flags = Flag.objects.filter(resolved_at__isnull=True)
    oldest = open_flags.filter(**{flag_field: OuterRef("pk")}).order_by("created_at").values("created_at")[:1]
    waiting = Q(visibility=Visibility.PENDING) | Q(auto_hidden_at__isnull=False)
    since = [
        When(visibility=Visibility.PENDING, then=F("created_at")),
        When(auto_hidden_at__isnull=False, then=F("auto_hidden_at")),
    ]
    if model is Comment:
        # A published comment's edit held for moderation (pre-moderated consultation), since it was made.
        waiting |= Q(pending_at__isnull=False)
        since.append(When(pending_at__isnull=False, then=F("pending_at")))
    items = model.objects.filter(waiting | Q(pk__in=open_flags.values(flag_field)))
    if model is Comment:
        items = items.filter(deleted_at__isnull=True)  # its author took it back: nothing left to judge
    since_submitted = Case(*since)
    # No ordering of its own (the models' default one): SQLite refuses ORDER BY inside a UNION's parts.
    return (
        items.order_by()
        .annotate(
            kind=Value(kind, output_field=CharField()),
            urgent=Case(When(auto_hidden_at__isnull=False, then=Value(0)), default=Value(1)),
            # Each side falls back on the other: SQLite's MIN() is NULL if either is, where PostgreSQL's
            # LEAST() skips NULLs. The output field is said outright, so SQLite's text comes back as a
            # datetime like PostgreSQL's timestamp.
            queued_at=Least(
                Coalesce(since_submitted, Subquery(oldest)),
                Coalesce(Subquery(oldest), since_submitted),
                output_field=DateTimeField(),
            ),
        )
        .values_list("kind", "id", "urgent", "queued_at")
    )


def _queued_stories() -> QuerySet:
    """(kind, id, urgent, queued_at) of the check-ins whose story waits for a moderator, since it was last
    told (its check-in's last change: a changed story waits again); never urgent (no reports)."""
    return (
        CheckIn.objects.filter(visibility=Visibility.PENDING)
        .exclude(story="")
        .order_by()
        .annotate(
            kind=Value("checkin", output_field=CharField()),
            urgent=Value(1),
            queued_at=F("updated_at"),
        )
        .values_list("kind", "id", "urgent", "queued_at")
    )


def moderation_queue(*, kinds=QUEUE_KINDS) -> QuerySet:
    """One queue of proposals, comments and check-ins' stories (those of `kinds`): the items hidden pending
    review first (their authors wait for a decision), then the others, each oldest first: first come,
    first served. Rows are (kind, id, urgent, queued_at) tuples, paginated in the database; `queue_items`
    loads one page of them."""
    parts = {
        "proposal": lambda: _queued(Proposal, "proposal", "proposal_id"),
        "comment": lambda: _queued(Comment, "comment", "comment_id"),
        "checkin": _queued_stories,
    }
    first, *others = (parts[kind]() for kind in kinds)
    return first.union(*others, all=True).order_by("urgent", "queued_at", "kind", "id")


def _with_open_flags(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(
        Prefetch("flags", queryset=Flag.objects.filter(resolved_at__isnull=True), to_attr="open_flags")
    )


def queue_items(rows) -> list[QueueItem]:
    """The items of one page of `moderation_queue()`, in its order, with their open flags (a check-in has
    none)."""
    ids = {kind: [] for kind in QUEUE_KINDS}
    for kind, pk, _urgent, _queued_at in rows:
        ids[kind].append(pk)
    loaded = {
        "proposal": _with_open_flags(
            Proposal.objects.filter(pk__in=ids["proposal"])
            .select_related("consultation", "author", "category", "stage")
            .defer(*SEARCH_VECTORS)
        ).in_bulk(),
        "comment": _with_open_flags(
            Comment.objects.filter(pk__in=ids["comment"])
            .select_related("proposal__consultation", "author")
            .defer(*(f"proposal__{name}" for name in SEARCH_VECTORS))
        ).in_bulk(),
        "checkin": CheckIn.objects.filter(pk__in=ids["checkin"])
        .select_related("consultation", "stage", "author")
        .in_bulk(),
    }
    # An item gone between the two queries is left out of this page.
    return [
        QueueItem(kind, loaded[kind][pk], queued_at)
        for kind, pk, _urgent, queued_at in rows
        if pk in loaded[kind]
    ]


def audit_trail(*, proposal: Proposal) -> QuerySet[AuditEntry]:
    """What officials and moderators see of a proposal's record, oldest first: every entry but each comment's
    first publication, with the moderation of the comments merged into it from duplicates."""
    return AuditEntry.objects.about(proposal).trail().order_by("created_at", "id")
