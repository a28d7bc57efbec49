"""“You said, we did”: the implementation steps of an accepted proposal, set by officials.

A step is planned for a date, then started, then done (or done straight from planned); it only moves
forward, and once done it is final, so what the public read in the history stays true. Each change is one
transaction with the proposal's row locked (then the step's), one public audit entry (which tells the
proposal's followers, proposals.audit) and, after commit, one `proposal.milestone_changed` event on the
consultation's stream. A call changes one thing: the state, or the planned date.
"""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate.accounts.mfa import role_refused
from cocreate.exceptions import Conflict, NotFound, ServiceError
from cocreate.limits import at_most
from cocreate.transactions import after_commit

from .. import audit, permissions
from ..live import events
from ..live.broadcasts import broadcast_on_commit
from ..models import AuditAction, Milestone, MilestoneState, Proposal, Status
from ..what_changed import forget_what_changed
from ._common import NOTE_MAX, TITLE_MAX, _locked

# Where a step may go from each state: forward only, and nowhere once done.
NEXT_STATES = {
    MilestoneState.PLANNED: (MilestoneState.IN_PROGRESS, MilestoneState.DONE),
    MilestoneState.IN_PROGRESS: (MilestoneState.DONE,),
    MilestoneState.DONE: (),
}
# Only a decision to act has steps: an accepted proposal, and one since implemented.
STATUSES_WITH_MILESTONES = (Status.ACCEPTED, Status.IMPLEMENTED)
STATE_ACTIONS = {
    MilestoneState.IN_PROGRESS: AuditAction.MILESTONE_STARTED,
    MilestoneState.DONE: AuditAction.MILESTONE_DONE,
}


def _refuse_unless_official(actor) -> None:
    if not permissions.can_manage_milestones(actor):
        raise role_refused(
            permissions.official_refusal(actor),
            _("Only officials can plan and follow the implementation of a proposal."),
        )


def _check_proposal(proposal: Proposal) -> None:
    """Call while holding the proposal row lock: its status cannot change meanwhile."""
    if not proposal.is_published:
        raise Conflict(
            _("Publish the proposal before planning its implementation."), code="proposal_not_published"
        )
    if proposal.status not in STATUSES_WITH_MILESTONES:
        raise Conflict(
            _("Only an accepted proposal has implementation steps: accept it first."),
            code="proposal_not_accepted",
        )


def _check_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(_("The note is too long."), fields={"note": [at_most(NOTE_MAX)]})
    return note


def _check_date(value, field: str, *, required: bool) -> date | None:
    # A datetime is a date to Python; a step's dates are days, so it is refused like any other non-date.
    if value is None and not required:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ServiceError(_("Some fields need your attention."), fields={field: [_("Enter a valid date.")]})
    return value


def _announce(
    *, actor, proposal: Proposal, milestone: Milestone, action: AuditAction, from_value: str, note: str
):
    """The change's public audit entry (which notifies the followers) and its live event after commit.
    Call while holding the proposal row lock, after saving `milestone`."""
    audit.audit_record(
        proposal=proposal,
        actor=actor,
        action=action,
        milestone=milestone,
        from_value=from_value,
        to_value=milestone.state,
        reason=note,
    )
    broadcast_on_commit(proposal.consultation_id, events.milestone_changed(milestone))
    after_commit(forget_what_changed, proposal.consultation_id)


def milestone_add(*, actor, proposal: Proposal, title: str, planned_for: date, note: str = "") -> Milestone:
    """Plan a new step of an accepted (or implemented) published proposal."""
    _refuse_unless_official(actor)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [at_most(TITLE_MAX)]
    if errors:
        raise ServiceError(_("Some fields need your attention."), fields=errors)
    planned_for = _check_date(planned_for, "planned_for", required=True)
    note = _check_note(note)
    with transaction.atomic():
        proposal = _locked(proposal.pk)
        _check_proposal(proposal)
        milestone = Milestone.objects.create(
            proposal=proposal, title=title, planned_for=planned_for, note=note
        )
        _announce(
            actor=actor,
            proposal=proposal,
            milestone=milestone,
            action=AuditAction.MILESTONE_PLANNED,
            from_value="",
            note=note,
        )
    return milestone


