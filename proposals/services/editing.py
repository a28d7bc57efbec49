"""The author edits their proposal's text (permissions.edit_refusal says until when); every version is kept
(ProposalVersion) and the public history compares them (proposals.versions)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate import page_cache
from cocreate.exceptions import Conflict, NotAllowed, refuse

from .. import permissions, search, versions
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import Proposal, ProposalVersion, Visibility
from ._common import BODY_MAX, SUMMARY_MAX, TITLE_MAX, _locked, _require_text, merged_refusal
from .areas import area_check

TEXT_FIELDS = ("title", "summary", "body")


def _window_closed() -> Conflict:
    return Conflict(
        _(
            "This proposal can no longer be edited: other people have supported it for more than "
            "%(n)d minutes, and they must keep supporting the text they read."
        )
        % {"n": settings.PROPOSAL_EDIT_WINDOW_MINUTES},
        code=permissions.EDIT_WINDOW_CLOSED,
    )


# The refusals of permissions.edit_refusal, by code (cocreate.exceptions.refuse).
EDIT_REFUSALS = {
    permissions.NOT_AUTHOR: lambda: NotAllowed(
        _("Only its authors can edit a proposal."), code=permissions.NOT_AUTHOR
    ),
    permissions.EMAIL_UNVERIFIED: lambda: NotAllowed(
        _("Confirm your e-mail address before editing your proposal."), code=permissions.EMAIL_UNVERIFIED
    ),
    permissions.PROPOSAL_HIDDEN: lambda: Conflict(
        _("A proposal hidden by moderation cannot be edited."), code=permissions.PROPOSAL_HIDDEN
    ),
    permissions.PROPOSAL_WITHDRAWN: lambda: Conflict(
        _("A withdrawn proposal cannot be edited."), code=permissions.PROPOSAL_WITHDRAWN
    ),
    permissions.PROPOSAL_MERGED: merged_refusal,
    permissions.CONSULTATION_CLOSED: lambda: Conflict(
        _("This consultation is closed: its proposals can no longer be edited."),
        code=permissions.CONSULTATION_CLOSED,
    ),
    permissions.EDIT_WINDOW_CLOSED: _window_closed,
}


def version_original(proposal: Proposal) -> None:
    """The proposal's text as it was submitted, as its first version, unless it has one: written at
    submission, and at the first edit of a proposal submitted before versions were kept. Dated when it was
    published (or submitted, while it waits for moderation), so the history starts from it."""
    if proposal.versions.exists():
        return
    ProposalVersion.objects.create(
        proposal=proposal,
        author_id=proposal.author_id,
        title=proposal.title,
        summary=proposal.summary,
        body=proposal.body,
        created_at=proposal.published_at or proposal.created_at,
    )


# proposal_edit's `area` when the area is not changed.
KEEP_AREA = object()


def proposal_edit(*, actor, proposal: Proposal, area=KEEP_AREA, **changes: str | None) -> Proposal:
    """The author, or a co-author, changes any of `title`, `summary` and `body` (a field not given, or None,
    stays as it is), and the `area` it is about (a cms.Area of the consultation's set, or None for none; not
    given, it stays). One transaction, holding the proposal's row: a support waits for it, so the edit and
    the first support from someone else are ordered, and the rule is read on the supports committed.

    A new version is kept; nothing is written if the text is the same. A published proposal's cards and page
    follow live when its title or summary changed, and search reads the new text. In a pre-moderated
    consultation an edit of a published proposal goes back to the moderators before it is shown again: a
    moderator read every text the public reads (its supports stay, and count again once it is approved)."""
    unknown = set(changes) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"proposal_edit() got unexpected fields {sorted(unknown)}")
    if not permissions.is_among_authors(actor, proposal):  # before taking the row of someone's proposal
        refuse(permissions.NOT_AUTHOR, EDIT_REFUSALS)
    with transaction.atomic():
        proposal = _locked(proposal.pk)
        first = versions.first_other_support_at(proposal=proposal)
        refuse(permissions.edit_refusal(actor, proposal, first_other_support_at=first), EDIT_REFUSALS)
        text = _require_text(
            {name: _given(changes.get(name), getattr(proposal, name)) for name in TEXT_FIELDS},
            {"title": TITLE_MAX, "summary": SUMMARY_MAX, "body": BODY_MAX},
        )
        moved = area is not KEEP_AREA and getattr(area, "pk", None) != proposal.area_id
        if moved:
            area_check(consultation=proposal.consultation, area=area)
            _move_to_area(proposal, area)
        if all(text[name] == getattr(proposal, name) for name in TEXT_FIELDS):
            return proposal
        _save_version(actor, proposal, text)
    return proposal


def _move_to_area(proposal: Proposal, area) -> None:
    """Call holding the proposal's row lock. The area is not part of the text: no version, no new moderation;
    the kept pages of the consultation are renewed."""
    proposal.area = area
    proposal.save(update_fields=["area"])
    if proposal.is_published:
        page_cache.pages_changed_on_commit(proposal.consultation_id)


def _given(value: str | None, current: str) -> str:
    # An empty value is given, and refused as a required field left empty; None leaves the field as it is.
    return current if value is None else value


def _save_version(actor, proposal: Proposal, text: dict[str, str]) -> None:
    """Call holding the proposal's row lock, with `text` different from the proposal's."""
    version_original(proposal)
    ProposalVersion.objects.create(proposal=proposal, author=actor, created_at=timezone.now(), **text)
    on_cards = (text["title"], text["summary"]) != (proposal.title, proposal.summary)
    for name in TEXT_FIELDS:
        setattr(proposal, name, text[name])
    fields = list(TEXT_FIELDS)
    was_published = proposal.is_published
    if was_published and proposal.consultation.pre_moderated:
        proposal.visibility = Visibility.PENDING
        fields.append("visibility")
    proposal.save(update_fields=fields)  # the search vectors follow, by the table's trigger
    search.index_on_commit(proposal.pk)
    if not was_published:
        return
    if not proposal.is_published:
        broadcast_on_commit(proposal.consultation_id, events.proposal_hidden(proposal))
    elif on_cards:
        broadcast_on_commit(proposal.consultation_id, events.proposal_edited(proposal))
    else:  # its details alone: no card changes, but the visitors' kept pages must not show the old text
        page_cache.pages_changed_on_commit(proposal.consultation_id)
