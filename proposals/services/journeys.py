"""Check-ins: a citizen's experience of the stages of a consultation's service journey.

A check-in's scores are counted in StageTally in the check-in's own transaction: the stage's running totals
and the row of the local day it counts for. Changing a check-in moves its scores from the day it was last
given to today; deleting it takes them out. The row of the check-in is locked first (then the totals, then
the day rows, always in that order), so two changes of one check-in run one after the other and the tallies
always equal the check-ins. The new figures of the stage go live after commit.

A check-in's story is moderated like a comment (`checkin_moderate`): it waits for a moderator in a
pre-moderated consultation, and a moderator may hide it with a reason for its author. Its scores are
counted whatever becomes of the story. The audit trail is a proposal's (AuditEntry names one), so a story's
moderation is not written to it: the check-in keeps its state and the reason.
"""

from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cms.models import ConsultationStage
from cocreate import page_cache
from cocreate.accounts.mfa import role_refused
from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError, refuse
from cocreate.limits import at_most
from cocreate.transactions import after_commit

from .. import permissions
from ..journey_map import forget_journey_map
from ..journey_selectors import MIN_CHECKINS, stage_figures
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import SCALE, CheckIn, StageTally, Visibility
from .moderation import HIDE, _checked_reason

STORY_MAX = 1000


def _refuse(refusal: str | None) -> None:
    """A refusal of permissions.checkin_refusal as this service's error; nothing when None."""
    refuse(refusal, _CHECKIN_REFUSALS)


_CHECKIN_REFUSALS = {
    permissions.EMAIL_UNVERIFIED: lambda: NotAllowed(
        _("Confirm your e-mail address before telling how a stage went."), code="email_unverified"
    ),
    permissions.CONSULTATION_CLOSED: lambda: Conflict(
        _("This consultation is closed: check-ins can no longer be given or changed."),
        code="consultation_closed",
    ),
}


def _checked_scores(frustration, motivation, story) -> str:
    """The story, stripped; every wrong field reported at once, in the common error shape."""
    errors = {}
    for name, value in (("frustration", frustration), ("motivation", motivation)):
        if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
            errors[name] = [_("Choose a point from 1 to 5.")]
    story = (story or "").strip()
    if len(story) > STORY_MAX:
        errors["story"] = [at_most(STORY_MAX)]
    if errors:
        raise ServiceError(_("Some fields need your attention."), code="invalid", fields=errors)
    return story


def _stage_of(consultation, stage_id) -> ConsultationStage:
    stage = ConsultationStage.objects.filter(pk=stage_id, page_id=consultation.pk).first()
    if stage is None:
        raise ServiceError(
            _("This stage is not part of this consultation's journey."),
            code="invalid",
            fields={"stage": [_("Choose one of this consultation's stages.")]},
        )
    return stage


def _scores(checkin: CheckIn, sign: int) -> dict[str, int]:
    """What `checkin` adds to a tally (sign +1) or takes from it (-1), by field."""
    return {
        "checkins": sign,
        "gave_up": sign if checkin.gave_up else 0,
        f"frustration_{checkin.frustration}": sign,
        f"motivation_{checkin.motivation}": sign,
    }


def _move(stage_id: int, day, deltas: dict[str, int], *, bump_version: bool = False) -> None:
    """Add `deltas` to the stage's tally row of `day` (None: the running totals), creating it if needed."""
    deltas = {name: delta for name, delta in deltas.items() if delta}
    if not deltas and not bump_version:
        return
    row, _created = StageTally.objects.get_or_create(stage_id=stage_id, day=day)
    changes = {name: F(name) + delta for name, delta in deltas.items()}
    if bump_version:
        changes["version"] = F("version") + 1
    StageTally.objects.filter(pk=row.pk).update(**changes)


def _combine(*parts: dict[str, int]) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in parts:
        for name, delta in part.items():
            total[name] = total.get(name, 0) + delta
    return total


def _retally(stage_id: int, before: CheckIn | None, after: CheckIn | None) -> None:
    """Move the tallies from `before` (the check-in as it was counted, or None) to `after` (as it is now,
    or None when deleted), and announce the stage's new figures after commit."""
    removed = _scores(before, -1) if before else {}
    added = _scores(after, +1) if after else {}
    _move(stage_id, None, _combine(removed, added), bump_version=True)
    if before and after and before.day == after.day:
        _move(stage_id, after.day, _combine(removed, added))
    else:  # in date order, as every writer: two check-ins moving between the same days cannot deadlock
        moves = ([(before.day, removed)] if before else []) + ([(after.day, added)] if after else [])
        for day, deltas in sorted(moves, key=lambda move: move[0]):
            _move(stage_id, day, deltas)
    figures = stage_figures([stage_id])[stage_id]
    consultation_id = (after or before).consultation_id
    after_commit(forget_journey_map, consultation_id)
    was_shown = figures.checkins - (1 if after else 0) + (1 if before else 0) >= MIN_CHECKINS
    # Below the minimum nothing is told, not even that something changed (the pace of the events would
    # count the check-ins): only the change that hides a stage's figures again goes out.
    if figures.shown or was_shown:
        broadcast_on_commit(consultation_id, events.stage_changed(stage_id, figures))


