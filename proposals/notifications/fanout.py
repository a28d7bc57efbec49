"""Fan-out: the notifications of one audit entry, written in the action's own transaction.

Which entries notify whom is said in the package's docstring (proposals.notifications).
"""

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone

from cocreate.transactions import after_commit

from ..models import AuditAction, AuditEntry, Follow, Notification, Proposal
from .delivery import _send_after_commit, _verified_primary
from .preferences import frequency_field, kind_of


def _recipients_query(entry: AuditEntry, proposal: Proposal):
    """The users an entry notifies, or None when it notifies nobody (see the package docstring)."""
    if not proposal.is_published or not entry.public:
        return None
    if entry.action == AuditAction.STATUS_CHANGED and (entry.response_id or entry.actor_id is None):
        return None
    if kind_of(entry.action) is None:  # the kinds of notification are preferences.KIND_ACTIONS
        return None
    who = Exists(Follow.objects.filter(proposal_id=proposal.pk, user_id=OuterRef("pk")))
    if entry.action == AuditAction.THRESHOLD_REACHED and proposal.author_id:
        who |= Q(pk=proposal.author_id)
    users = get_user_model().objects.filter(who, is_active=True)
    if entry.actor_id:
        users = users.exclude(pk=entry.actor_id)
    return users.annotate(verified=Exists(_verified_primary(OuterRef("pk"))))


def notify_entry(*, entry: AuditEntry, proposal: Proposal) -> int:
    """Write the notifications of one audit entry and send their e-mails after commit. Call inside the
    action's transaction, with `proposal` as the action left it. Returns how many were written."""
    users = _recipients_query(entry, proposal)
    if users is None:
        return 0
    written = _insert_notifications(entry, users, kind=kind_of(entry.action))
    if written:
        after_commit(_send_after_commit, entry.pk)
    return written


def notify_comment_published(*, entry: AuditEntry, proposal: Proposal, comment) -> int:
    """Tell the proposal's author that someone else's comment on it became public (audit.
    comment_published_record). Call inside the action's transaction. No e-mail goes after commit: on a
    busy proposal that would be one e-mail a comment; `send_notifications` sends one e-mail per proposal
    for the comments waiting (delivery._coalesced_with), and the summaries list them per proposal."""
    users = get_user_model().objects.filter(pk=proposal.author_id, is_active=True)
    users = users.exclude(pk=comment.author_id)
    users = users.annotate(verified=Exists(_verified_primary(OuterRef("pk"))))
    return _insert_notifications(entry, users, kind=kind_of(entry.action))


def notify_merge_followers(*, entry: AuditEntry, source: Proposal, actor) -> int:
    """Tell the followers of `source`, a duplicate merged into another proposal, where it went: `entry` is
    the target's MERGED_FROM entry, so the notice links to the one they follow now. Call in the merge's
    transaction before its follows move. A notification of the "status" kind, sent as each follower chose
    (preferences.merge_to_follower); never to the authors of the two proposals, who have their own
    notice of `entry` or of the duplicate's MERGED_INTO (personal), nor to the official who merged."""
    users = get_user_model().objects.filter(
        Exists(Follow.objects.filter(proposal_id=source.pk, user_id=OuterRef("pk"))), is_active=True
    )
    authors = [pk for pk in (source.author_id, entry.proposal.author_id, actor.pk) if pk]
    users = users.exclude(pk__in=authors).annotate(verified=Exists(_verified_primary(OuterRef("pk"))))
    written = _insert_notifications(entry, users, kind="status")
    if written:
        after_commit(_send_after_commit, entry.pk)
    return written


def _insert_notifications(entry: AuditEntry, users, *, kind: str = "", wanted: Q | None = None) -> int:
    """One INSERT ... SELECT: the rows never travel to Python and back. The action holds the proposal's
    row lock meanwhile (supports to it wait), so for a proposal with 50,000 followers this is the
    difference between seconds and a fraction of one (bench/fanout.py). An e-mail is wanted when the
    person has e-mails on, a confirmed address, and does not say "none" for this kind (whether it goes at
    once or in a summary is decided when sending: preferences). A personal notice passes its own `wanted`
    instead of a kind (personal.notify_people)."""
    if wanted is None:
        wanted = Q(email_notifications=True) & Q(verified=True) & ~Q(**{frequency_field(kind): "none"})
    recipients = users.annotate(
        recipient=F("pk"), wanted=ExpressionWrapper(wanted, output_field=BooleanField())
    ).values("recipient", "wanted")
    select_sql, select_params = recipients.query.sql_with_params()
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(Notification._meta.get_field(name).column)
        for name in ("recipient", "entry", "created_at", "email_wanted", "email_attempts")
    )
    with connection.cursor() as cursor:
        # WHERE true: SQLite reads an ON or a bare end after a sub-select as ambiguous without it.
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names from the model, values as parameters
            f"SELECT r.recipient, %s, %s, r.wanted, 0 FROM ({select_sql}) AS r WHERE true",
            (entry.pk, timezone.now(), *select_params),
        )
        return cursor.rowcount
