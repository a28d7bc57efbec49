"""The events a consultation's live stream carries. Each is absolute state, never a delta: a client that
missed one is right again at the next, and refetches over REST after a reconnect. Every event but the
coalesced figures (a proposal's count, a stage's) is a Change."""

from typing import Literal, TypedDict

from cocreate.page_cache import Generations

from ..models import Comment, Milestone, OfficialResponse, Proposal, Status


class Change(TypedDict, total=False):
    """What an event that is not coalesced figures carries beside its own fields: the consultation's
    generations it moved to (cocreate/page_cache.py; "list" None for a comment's, which leaves it as it
    was), added after commit by broadcasts.py once they have moved. A page at generation n that receives
    the event of n + 1 missed nothing; one that receives another number keeps its own, and refetches over
    REST at its next reconnect unless the events in between come (live.js)."""

    generations: Generations


class ProposalState(TypedDict):
    id: int
    title: str
    summary: str
    category: str | None
    category_slug: str | None
    stage: str | None
    stage_slug: str | None
    area_id: int | None
    status: str
    status_label: str
    supports: int
    version: int
    url: str
    created_at: str


class ProposalCount(TypedDict):
    """A proposal in the stream's snapshot: what a page needs to bring the cards it shows up to date (their
    text is on the page already). About 60 bytes, where the full state was about 470: a snapshot of 500
    proposals is a phone's 30 KB, not 235 KB, on every connect and reconnect."""

    id: int
    status: str
    supports: int
    version: int


class ProposalPublished(Change):
    type: Literal["proposal.published"]
    proposal: ProposalState


class SupportChanged(TypedDict):
    type: Literal["proposal.support_changed"]
    proposal: int
    supports: int
    version: int


class StatusChanged(Change):
    type: Literal["proposal.status_changed"]
    proposal: int
    status: str
    status_label: str


class ThresholdReached(Change):
    type: Literal["proposal.threshold_reached"]
    proposal: int
    status: str
    status_label: str
    threshold: int
    response_due_at: str


class ThresholdWithdrawn(Change):
    """The petition promise taken back: supports were set aside and those left (`supports`) no longer
    reach the threshold. No deadline any more; `status` as the transaction leaves it."""

    type: Literal["proposal.threshold_withdrawn"]
    proposal: int
    status: str
    status_label: str
    threshold: int
    supports: int


class ProposalHidden(Change):
    type: Literal["proposal.hidden"]
    proposal: int


class ResponseState(TypedDict):
    id: int
    body: str
    author_name: str
    department: str
    decision: str
    published_at: str


class ResponsePublished(Change):
    type: Literal["response.published"]
    proposal: int
    response: ResponseState


def proposal_state(proposal: Proposal) -> ProposalState:
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "summary": proposal.summary,
        "category": proposal.category.name if proposal.category_id else None,  # in the original's language
        "category_slug": proposal.category.slug if proposal.category_id else None,
        "stage": proposal.stage.name if proposal.stage_id else None,  # in the original's language
        "stage_slug": proposal.stage.slug if proposal.stage_id else None,
        "area_id": proposal.area_id,
        "status": proposal.status,
        "status_label": str(proposal.get_status_display()),
        "supports": proposal.supports_count,
        "version": proposal.supports_version,
        "url": proposal.get_absolute_url(),
        "created_at": proposal.created_at.isoformat(),
    }


def proposal_count(proposal_id: int, status: str, supports: int, version: int) -> ProposalCount:
    return {"id": proposal_id, "status": status, "supports": supports, "version": version}


def response_state(response: OfficialResponse) -> ResponseState:
    return {
        "id": response.pk,
        "body": response.body,
        "author_name": response.author_name,
        "department": response.department,
        "decision": response.decision,
        "published_at": response.published_at.isoformat(),
    }


def proposal_published(proposal: Proposal) -> ProposalPublished:
    return {"type": "proposal.published", "proposal": proposal_state(proposal)}