def _story_visibility(consultation, story: str, previous: CheckIn | None) -> str:
    """A story waits for a moderator in a pre-moderated consultation, and after a moderator hid the one it
    replaces; an unchanged story keeps its state; no story has nothing to moderate."""
    if not story:
        return Visibility.PUBLISHED
    if previous is not None and previous.story == story:
        return previous.visibility
    hidden_before = previous is not None and previous.visibility == Visibility.HIDDEN
    return Visibility.PENDING if consultation.pre_moderated or hidden_before else Visibility.PUBLISHED


def checkin_save(
    *,
    author,
    consultation,
    stage_id: int,
    frustration: int,
    motivation: int,
    gave_up: bool,
    story: str = "",
    day: date | None = None,
) -> tuple[CheckIn, bool]:
    """Give, or change, `author`'s check-in on a stage of `consultation` (its canonical page). The check-in
    and whether it is new.

    `day` is the local day it counts for: today, unless answers given earlier are being recorded (a survey
    run on paper before the consultation opened, the demo's history); never in the future. The pages and
    the API never pass it."""
    _refuse(permissions.checkin_refusal(author, consultation))
    story = _checked_scores(frustration, motivation, story)
    today = timezone.localdate()
    if day is not None and day > today:
        raise ServiceError(
            _("Some fields need your attention."),
            fields={"day": [_("A check-in cannot be dated later than today.")]},
        )
    stage = _stage_of(consultation, stage_id)
    with transaction.atomic():
        previous = (
            # Only the check-in's row: a lock on the stage's would wait on every other check-in's commit,
            # whose foreign key check shares it.
            CheckIn.objects.select_for_update(of=("self",))
            .filter(author=author, stage=stage)
            .order_by()
            .first()
            if author.pk
            else None
        )
        checkin = previous or CheckIn(consultation=consultation, stage=stage, author=author)
        before = CheckIn(**{f: getattr(previous, f) for f in _COUNTED}) if previous else None
        checkin.visibility = _story_visibility(consultation, story, previous)
        if checkin.visibility != Visibility.HIDDEN:
            checkin.moderation_reason = ""
        checkin.frustration, checkin.motivation, checkin.gave_up = frustration, motivation, bool(gave_up)
        checkin.story = story
        checkin.language = (get_language() or "en")[:8]
        checkin.day = day or today
        checkin.save()
        _retally(stage.pk, before, checkin)
    return checkin, previous is None


_COUNTED = ("consultation_id", "frustration", "motivation", "gave_up", "day")


def checkin_delete(*, actor, checkin_id: int) -> None:
    """The author deletes their check-in: its scores leave the figures at once."""
    with transaction.atomic():
        checkin = (
            CheckIn.objects.select_for_update(of=("self",))
            .select_related("consultation")
            .filter(pk=checkin_id)
            .order_by()
            .first()
        )
        if checkin is None:
            raise NotFound(_("No such check-in."))
        if checkin.author_id is None or checkin.author_id != actor.pk:
            raise NotAllowed(_("Only its author can delete a check-in."))
        _refuse(permissions.checkin_refusal(actor, checkin.consultation))
        stage_id = checkin.stage_id
        checkin.delete()
        _retally(stage_id, checkin, None)
        # Its story leaves the pages kept for visitors too (the figures alone may wait for their TTL).
        page_cache.pages_changed_on_commit(checkin.consultation_id)


def checkin_moderate(*, actor, checkin_id: int, decision: str, reason: str = "") -> CheckIn:
    """Approve (publish a pending story), hide (with a reason, shown to the author) or restore (publish a
    hidden one again) a check-in's story; moderators and officials only. The scores stay counted as they
    are: only the story is judged. Asking for the state a story already has changes nothing, except that
    hiding a hidden story again replaces the reason."""
    if not permissions.can_moderate(actor):
        raise role_refused(
            permissions.moderation_refusal(actor), _("Only moderators and officials can moderate stories.")
        )
    reason = _checked_reason(
        decision, reason, missing=_("Say why the story is hidden: its author will read it.")
    )
    with transaction.atomic():
        checkin = CheckIn.objects.select_for_update(of=("self",)).filter(pk=checkin_id).order_by().first()
        if checkin is None:
            raise NotFound(_("No such check-in."))
        if not checkin.story:
            raise Conflict(_("This check-in tells no story: there is nothing to moderate."), code="no_story")
        after = Visibility.HIDDEN if decision == HIDE else Visibility.PUBLISHED
        reason = reason if decision == HIDE else ""
        if (checkin.visibility, checkin.moderation_reason) != (after, reason):
            checkin.visibility, checkin.moderation_reason = after, reason
            # Not updated_at: a moderator's decision is not the author changing their check-in.
            checkin.save(update_fields=["visibility", "moderation_reason"])
            # The journey map shows stories: a hidden one leaves it, and the pages kept for visitors, at once.
            after_commit(forget_journey_map, checkin.consultation_id)
            page_cache.pages_changed_on_commit(checkin.consultation_id)
    return checkin
