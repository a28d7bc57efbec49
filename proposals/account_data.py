"""What this app holds about one person, for their data export (cocreate.accounts.data, registered in
wagtail_hooks.py): their proposals, comments, follows, notifications, reports, check-ins and the comments
they marked helpful, their drafts, the areas they declared they live in, and their co-authorships."""

from django.db.models import QuerySet

from cocreate.accounts.data import when

from .coauthor_selectors import coauthorships_of
from .models import (
    CheckIn,
    Comment,
    CommentHelpful,
    DeclaredArea,
    Flag,
    Follow,
    Notification,
    Proposal,
    ProposalCoauthor,
    ProposalDraft,
)


def readable_among(*, user, named: list[QuerySet]) -> set[int]:
    """Which of the proposals `named` (querysets of one column of proposal ids) `user` may still open, in
    one query."""
    ids = named[0].union(*named[1:]) if len(named) > 1 else named[0]
    return set(Proposal.objects.readable_by(user).filter(pk__in=ids).values_list("pk", flat=True))


def proposal_named(proposal: Proposal, readable: set[int]) -> dict:
    """A proposal named in the export: its title only while the person may still open it (one hidden by
    moderation since, or in a consultation taken offline or made private, is named by its id alone)."""
    return {"id": proposal.pk, "title": proposal.title if proposal.pk in readable else None}


def dated(rows: QuerySet, readable: set[int]) -> list[dict]:
    """Supports and follows: which proposal, since when."""
    return [
        {"proposal": proposal_named(row.proposal, readable), "created_at": when(row.created_at)}
        for row in rows.order_by("created_at", "pk")
    ]


def _written(row: Proposal | ProposalDraft) -> dict:
    """What a proposal and a draft both hold: where, about what, and the texts."""
    return {
        "consultation": {"id": row.consultation_id, "title": row.consultation.title},
        "category": row.category.name if row.category else None,
        "stage": row.stage.name if row.stage else None,
        "title": row.title,
        "summary": row.summary,
        "body": row.body,
    }


def account_export(*, user) -> dict[str, list]:
    proposals = (
        Proposal.objects.filter(author=user)
        .select_related("consultation", "category", "stage", "area")
        .defer("area__geometry")
    )
    comments = Comment.objects.filter(author=user).select_related("proposal")
    follows = Follow.objects.filter(user=user).select_related("proposal")
    notices = Notification.objects.filter(recipient=user).select_related("entry__proposal")
    marks = CommentHelpful.objects.filter(user=user).select_related("comment__proposal")
    named = [rows.order_by().values("proposal_id") for rows in (comments, follows)]
    named.append(notices.order_by().values("entry__proposal_id"))
    named.append(marks.order_by().values("comment__proposal_id"))
    readable = readable_among(user=user, named=named)
    return {
        "proposals": [
            {
                "id": p.pk,
                **_written(p),
                "language": p.language,
                "visibility": p.visibility,
                "moderation_reason": p.moderation_reason,
                "status": p.status,
                "supports": p.supports_count,
                "created_at": when(p.created_at),
                "published_at": when(p.published_at),
                "area": p.area.name if p.area else None,  # added last: the fields before keep their place
            }
            for p in proposals.order_by("created_at", "pk")
        ],
        "comments": [
            {
                "id": c.pk,
                "proposal": proposal_named(c.proposal, readable),
                "parent": c.parent_id,
                "body": c.body,
                "language": c.language,
                "visibility": c.visibility,
                "moderation_reason": c.moderation_reason,
                # Their own edit waiting for moderation, and why their last one was rejected.
                "pending_edit": c.pending_body or None,
                "pending_edit_at": when(c.pending_at),
                "edit_rejection_reason": c.edit_rejection_reason,
                "created_at": when(c.created_at),
                "edited_at": when(c.edited_at),
                "deleted_at": when(c.deleted_at),
            }
            for c in comments.order_by("created_at", "pk")
        ],
        "follows": dated(follows, readable),
        "notifications": [
            {
                "proposal": proposal_named(n.entry.proposal, readable),
                "action": n.entry.action,
                "from": n.entry.from_value,
                "to": n.entry.to_value,
                "created_at": when(n.created_at),
                "read_at": when(n.read_at),
                "emailed_at": when(n.emailed_at),
            }
            for n in notices.order_by("created_at", "pk")
        ],
        "reports": [
            {
                "proposal": f.proposal_id,
                "comment": f.comment_id,
                "reason": f.reason,
                "details": f.details,
                "created_at": when(f.created_at),
                "resolved_at": when(f.resolved_at),
            }
            for f in Flag.objects.filter(reporter=user).order_by("created_at", "pk")
        ],
        "checkins": checkins_export(user=user),
        # The comments they marked helpful: which, on which proposal, since when (not the comment's text:
        # it is someone else's).
        "helpful": [
            {
                "comment": m.comment_id,
                "proposal": proposal_named(m.comment.proposal, readable),
                "created_at": when(m.created_at),
            }
            for m in marks.order_by("created_at", "pk")
        ],
        "drafts": drafts_export(user=user),
        "declared_areas": [
            {
                "area_set": {"id": d.area_set_id, "name": d.area_set.name},
                "area": {"id": d.area_id, "name": d.area.name},
                "declared_at": when(d.declared_at),
            }
            for d in DeclaredArea.objects.filter(user=user)
            .select_related("area_set", "area")
            .defer("area__geometry")
            .order_by("declared_at", "pk")
        ],
        "coauthors": coauthors_export(user=user),
    }


def coauthors_export(*, user) -> list[dict]:
    """The proposals they co-author and the invitations to their confirmed addresses: which proposal, who
    invited them, the address, where it stands (not the other co-authors: their data is theirs)."""
    rows = list(coauthorships_of(user=user))
    readable = readable_among(
        user=user, named=[ProposalCoauthor.objects.filter(pk__in=[r.pk for r in rows]).values("proposal_id")]
    )
    return [
        {
            "proposal": proposal_named(row.proposal, readable),
            "invited_by": str(row.invited_by.public_name) if row.invited_by else None,
            "address": row.address,
            "state": row.state,
            "created_at": when(row.created_at),
            "responded_at": when(row.responded_at),
        }
        for row in rows
    ]


def drafts_export(*, user) -> list[dict]:
    """Their drafts, every field: theirs alone, never published."""
    drafts = (
        ProposalDraft.objects.filter(author=user)
        .select_related("consultation", "category", "stage", "area")
        .defer("area__geometry")
    )
    return [
        {
            "id": d.pk,
            **_written(d),
            "created_at": when(d.created_at),
            "updated_at": when(d.updated_at),
            "area": d.area.name if d.area else None,
        }
        for d in drafts.order_by("created_at", "pk")
    ]


def checkins_export(*, user) -> list[dict]:
    """Their check-ins, with their stories' moderation (the reason a story was hidden is theirs to read)."""
    checkins = CheckIn.objects.filter(author=user).select_related("consultation", "stage")
    return [
        {
            "id": c.pk,
            "consultation": {"id": c.consultation_id, "title": c.consultation.title},
            "stage": {"slug": c.stage.slug, "name": c.stage.name},
            "frustration": c.frustration,
            "motivation": c.motivation,
            "gave_up": c.gave_up,
            "story": c.story,
            "language": c.language,
            "visibility": c.visibility,
            "moderation_reason": c.moderation_reason,
            "day": when(c.day),
            "created_at": when(c.created_at),
            "updated_at": when(c.updated_at),
        }
        for c in checkins.order_by("created_at", "pk")
    ]