def support_changed(*, proposal_id: int, supports: int, version: int) -> SupportChanged:
    return {
        "type": "proposal.support_changed",
        "proposal": proposal_id,
        "supports": supports,
        "version": version,
    }


def status_changed(proposal: Proposal) -> StatusChanged:
    return {
        "type": "proposal.status_changed",
        "proposal": proposal.pk,
        "status": proposal.status,
        "status_label": str(proposal.get_status_display()),
    }


def threshold_reached(proposal: Proposal, *, status: str, threshold: int) -> ThresholdReached:
    """The petition promise made: `proposal.response_due_at` is set and `status` is the proposal's status
    once the support's transaction commits."""
    return {
        "type": "proposal.threshold_reached",
        "proposal": proposal.pk,
        "status": status,
        "status_label": str(Status(status).label),
        "threshold": threshold,
        "response_due_at": proposal.response_due_at.isoformat(),
    }


def threshold_withdrawn(proposal: Proposal, *, status: str, threshold: int) -> ThresholdWithdrawn:
    return {
        "type": "proposal.threshold_withdrawn",
        "proposal": proposal.pk,
        "status": status,
        "status_label": str(Status(status).label),
        "threshold": threshold,
        "supports": proposal.supports_count,
    }


def proposal_hidden(proposal: Proposal) -> ProposalHidden:
    return {"type": "proposal.hidden", "proposal": proposal.pk}


def response_published(response: OfficialResponse) -> ResponsePublished:
    return {
        "type": "response.published",
        "proposal": response.proposal_id,
        "response": response_state(response),
    }


class ProposalEdited(Change):
    """Its author edited the title or summary, what a card shows (an edit of the details alone is not sent:
    the page reads them afresh)."""

    type: Literal["proposal.edited"]
    proposal: int
    title: str
    summary: str


def proposal_edited(proposal: Proposal) -> ProposalEdited:
    return {
        "type": "proposal.edited",
        "proposal": proposal.pk,
        "title": proposal.title,
        "summary": proposal.summary,
    }


class ProposalWithdrawn(Change):
    """Its author withdrew it: still shown and counted, closed to new supports; `reason` is theirs."""

    type: Literal["proposal.withdrawn"]
    proposal: int
    withdrawn_at: str
    reason: str


def proposal_withdrawn(proposal: Proposal) -> ProposalWithdrawn:
    return {
        "type": "proposal.withdrawn",
        "proposal": proposal.pk,
        "withdrawn_at": proposal.withdrawn_at.isoformat(),
        "reason": proposal.withdrawal_reason,
    }


class ProposalMerged(Change):
    """An official merged it into another proposal (votes.merging): its supports count there now, and an
    open page of it sends its reader to `url`, the other proposal's."""

    type: Literal["proposal.merged"]
    proposal: int
    into: int
    title: str  # the other proposal's
    url: str


def proposal_merged(proposal: Proposal, *, into: Proposal) -> ProposalMerged:
    return {
        "type": "proposal.merged",
        "proposal": proposal.pk,
        "into": into.pk,
        "title": into.title,
        "url": into.get_absolute_url(),
    }


class CommentState(TypedDict):
    """A published comment as everyone may read it; pending or hidden text is never sent."""

    id: int
    proposal: int
    parent: int | None
    author_name: str  # empty for a citizen without a name or a former member: the page names them
    is_official: bool
    body: str
    created_at: str
    edited: bool


class CommentPublished(Change):
    type: Literal["comment.published"]
    proposal: int
    comment: CommentState
    comments: int


class CommentUpdated(Change):
    type: Literal["comment.updated"]
    proposal: int
    comment: CommentState


class CommentRemoved(Change):
    type: Literal["comment.removed"]
    proposal: int
    comment: int
    reason: Literal["hidden", "deleted"]
    comments: int


def comment_state(comment: Comment) -> CommentState:
    author = comment.author
    return {
        "id": comment.pk,
        "proposal": comment.proposal_id,
        "parent": comment.parent_id,
        # Never public_name: its fallback would be in the language of whoever wrote, not of the reader.
        "author_name": (author.display_name or author.get_full_name()) if author else "",
        "is_official": comment.author_is_official,
        "body": comment.body,
        "created_at": comment.created_at.isoformat(),
        "edited": comment.edited_at is not None,
    }


