"""A citizen's request to look again at their support set aside (models.SupportReview), and the official's
decision: count it again, with votes.invalidations.support_reinstate in the same transaction, or keep it
set aside, with a reply. The database keeps one open request per support."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate.exceptions import Conflict, NotFound, ServiceError
from cocreate.limits import at_most
from proposals import audit, notifications
from proposals.models import AuditAction, Proposal

from .invalidations import _citizens, _refuse_unless_official, support_reinstate
from .models import ReviewDecision, Support, SupportReview

MESSAGE_MAX = 1000


def _text(name: str, value: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(
            _("Some fields need your attention."),
            code="invalid",
            fields={name: [_("This field is required.")]},
        )
    if len(value) > MESSAGE_MAX:
        raise ServiceError(
            _("Some fields need your attention."), code="invalid", fields={name: [at_most(MESSAGE_MAX)]}
        )
    return value


def support_review_request(*, user, proposal_id: int, message: str) -> SupportReview:
    """The citizen asks for their support of the proposal, set aside, to be looked at again. Refuses
    (404 `not_found`) when they do not support it, (409 `support_counted`) a support that counts, and
    (409 `review_open`) a second request while one is open."""
    message = _text("message", message, required=True)
    support = (
        Support.objects.filter(user=user, proposal_id=proposal_id).first() if user.is_authenticated else None
    )
    if support is None:
        raise NotFound(_("You do not support this proposal."))
    if support.invalidation_id is None:
        raise Conflict(_("Your support counts: there is nothing to review."), code="support_counted")
    try:
        with transaction.atomic():
            return SupportReview.objects.create(support=support, message=message)
    except IntegrityError:
        raise Conflict(
            _("You already asked for a review of this support: an official will answer."), code="review_open"
        ) from None


def support_review_decide(*, actor, review_id: int, decision: str, reply: str = "") -> SupportReview:
    """An official decides an open request: `reinstated` counts the support again (the count, the tallies
    and the promise follow, and the public history says so, votes.invalidations.support_reinstate), `upheld`
    keeps it set aside and needs a reply. Refuses (409 `review_decided`) a request decided already."""
    _refuse_unless_official(actor)
    if decision not in ReviewDecision.values:
        raise ServiceError(
            _("Some fields need your attention."),
            code="invalid",
            fields={"decision": [_("Choose one of: %s.") % ", ".join(ReviewDecision.values)]},
        )
    reply = _text("reply", reply, required=decision == ReviewDecision.UPHELD)
    with transaction.atomic():
        review = (
            SupportReview.objects.select_for_update().select_related("support").filter(pk=review_id).first()
        )
        if review is None:
            raise NotFound(_("No such request."))
        if review.decided_at is not None:
            raise Conflict(_("This request was decided already."), code="review_decided")
        if decision == ReviewDecision.REINSTATED:
            support_reinstate(actor=actor, support=review.support, reason=reply)  # tells its citizen
        else:
            _kept_aside(actor, review.support, reply)
        review.decision, review.reply, review.decided_by, review.decided_at = (
            decision,
            reply,
            actor,
            timezone.now(),
        )
        review.save(update_fields=["decision", "reply", "decided_by", "decided_at"])
    return review


def _kept_aside(actor, support: Support, reply: str) -> None:
    """Record the decision (not public: it concerns one citizen) and tell the citizen, with the reply."""
    proposal = Proposal.objects.get(pk=support.proposal_id)
    entry = audit.audit_record(
        proposal=proposal, actor=actor, action=AuditAction.SUPPORT_KEPT_ASIDE, reason=reply
    )
    notifications.notify_people(entry=entry, users=_citizens(supports__pk=support.pk))


def support_review_latest(*, support: Support) -> SupportReview | None:
    """The citizen's latest request about this support: open, or decided with its reply."""
    return support.reviews.order_by("-created_at", "-id").first()


def open_reviews(*, proposal_id: int):
    """The proposal's open requests, oldest first, with their support and its invalidation."""
    return SupportReview.objects.filter(
        support__proposal_id=proposal_id, decided_at__isnull=True
    ).select_related("support__invalidation", "support__user")