def _check_change(milestone: Milestone, *, state: str | None, planned_for: date | None) -> None:
    """Call with the step's row locked. A done step is final; a state only moves forward."""
    if milestone.state == MilestoneState.DONE:
        raise Conflict(_("This step is done: it can no longer change."), code="milestone_done")
    if state is not None and state not in NEXT_STATES[milestone.state]:
        raise Conflict(
            _("A step only moves forward: from “%(old)s” it can go to %(next)s.")
            % {
                "old": milestone.get_state_display(),
                "next": " ".join(f"“{MilestoneState(s).label}”" for s in NEXT_STATES[milestone.state]),
            },
            code="milestone_backwards",
        )
    if planned_for is not None and planned_for == milestone.planned_for:
        raise ServiceError(
            _("Some fields need your attention."),
            fields={"planned_for": [_("The step is already planned for this date.")]},
        )


def _checked_update(state, on, planned_for) -> tuple[str | None, date | None, date | None]:
    """The input of an update, before any lock: one change at a time, and no date in the future."""
    if state is not None and state not in MilestoneState.values:
        raise ServiceError(
            _("Unknown state."),
            fields={"state": [_("Choose one of: %s.") % ", ".join(MilestoneState.values)]},
        )
    planned_for = _check_date(planned_for, "planned_for", required=False)
    on = _check_date(on, "on", required=False)
    if on is not None and state is None:
        raise ServiceError(
            _("Some fields need your attention."),
            fields={"on": [_("A date of start or completion goes with a new state.")]},
        )
    if state is None and planned_for is None:
        raise ServiceError(_("Give the step a new state or a new planned date."), code="invalid")
    if state is not None and planned_for is not None:
        raise ServiceError(_("Change the state or the planned date, one at a time."), code="invalid")
    if on is not None and on > timezone.localdate():
        raise ServiceError(
            _("Some fields need your attention."), fields={"on": [_("This date is in the future.")]}
        )
    return state, on, planned_for


def milestone_update(
    *,
    actor,
    milestone_id: int,
    state: str | None = None,
    on: date | None = None,
    planned_for: date | None = None,
    note: str = "",
) -> Milestone:
    """Move a step forward (`state`, started or done `on` a day, today by default, never in the future)
    or plan it for another date (`planned_for`). The note becomes the step's latest note."""
    _refuse_unless_official(actor)
    state, on, planned_for = _checked_update(state, on, planned_for)
    note = _check_note(note)
    proposal_id = Milestone.objects.filter(pk=milestone_id).values_list("proposal_id", flat=True).first()
    if proposal_id is None:
        raise NotFound(_("No such implementation step."))
    with transaction.atomic():
        proposal = _locked(proposal_id)  # the proposal first, as every other change of it
        milestone = Milestone.objects.select_for_update().get(pk=milestone_id)
        _check_proposal(proposal)
        _check_change(milestone, state=state, planned_for=planned_for)
        # A rescheduling keeps the state: only a change of state has a value it came from.
        from_value = "" if planned_for is not None else milestone.state
        if planned_for is not None:
            milestone.planned_for, action = planned_for, AuditAction.MILESTONE_REPLANNED
        else:
            on = on or timezone.localdate()
            if milestone.started_on and on < milestone.started_on:
                raise ServiceError(
                    _("Some fields need your attention."),
                    fields={"on": [_("The step cannot be done before it started.")]},
                )
            milestone.state, action = state, STATE_ACTIONS[state]
            if state == MilestoneState.IN_PROGRESS:
                milestone.started_on = on
            else:
                milestone.done_on = on
        milestone.note = note
        milestone.save()
        _announce(
            actor=actor,
            proposal=proposal,
            milestone=milestone,
            action=action,
            from_value=from_value,
            note=note,
        )
    return milestone
