"""A proposal's pictures and documents: its author adds and removes them under the rules of editing its text
(permissions.edit_refusal); a moderator removes one with a reason. The files go through Django's storage API
(STORAGES["default"]), checked and cleaned first by proposals.attachments.

Files are written before the proposal's row is locked: a store may be an object store across the network,
and supports of the proposal wait for its row. So the rules are read once without the lock, to refuse the
common case before anything is written, and again under it; whatever refuses or fails after the files were
written deletes them before the error goes on. A removed file is deleted once its row's deletion commits."""

from collections.abc import Callable
from functools import partial

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cocreate import page_cache
from cocreate.accounts.mfa import role_refused
from cocreate.exceptions import Conflict, ServiceError, refuse
from cocreate.limits import at_most

from .. import audit, permissions, search, versions
from ..attachments import Prepared
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import (
    ATTACHMENTS_PER_KIND,
    AttachmentKind,
    AuditAction,
    Proposal,
    ProposalAttachment,
    Visibility,
)
from ._common import REASON_MAX, _locked
from .editing import EDIT_REFUSALS
from .submission import proposal_submit


def _too_many(kind: str) -> Conflict:
    if kind == AttachmentKind.IMAGE:
        message = ngettext(
            "A proposal has %(n)d image at most: remove one first.",
            "A proposal has %(n)d images at most: remove one first.",
            ATTACHMENTS_PER_KIND,
        )
    else:
        message = ngettext(
            "A proposal has %(n)d document at most: remove one first.",
            "A proposal has %(n)d documents at most: remove one first.",
            ATTACHMENTS_PER_KIND,
        )
    message %= {"n": ATTACHMENTS_PER_KIND}
    return Conflict(message, code="too_many_attachments", fields={"file": [message]})


def _free_positions(proposal_id: int, kind: str) -> list[int]:
    attachments = ProposalAttachment.objects.filter(proposal_id=proposal_id, kind=kind)
    taken = set(attachments.values_list("position", flat=True))
    return [position for position in range(1, ATTACHMENTS_PER_KIND + 1) if position not in taken]


def _check_editable(actor, proposal: Proposal) -> None:
    if not permissions.is_among_authors(actor, proposal):  # its co-authors too, under the same rules
        refuse(permissions.NOT_AUTHOR, EDIT_REFUSALS)
    first = versions.first_other_support_at(proposal=proposal)
    refuse(permissions.edit_refusal(actor, proposal, first_other_support_at=first), EDIT_REFUSALS)


def attachments_add(*, actor, proposal: Proposal, files: list[Prepared]) -> list[ProposalAttachment]:
    """Add `files` (from proposals.attachments.prepare_*) to the author's proposal, all or none: refused,
    with nothing kept, past ATTACHMENTS_PER_KIND of a kind. A published proposal's page shows them at once;
    in a pre-moderated consultation it goes back to the moderators first, as after an edit of its text."""
    if not files:
        return []
    _check_editable(actor, proposal)
    check_room(proposal.pk, files)
    stored: list[str] = []
    try:
        unsaved = [stored_for(proposal.pk, prepared, stored) for prepared in files]
        with transaction.atomic():
            proposal = _locked(proposal.pk)
            _check_editable(actor, proposal)
            attachments = attachments_keep(proposal=proposal, attachments=unsaved)
            _changed(proposal, added=True)
    except BaseException:
        delete_stored(stored)
        raise
    return attachments


def proposal_submit_with_files(*, files: list[Prepared], **fields) -> Proposal:
    """services.proposal_submit with its `fields`, and `files` kept with the proposal: see submitted_with."""
    return submitted_with(files=files, submit=partial(proposal_submit, **fields))


def submitted_with(*, files: list[Prepared], submit: Callable[[], Proposal]) -> Proposal:
    """`submit()` (services.proposal_submit or draft_submit, given their arguments) and `files` kept with
    the proposal it makes, all in one transaction: refused as a whole, with nothing kept, if the proposal
    or any file is. The files are written while the new proposal's row is seen by no one else, so nothing
    waits for them."""
    check_room(None, files)
    stored: list[str] = []
    try:
        with transaction.atomic():
            proposal = submit()
            attachments_keep(
                proposal=proposal, attachments=[stored_for(proposal.pk, p, stored) for p in files]
            )
    except BaseException:
        delete_stored(stored)
        raise
    return proposal


