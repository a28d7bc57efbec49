"""A citizen submits a proposal."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cocreate.exceptions import Conflict, NotAllowed, ServiceError, refuse

from .. import notifications, participation, permissions, search
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import Proposal, Visibility
from ._common import BODY_MAX, SUMMARY_MAX, TITLE_MAX, _require_text
from .areas import area_check
from .editing import version_original


def submit_errors(author, consultation) -> dict:
    """The errors of permissions.submit_refusal, by code (cocreate.exceptions.refuse): submitting a
    proposal, and saving one's draft (services.drafts)."""
    return {
        permissions.EMAIL_UNVERIFIED: lambda: NotAllowed(
            _("Confirm your e-mail address before submitting a proposal."), code="email_unverified"
        ),
        permissions.CONSULTATION_CLOSED: lambda: Conflict(
            _("This consultation is not open for proposals."), code="consultation_closed"
        ),
        **participation.level_errors(author, consultation, action="submit"),
    }


def proposal_submit(
    *, author, consultation, title: str, summary: str, body: str, category=None, stage=None, area=None
) -> Proposal:
    """`category` and `stage` (a cms.ConsultationStage: the step of the service journey the proposal is
    about), when given, must be the consultation's own: a proposal is listed, filtered and mapped on the
    journey of the consultation it belongs to. So must `area` (a cms.Area), of the consultation's area set."""
    refuse(permissions.submit_refusal(author, consultation), submit_errors(author, consultation))
    if category is not None and category.page_id != consultation.pk:
        raise ServiceError(
            _("This category does not belong to the consultation."),
            fields={"category": [_("Choose one of this consultation's categories.")]},
        )
    if stage is not None and stage.page_id != consultation.pk:
        raise ServiceError(
            _("This stage does not belong to the consultation."),
            fields={"stage": [_("Choose one of this consultation's stages.")]},
        )
    area_check(consultation=consultation, area=area)
    text = _require_text(
        {"title": title, "summary": summary, "body": body},
        {"title": TITLE_MAX, "summary": SUMMARY_MAX, "body": BODY_MAX},
    )
    published = not consultation.pre_moderated
    with transaction.atomic():
        proposal = Proposal.objects.create(
            consultation=consultation,
            author=author,
            category=category,
            stage=stage,
            area=area,
            language=(get_language() or "en")[:8],
            visibility=Visibility.PUBLISHED if published else Visibility.PENDING,
            published_at=timezone.now() if published else None,
            **text,
        )
        version_original(proposal)
        # Authors hear of what happens to their proposal like its supporters do.
        notifications.follow_ensure(user=author, proposal=proposal)
        if published:
            broadcast_on_commit(consultation.pk, events.proposal_published(proposal))
            search.index_on_commit(proposal.pk)
    return proposal
