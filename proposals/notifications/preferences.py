"""A person's e-mail choices: per kind of notification, at once, in a daily or weekly summary, or none.

The choices are fields of the account (cocreate.accounts.models: `email_<kind>`, and the master switch
`email_notifications`); this module says which audit actions make each kind, and selects the
notifications each way of sending is for. The in-site list is not concerned: it shows every notification.

The choice at the time of sending decides, not the one at the time of the event: a person who moves a kind
from "daily" to "instant" gets what was waiting at the next `send_notifications`, and one who moves it to
"weekly" gets it in the next weekly summary. Choosing "none" drops what was waiting.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q

from cocreate.accounts.models import EMAIL_KINDS, EmailFrequency

from ..models import AuditAction, Notification, Proposal

# Which audit actions make each kind (the package docstring says whom they notify).
KIND_ACTIONS: dict[str, tuple[str, ...]] = {
    "status": (AuditAction.STATUS_CHANGED,),
    "response": (AuditAction.RESPONSE_PUBLISHED,),
    "threshold": (AuditAction.THRESHOLD_REACHED,),
    "milestone": (
        AuditAction.MILESTONE_PLANNED,
        AuditAction.MILESTONE_REPLANNED,
        AuditAction.MILESTONE_STARTED,
        AuditAction.MILESTONE_DONE,
    ),
    # Comments on the person's own proposals (fanout.notify_comment_published).
    "comments": (AuditAction.COMMENT_PUBLISHED,),
}
assert set(KIND_ACTIONS) == set(EMAIL_KINDS)  # noqa: S101 - a kind without a field is a programming error

# Personal notices (personal.py): about the person's own support, not a kind one chooses; sent at once
# whatever the choices per kind, unless the master switch is off.
PERSONAL_ACTIONS = (
    AuditAction.SUPPORTS_SET_ASIDE,
    AuditAction.SUPPORT_REINSTATED,
    AuditAction.SUPPORT_KEPT_ASIDE,
    # Their proposal merged into another, or another merged into theirs (votes.merging): its author.
    AuditAction.MERGED_INTO,
    AuditAction.MERGED_FROM,
)

MERGE_ACTIONS = (AuditAction.MERGED_INTO, AuditAction.MERGED_FROM)


def merge_to_follower() -> Q:
    """Of the notifications of a merge's entries, those told to a follower of the duplicate
    (fanout.notify_merge_followers), a notification of the "status" kind: the others went to an author of
    the entry's proposal, a personal notice (a filter on Notification)."""
    return Q(entry__action__in=MERGE_ACTIONS) & (
        Q(entry__proposal__author__isnull=True) | ~Q(recipient_id=F("entry__proposal__author_id"))
    )


def told_as_follower(notification) -> bool:
    """merge_to_follower, of one notification."""
    entry = notification.entry
    return entry.action in MERGE_ACTIONS and notification.recipient_id != entry.proposal.author_id


def merged_with(entry):
    """The other proposal of a merge's entry (the one it went into, or the one that came), or None."""
    other = entry.to_value if entry.action == AuditAction.MERGED_INTO else entry.from_value
    return Proposal.objects.filter(pk=int(other)).first() if other.isdigit() else None


# The frequencies a summary is sent for (send_citizen_digests --period).
DIGEST_PERIODS = (EmailFrequency.DAILY, EmailFrequency.WEEKLY)


def kind_of(action: str) -> str | None:
    """The kind an audit action's notification is, or None for an action that notifies nobody."""
    return next((kind for kind, actions in KIND_ACTIONS.items() if action in actions), None)


def frequency_field(kind: str) -> str:
    return f"email_{kind}"


def sent_by(frequency: str) -> Q:
    """The notifications whose recipient wants their kind sent with `frequency` (a filter on
    Notification)."""
    condition = Q(pk__in=[])
    if frequency == EmailFrequency.INSTANT:
        condition = Q(entry__action__in=PERSONAL_ACTIONS) & ~merge_to_follower()
    for kind, actions in KIND_ACTIONS.items():
        condition |= Q(entry__action__in=actions, **{f"recipient__{frequency_field(kind)}": frequency})
    return condition | (merge_to_follower() & Q(**{f"recipient__{frequency_field('status')}": frequency}))


def email_settings(user) -> dict:
    """The person's e-mail choices: the master switch and the frequency of each kind."""
    return {
        "email_notifications": user.email_notifications,
        **{kind: getattr(user, frequency_field(kind)) for kind in EMAIL_KINDS},
    }


def email_settings_set(*, user, email_notifications: bool, frequencies: dict[str, str]) -> bool:
    """Save the master switch and the frequency of each kind in `frequencies` (kinds left out keep
    theirs); returns whether anything changed. The waiting e-mails of a kind set to "none" are dropped in
    the same transaction (the in-site list keeps them)."""
    unknown = set(frequencies) - set(EMAIL_KINDS)
    if unknown or not set(frequencies.values()) <= set(EmailFrequency.values):
        raise ValueError(f"Unknown kinds or frequencies: {frequencies!r}")  # the callers validate first
    values = {"email_notifications": email_notifications}
    values.update({frequency_field(kind): frequency for kind, frequency in frequencies.items()})
    before = email_settings(user)
    with transaction.atomic():
        get_user_model().objects.filter(pk=user.pk).update(**values)
        silenced = [
            action
            for kind, frequency in frequencies.items()
            if frequency == EmailFrequency.NONE
            for action in KIND_ACTIONS[kind]
        ]
        if frequencies.get("status") == EmailFrequency.NONE:
            silenced = Q(entry__action__in=silenced) | merge_to_follower()
        else:
            silenced = Q(entry__action__in=silenced) if silenced else None
        if silenced is not None:
            Notification.objects.filter(
                silenced, recipient=user, emailed_at__isnull=True, email_wanted=True
            ).update(email_wanted=False)
    for name, value in values.items():
        setattr(user, name, value)
    return email_settings(user) != before