def check_room(proposal_id: int | None, files: list[Prepared]) -> None:
    """Refuse `files` before anything is stored if a kind would go past ATTACHMENTS_PER_KIND on the
    proposal (None: a proposal not yet created, which has none)."""
    for kind in AttachmentKind.values:
        room = ATTACHMENTS_PER_KIND if proposal_id is None else len(_free_positions(proposal_id, kind))
        if sum(1 for prepared in files if prepared.kind == kind) > room:
            raise _too_many(kind)


def attachments_keep(
    *, proposal: Proposal, attachments: list[ProposalAttachment]
) -> list[ProposalAttachment]:
    """Insert `attachments` (their files stored) at the free positions of their kind. Call holding the
    proposal's row lock; raises Conflict when a kind has no room left."""
    free = {kind: _free_positions(proposal.pk, kind) for kind in AttachmentKind.values}
    for attachment in attachments:
        if not free[attachment.kind]:
            raise _too_many(attachment.kind)
        attachment.proposal = proposal
        attachment.position = free[attachment.kind].pop(0)
        attachment.save()
    return attachments


def stored_for(proposal_id: int, prepared: Prepared, stored: list[str]) -> ProposalAttachment:
    """An unsaved attachment of `prepared`, its files written to the storage, their names appended to
    `stored` (for the caller to delete if what follows fails)."""
    attachment = ProposalAttachment(
        proposal_id=proposal_id,
        kind=prepared.kind,
        alt_text=prepared.alt_text,
        title=prepared.title,
        content_type=prepared.content_type,
        size=len(prepared.content),
        width=prepared.width,
        height=prepared.height,
        small_width=prepared.small_width,
    )
    name = f"file.{prepared.extension}"
    attachment.file.save(name, ContentFile(prepared.content), save=False)
    stored.append(attachment.file.name)
    if prepared.small is not None:
        attachment.small_file.save(name, ContentFile(prepared.small), save=False)
        stored.append(attachment.small_file.name)
    return attachment


def delete_stored(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _changed(proposal: Proposal, *, added: bool) -> None:
    """Call holding the proposal's row lock, once its files changed. A file added to a published proposal
    of a pre-moderated consultation is read by a moderator before the public sees it, as an edited text is
    (services.editing)."""
    if not proposal.is_published:
        return
    if added and proposal.consultation.pre_moderated:
        proposal.visibility = Visibility.PENDING
        proposal.save(update_fields=["visibility"])
        search.index_on_commit(proposal.pk)
        broadcast_on_commit(proposal.consultation_id, events.proposal_hidden(proposal))
    else:  # the cards show no file: only the visitors' kept pages must follow
        page_cache.pages_changed_on_commit(proposal.consultation_id)


def attachment_remove(*, actor, attachment: ProposalAttachment, reason: str = "") -> None:
    """Its author (or a co-author) removes a file while the proposal may be edited; a moderator removes
    any, with a reason the audit trail keeps. The files are deleted from the storage once the removal
    commits."""
    proposal = attachment.proposal
    moderating = not permissions.is_among_authors(actor, proposal)
    if moderating:
        if not permissions.can_moderate(actor):
            raise role_refused(
                permissions.moderation_refusal(actor),
                _("Only its author, or a moderator, can remove a proposal's file."),
            )
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError(
                _("Say why the file is removed."), fields={"reason": [_("A reason is required.")]}
            )
        if len(reason) > REASON_MAX:
            raise ServiceError(_("The reason is too long."), fields={"reason": [at_most(REASON_MAX)]})
    with transaction.atomic():
        proposal = _locked(proposal.pk)
        if not moderating:
            _check_editable(actor, proposal)
        removed = ProposalAttachment.objects.filter(pk=attachment.pk, proposal=proposal).first()
        if removed is None:  # removed meanwhile
            return
        removed.delete()
        if moderating:
            audit.audit_record(
                proposal=proposal,
                actor=actor,
                action=AuditAction.ATTACHMENT_REMOVED,
                from_value=removed.kind,
                reason=reason,
            )
        _changed(proposal, added=False)
        names = [name for name in (removed.file.name, removed.small_file.name) if name]
        transaction.on_commit(partial(delete_stored, names), robust=True)
