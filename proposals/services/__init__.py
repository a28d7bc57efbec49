"""Writes to proposals: submission, moderation, status and official responses, implementation steps,
comments and flags, co-authors. One transaction each; live events go out after commit through
proposals.live.broadcasts, and each action of a moderator, an official or the platform is written to the
audit trail (proposals.audit) in its transaction."""

from ._common import BODY_MAX, NOTE_MAX, REASON_MAX, SUMMARY_MAX, TITLE_MAX, merged_refusal
from .areas import area_check, declared_area_remove, declared_area_set
from .attachments import attachment_remove, attachments_add, proposal_submit_with_files, submitted_with
from .coauthors import (
    INVITE_REFUSALS,
    JOIN_REFUSALS,
    coauthor_get,
    coauthor_invite,
    coauthor_remove,
    coauthor_respond,
    invitation_for,
)
from .comments import (
    COMMENT_MAX,
    COMMENT_MODERATION_CHOICES,
    REJECT_EDIT,
    comment_delete,
    comment_edit,
    comment_moderate,
    comment_post,
)
from .decisions import (
    consultation_thresholds_apply,
    proposal_reach_threshold,
    proposal_set_status,
    proposal_withdraw_promise,
    response_publish,
)
from .drafts import DRAFTS_MAX, draft_delete, draft_get, draft_save, draft_submit
from .editing import EDIT_REFUSALS, proposal_edit
from .flags import DETAILS_MAX, flag_create, flags_dismiss, flags_resolve
from .helpful import HelpfulResult, comment_helpful_mark, comment_helpful_withdraw
from .journeys import STORY_MAX, checkin_delete, checkin_moderate, checkin_save
from .milestones import milestone_add, milestone_update
from .moderation import MODERATION_CHOICES, proposal_moderate
from .submission import proposal_submit
from .withdrawal import WITHDRAW_REFUSALS, proposal_withdraw

__all__ = [
    "BODY_MAX",
    "COMMENT_MAX",
    "COMMENT_MODERATION_CHOICES",
    "DETAILS_MAX",
    "DRAFTS_MAX",
    "EDIT_REFUSALS",
    "INVITE_REFUSALS",
    "JOIN_REFUSALS",
    "HelpfulResult",
    "MODERATION_CHOICES",
    "NOTE_MAX",
    "REASON_MAX",
    "REJECT_EDIT",
    "STORY_MAX",
    "SUMMARY_MAX",
    "TITLE_MAX",
    "WITHDRAW_REFUSALS",
    "area_check",
    "attachment_remove",
    "attachments_add",
    "checkin_delete",
    "coauthor_get",
    "coauthor_invite",
    "coauthor_remove",
    "coauthor_respond",
    "invitation_for",
    "checkin_moderate",
    "checkin_save",
    "comment_delete",
    "comment_helpful_mark",
    "comment_helpful_withdraw",
    "consultation_thresholds_apply",
    "declared_area_remove",
    "declared_area_set",
    "draft_delete",
    "draft_get",
    "draft_save",
    "draft_submit",
    "comment_edit",
    "comment_moderate",
    "comment_post",
    "flag_create",
    "flags_dismiss",
    "flags_resolve",
    "merged_refusal",
    "milestone_add",
    "milestone_update",
    "proposal_edit",
    "proposal_moderate",
    "proposal_reach_threshold",
    "proposal_set_status",
    "proposal_submit",
    "proposal_submit_with_files",
    "proposal_withdraw",
    "proposal_withdraw_promise",
    "response_publish",
    "submitted_with",
]