def comment_published(comment: Comment, *, comments: int) -> CommentPublished:
    return {
        "type": "comment.published",
        "proposal": comment.proposal_id,
        "comment": comment_state(comment),
        "comments": comments,
    }


def comment_updated(comment: Comment) -> CommentUpdated:
    return {"type": "comment.updated", "proposal": comment.proposal_id, "comment": comment_state(comment)}


def comment_removed(
    comment: Comment, *, reason: Literal["hidden", "deleted"], comments: int
) -> CommentRemoved:
    return {
        "type": "comment.removed",
        "proposal": comment.proposal_id,
        "comment": comment.pk,
        "reason": reason,
        "comments": comments,
    }


class CommentHelpfulChanged(Change):
    """How many citizens found a published comment helpful (`helpful`), as of `version`: a page drops a
    count older than the one it shows. Nothing about who marked it."""

    type: Literal["comment.helpful_changed"]
    proposal: int
    comment: int
    helpful: int
    version: int


def comment_helpful_changed(
    *, proposal_id: int, comment_id: int, helpful: int, version: int
) -> CommentHelpfulChanged:
    return {
        "type": "comment.helpful_changed",
        "proposal": proposal_id,
        "comment": comment_id,
        "helpful": helpful,
        "version": version,
    }


class StageSummary(TypedDict):
    """What the journey map shows of one stage, or nothing (None) below the minimum of check-ins."""

    checkins: int
    frustration_median: float
    motivation_median: float
    gave_up_share: float
    frustration_overtakes: bool


class StageChanged(TypedDict):
    """A stage's check-ins changed. `version` grows with each change of the stage: a page drops an older
    one. `figures` is None while the stage has fewer check-ins than the minimum."""

    type: Literal["journey.stage_changed"]
    stage: int
    version: int
    figures: StageSummary | None


def stage_summary(figures) -> StageSummary | None:
    """`figures` (journey_selectors.StageFigures) as the map shows them, or None below the minimum."""
    if not figures.shown:
        return None
    return {
        "checkins": figures.checkins,
        "frustration_median": figures.frustration_median,
        "motivation_median": figures.motivation_median,
        "gave_up_share": round(figures.gave_up_share, 4),
        "frustration_overtakes": figures.frustration_overtakes,
    }


def stage_changed(stage_id: int, figures) -> StageChanged:
    return {
        "type": "journey.stage_changed",
        "stage": stage_id,
        "version": figures.version,
        "figures": stage_summary(figures),
    }


class MilestoneData(TypedDict):
    """One implementation step of an accepted proposal as its page shows it. Dates are ISO days (None
    until the step started or is done); `late` is Milestone.is_late on the server's day."""

    id: int
    title: str
    state: str
    state_label: str
    planned_for: str
    started_on: str | None
    done_on: str | None
    note: str
    late: bool


class MilestoneChanged(Change):
    """An implementation step was planned, rescheduled, started or done: its whole state, so a page that
    missed an earlier change is right again."""

    type: Literal["proposal.milestone_changed"]
    proposal: int
    milestone: MilestoneData


def milestone_state(milestone: Milestone) -> MilestoneData:
    return {
        "id": milestone.pk,
        "title": milestone.title,
        "state": milestone.state,
        "state_label": str(milestone.get_state_display()),
        "planned_for": milestone.planned_for.isoformat(),
        "started_on": milestone.started_on.isoformat() if milestone.started_on else None,
        "done_on": milestone.done_on.isoformat() if milestone.done_on else None,
        "note": milestone.note,
        "late": milestone.is_late(),
    }


def milestone_changed(milestone: Milestone) -> MilestoneChanged:
    return {
        "type": "proposal.milestone_changed",
        "proposal": milestone.proposal_id,
        "milestone": milestone_state(milestone),
    }
