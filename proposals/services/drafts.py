"""A citizen saves a proposal unfinished and comes back to it: drafts are their author's alone; submitting
one is proposal_submit, with its checks and its moderation, and the draft goes in the same transaction."""

from django.db import transaction
from django.utils.translation import gettext as _

from cocreate.exceptions import NotFound, ServiceError, refuse
from cocreate.limits import at_most

from .. import permissions
from ..models import Proposal, ProposalDraft
from ._common import BODY_MAX, SUMMARY_MAX, TITLE_MAX
from .submission import proposal_submit, submit_errors

# How many drafts one person may keep: enough for every idea they are working on, not a store of texts.
DRAFTS_MAX = 20
_LIMITS = {"title": TITLE_MAX, "summary": SUMMARY_MAX, "body": BODY_MAX}


def draft_get(*, author, draft_id) -> ProposalDraft:
    """The author's own draft; anyone else's does not exist for them."""
    try:
        return ProposalDraft.objects.select_related("consultation").get(pk=int(draft_id), author_id=author.pk)
    except (ProposalDraft.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("No such draft.")) from None


def _draft_text(fields: dict[str, str | None]) -> dict[str, str]:
    """Stripped; each within its limit; something written in one of them at least."""
    text = {name: (fields.get(name) or "").strip() for name in _LIMITS}
    errors = {name: [at_most(limit)] for name, limit in _LIMITS.items() if len(text[name]) > limit}
    if errors:
        raise ServiceError(_("Some fields need your attention."), code="invalid", fields=errors)
    if not any(text.values()):
        raise ServiceError(
            _("Write something before saving a draft."),
            code="invalid",
            fields={"title": [_("Write a title, a summary or details.")]},
        )
    return text


def draft_save(
    *,
    author,
    consultation,
    draft: ProposalDraft | None = None,
    category=None,
    stage=None,
    area=None,
    **fields,
) -> ProposalDraft:
    """Keep the text as it is (a new draft, or `draft`, the author's, changed). Saving asks what submitting
    asks of the person and the consultation (permissions.submit_refusal): a draft is a proposal on its way."""
    refuse(permissions.submit_refusal(author, consultation), submit_errors(author, consultation))
    text = _draft_text(fields)
    if category is not None and category.page_id != consultation.pk:
        category = None
    if stage is not None and stage.page_id != consultation.pk:
        stage = None
    if area is not None and area.area_set_id != consultation.area_set_id:
        area = None
    with transaction.atomic():
        if draft is None:
            if ProposalDraft.objects.filter(author=author).count() >= DRAFTS_MAX:
                raise ServiceError(
                    _("You have %(n)d drafts already: submit or delete one first.") % {"n": DRAFTS_MAX},
                    code="too_many_drafts",
                )
            return ProposalDraft.objects.create(
                author=author, consultation=consultation, category=category, stage=stage, area=area, **text
            )
        draft = draft_get(author=author, draft_id=draft.pk)
        for name, value in {**text, "category": category, "stage": stage, "area": area}.items():
            setattr(draft, name, value)
        draft.save()
    return draft


def draft_delete(*, author, draft: ProposalDraft) -> None:
    draft_get(author=author, draft_id=draft.pk).delete()


def draft_submit(*, author, draft: ProposalDraft, **fields) -> Proposal:
    """Submit the author's draft with `fields` (title, summary, body, category, stage, area: as the form now
    holds them): proposal_submit, and the draft deleted in its transaction, so it is either a proposal or
    still a draft."""
    with transaction.atomic():
        draft = draft_get(author=author, draft_id=draft.pk)
        proposal = proposal_submit(author=author, consultation=draft.consultation, **fields)
        draft.delete()
    return proposal
