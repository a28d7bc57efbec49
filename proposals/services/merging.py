"""The proposals' part of merging duplicates (votes.merging moves the supports and the counts, then calls
this in its transaction): what is asked of the proposals involved, and, once merged, their followers,
comments, public history, authors' notices and open pages."""

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext as _

from cocreate import page_cache
from cocreate.exceptions import Conflict, NotFound, ServiceError

from .. import audit, notifications, permissions, search
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import AuditAction, Proposal, Visibility
from .decisions import proposal_withdraw_promise

MERGE_SOURCES_MAX = 20


def merge_source_ids(*, target_id: int, sources: Sequence) -> list[int]:
    """The duplicates' ids, sorted and without repeats; refuses (400) none, too many, ids that are not
    numbers, and the target among them."""
    try:
        ids = sorted({int(getattr(source, "pk", source)) for source in sources or ()})
    except (TypeError, ValueError):
        raise ServiceError(
            _("Some fields need your attention."), fields={"sources": [_("Give proposals by their number.")]}
        ) from None
    problem = None
    if not ids:
        problem = _("Choose at least one proposal to merge.")
    elif len(ids) > MERGE_SOURCES_MAX:
        problem = _("Merge at most %(n)s proposals at once.") % {"n": MERGE_SOURCES_MAX}
    elif target_id in ids:
        problem = _("A proposal cannot be merged into itself.")
    if problem:
        raise ServiceError(_("Some fields need your attention."), fields={"sources": [problem]})
    return ids


def merge_check(*, target: Proposal, sources: list[Proposal], source_ids: list[int]) -> None:
    """Refuse a merge that cannot be: a duplicate that does not exist (404), of another consultation, or
    merged already; a target that is not published, withdrawn or merged itself (409). `target` and
    `sources` as the merge's transaction reads them."""
    missing = sorted(set(source_ids) - {source.pk for source in sources})
    if missing:
        raise NotFound(
            _("No such proposal: %(ids)s.") % {"ids": ", ".join(map(str, missing))}, code="source_not_found"
        )
    if target.merged_into_id is not None:
        raise Conflict(
            _("This proposal was itself merged into another one."), code=permissions.PROPOSAL_MERGED
        )
    if target.visibility != Visibility.PUBLISHED:
        raise Conflict(_("Merge into a published proposal."), code="proposal_not_published")
    if target.withdrawn_at is not None:
        raise Conflict(
            _("Its author withdrew this proposal: merge into another one."), code="proposal_withdrawn"
        )
    for source in sources:
        if source.consultation_id != target.consultation_id:
            raise Conflict(
                _("Only proposals of the same consultation can be merged."), code="other_consultation"
            )
        if source.merged_into_id is not None:
            raise Conflict(
                _("“%(title)s” was merged already.") % {"title": source.title}, code="source_merged"
            )
        if source.visibility != Visibility.PUBLISHED:
            raise Conflict(
                _("Only published proposals can be merged: “%(title)s” is not.") % {"title": source.title},
                code="source_not_published",
            )


# Followers of the duplicates follow the target (once each, since the earliest of their follows); the
# duplicates' comments, replies included, are the target's; its count of published comments is counted
# again from the rows, the duplicates' is none.
_MOVE_FOLLOWS = """
    INSERT INTO proposals_follow (proposal_id, user_id, created_at)
    SELECT %s, user_id, min(created_at) FROM proposals_follow WHERE proposal_id = ANY(%s)
    GROUP BY user_id ORDER BY user_id
    ON CONFLICT (proposal_id, user_id) DO NOTHING"""
_DROP_FOLLOWS = "DELETE FROM proposals_follow WHERE proposal_id = ANY(%s)"
_MOVE_COMMENTS = "UPDATE proposals_comment SET proposal_id = %s WHERE proposal_id = ANY(%s)"
_COUNT_COMMENTS = """
    UPDATE proposals_proposal SET comments_count = CASE WHEN id = %s THEN (
        SELECT count(*) FROM proposals_comment
        WHERE proposal_id = %s AND visibility = %s AND deleted_at IS NULL) ELSE 0 END
    WHERE id = ANY(%s) RETURNING id, comments_count"""


def _move_followers_and_comments(target: Proposal, source_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_MOVE_FOLLOWS, [target.pk, source_ids])
        cursor.execute(_DROP_FOLLOWS, [source_ids])
        cursor.execute(_MOVE_COMMENTS, [target.pk, source_ids])
        cursor.execute(
            _COUNT_COMMENTS, [target.pk, target.pk, Visibility.PUBLISHED.value, [target.pk, *source_ids]]
        )
        counts = dict(cursor.fetchall())
    target.comments_count = counts[target.pk]


def _authors(proposal: Proposal):
    return get_user_model().objects.filter(pk=proposal.author_id)


def proposals_merge_record(
    *, actor, target: Proposal, sources: list[Proposal], reason: str, brought: dict[int, int]
) -> None:
    """Call in the merge's transaction, holding the rows of `target` and `sources` (locked in the order of
    their ids), once their supports moved and their counts were written (`sources` merged, their counts
    and `target`'s as committed, their consultation loaded). `brought`: the supports each duplicate
    brought that the target did not have.

    A promise a duplicate had is withdrawn, publicly, with the reason: its supporters' supports count on
    the target now, which carries the promise (votes.merging makes it there if the count reaches the
    threshold, as a support does); a duplicate is no longer answered on its own."""
    source_ids = [source.pk for source in sources]
    for source in sources:
        into = audit.audit_record(
            proposal=source,
            actor=actor,
            action=AuditAction.MERGED_INTO,
            to_value=str(target.pk),
            reason=reason,
        )
        came = audit.audit_record(
            proposal=target,
            actor=actor,
            action=AuditAction.MERGED_FROM,
            from_value=str(source.pk),
            to_value=str(brought.get(source.pk, 0)),
            reason=reason,
        )
        # Each author is told, in the site and by e-mail in their language (notifications.personal); the
        # duplicate's followers, before they move, as a change of status (notifications.fanout).
        notifications.notify_people(entry=into, users=_authors(source))
        notifications.notify_people(entry=came, users=_authors(target).exclude(pk=source.author_id))
        notifications.notify_merge_followers(entry=came, source=source, actor=actor)
    _move_followers_and_comments(target, source_ids)
    for source in sources:
        proposal_withdraw_promise(
            actor=actor,
            proposal=source,
            reason=_("Merged into “%(title)s”, which carries the promise.") % {"title": target.title[:80]},
        )
        # Open pages of the duplicate go to the target; the lists drop it.
        broadcast_on_commit(source.consultation_id, events.proposal_merged(source, into=target))
        search.index_on_commit(source.pk)
    search.index_on_commit(target.pk)
    page_cache.pages_changed_on_commit(target.consultation_id)
