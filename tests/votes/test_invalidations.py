"""Setting supports aside (votes.invalidations): the supports an official found fraudulent are kept and
marked, no longer counted; the count, the tallies, the promise, the public history and the live pages
follow in the same transaction; one support can be counted again."""

from datetime import date, timedelta

import psycopg
import pytest
from django.db import OperationalError
from django.utils import timezone

from cocreate.addresses import address_hash
from cocreate.exceptions import Conflict, NotAllowed, ServiceError
from proposals.models import AuditEntry, Proposal, Status
from proposals.services import proposal_set_status, response_publish
from tests.support import factories
from tests.support.broadcasts import broadcast_events as sent
from votes import invalidations
from votes.invalidations import support_reinstate, supports_invalidate
from votes.models import Invalidation, Support, SupportTally
from votes.services import support_add, support_withdraw
from votes.tallies import tallies_rebuild

pytestmark = pytest.mark.django_db

HOME, CAFE = address_hash("203.0.113.9"), address_hash("198.51.100.7")


def proposal_with_threshold(threshold: int, **fields) -> Proposal:
    page = factories.consultation(support_threshold=threshold, response_deadline_days=30)
    return factories.ProposalFactory(consultation=page, **fields)


def supporter(proposal, email: str, address: str | None = HOME, joined: date | None = None):
    fields = {"email": email}
    if joined:
        fields["date_joined"] = timezone.make_aware(
            timezone.datetime(joined.year, joined.month, joined.day, 12)
        )
    citizen = factories.citizen(**fields)
    support_add(user=citizen, proposal=proposal, address_hash=address)
    return citizen


def tallies(proposal) -> dict:
    rows = SupportTally.objects.filter(proposal=proposal).values_list("kind", "key", "supports", "invalid")
    return {(kind, key): (valid, invalid) for kind, key, valid, invalid in rows if valid or invalid}


def check_consistent(proposal) -> Proposal:
    """The stored count is the valid rows, and the tallies are what counting the rows again gives."""
    proposal.refresh_from_db()
    assert proposal.supports_count == Support.objects.filter(proposal=proposal, invalidation=None).count()
    kept = tallies(proposal)
    tallies_rebuild(proposal_id=proposal.pk)
    assert kept == tallies(proposal)
    return proposal


def entries(proposal, action) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(proposal=proposal, action=action))


def test_supports_of_a_domain_are_set_aside_kept_and_no_longer_counted(official):
    proposal = proposal_with_threshold(100)
    bots = [supporter(proposal, f"bot{i}@spam.example") for i in range(3)]
    honest = supporter(proposal, "ana@example.org")
    version = Proposal.objects.get(pk=proposal.pk).supports_version

    result = supports_invalidate(
        actor=official, proposal=proposal, reason="Accounts made by a script.", domains=["Spam.example"]
    )

    proposal = check_consistent(proposal)
    assert (result.supports, proposal.supports_count) == (1, 1)
    assert result.version == proposal.supports_version > version
    invalidation = result.invalidation
    assert (invalidation.set_aside, invalidation.criteria) == (3, {"domains": ["spam.example"]})
    assert invalidation.created_by == official and invalidation.reason == "Accounts made by a script."
    assert Support.objects.filter(proposal=proposal).count() == 4  # kept
    assert set(Support.objects.filter(invalidation=invalidation).values_list("user", flat=True)) == {
        b.pk for b in bots
    }
    assert Support.objects.get(user=honest).invalidation is None
    [entry] = entries(proposal, AuditEntry.Action.SUPPORTS_SET_ASIDE)
    assert (entry.public, entry.to_value, entry.reason, entry.actor) == (
        True,
        "3",
        "Accounts made by a script.",
        official,
    )


def test_kinds_narrow_each_other_and_values_of_one_kind_add_up(official):
    proposal = proposal_with_threshold(100)
    supporter(proposal, "a@spam.example", HOME)
    both = supporter(proposal, "b@spam.example", CAFE)
    supporter(proposal, "c@example.org", CAFE)
    other = supporter(proposal, "d@other.example", CAFE)

    result = supports_invalidate(
        actor=official,
        proposal=proposal,
        reason="One café, two domains.",
        address_hashes=[CAFE.upper()],
        domains=["spam.example", "other.example"],
    )

    assert result.invalidation.set_aside == 2
    assert set(Support.objects.exclude(invalidation=None).values_list("user", flat=True)) == {
        both.pk,
        other.pk,
    }
    check_consistent(proposal)


def test_a_window_of_sign_up_days_and_a_list_of_accounts(official):
    proposal = proposal_with_threshold(100)
    early = supporter(proposal, "early@example.org", joined=date(2026, 11, 1))
    inside = [supporter(proposal, f"in{i}@example.org", joined=date(2026, 11, 20 + i)) for i in range(3)]
    supporter(proposal, "late@example.org", joined=date(2026, 12, 1))

    window = supports_invalidate(
        actor=official,
        proposal=proposal,
        reason="A wave of sign-ups.",
        joined_from=date(2026, 11, 20),
        joined_to=date(2026, 11, 22),
    )
    assert window.invalidation.set_aside == 3
    assert window.invalidation.criteria == {"joined_from": "2026-11-20", "joined_to": "2026-11-22"}
    accounts = supports_invalidate(
        actor=official, proposal=proposal, reason="Known fake.", user_ids=[early.pk, inside[0].pk]
    )
    assert accounts.invalidation.set_aside == 1  # the other was set aside already
    assert check_consistent(proposal).supports_count == 1


@pytest.mark.parametrize(
    ("criteria", "field"),
    [
        ({}, "criteria"),
        ({"domains": ["", "  "]}, "criteria"),
        ({"address_hashes": ["not a hash"]}, "address_hashes"),
        ({"user_ids": ["seven"]}, "user_ids"),
        ({"domains": ["a b.example"]}, "domains"),
        ({"joined_from": date(2026, 12, 2), "joined_to": date(2026, 12, 1)}, "joined_to"),
    ],
)
def test_criteria_that_select_nothing_sensible_are_refused(official, criteria, field):
    proposal = proposal_with_threshold(100)
    supporter(proposal, "a@example.org")
    with pytest.raises(ServiceError) as refused:
        supports_invalidate(actor=official, proposal=proposal, reason="Fraud.", **criteria)
    assert (refused.value.http_status, refused.value.code, list(refused.value.fields)) == (
        400,
        "invalid",
        [field],
    )
    assert not Invalidation.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 1


def test_a_reason_is_required(official):
    proposal = proposal_with_threshold(100)
    supporter(proposal, "a@example.org")
    with pytest.raises(ServiceError) as refused:
        supports_invalidate(actor=official, proposal=proposal, reason="  ", domains=["example.org"])
    assert refused.value.fields == {"reason": ["Give the reason."]}
    assert not Invalidation.objects.exists()


def test_criteria_matching_no_counted_support_are_refused_and_write_nothing(official):
    proposal = proposal_with_threshold(100)
    supporter(proposal, "a@spam.example")
    supports_invalidate(actor=official, proposal=proposal, reason="Fraud.", domains=["spam.example"])
    with pytest.raises(Conflict) as refused:
        supports_invalidate(actor=official, proposal=proposal, reason="Again.", domains=["spam.example"])
    assert refused.value.code == "nothing_to_set_aside"
    assert Invalidation.objects.count() == 1
    assert len(entries(proposal, AuditEntry.Action.SUPPORTS_SET_ASIDE)) == 1


def test_only_officials_with_their_second_factor_set_supports_aside():
    proposal = proposal_with_threshold(100)
    supporter(proposal, "a@spam.example")
    for actor, code in [
        (factories.citizen(), "forbidden"),
        (factories.moderator(), "forbidden"),
        (factories.official(second_factor=False), "mfa_required"),
    ]:
        with pytest.raises(NotAllowed) as refused:
            supports_invalidate(actor=actor, proposal=proposal, reason="Fraud.", domains=["spam.example"])
        assert refused.value.code == code
    assert not Invalidation.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 1


def test_a_promise_made_on_supports_set_aside_is_withdrawn_publicly(
    official, django_capture_on_commit_callbacks
):
    proposal = proposal_with_threshold(3)
    supporter(proposal, "ana@example.org")
    for i in range(2):
        supporter(proposal, f"bot{i}@spam.example")
    proposal.refresh_from_db()
    assert proposal.threshold_reached_at is not None and proposal.status == Status.AWAITING_RESPONSE

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = supports_invalidate(
            actor=official, proposal=proposal, reason="Made by a script.", domains=["spam.example"]
        )

    assert result.promise_withdrawn
    proposal = check_consistent(proposal)
    assert (proposal.threshold_reached_at, proposal.response_due_at, proposal.status) == (
        None,
        None,
        Status.OPEN,
    )
    [withdrawn] = entries(proposal, AuditEntry.Action.THRESHOLD_WITHDRAWN)
    assert (withdrawn.public, withdrawn.reason, withdrawn.from_value, withdrawn.to_value) == (
        True,
        "Made by a script.",
        "3",
        "1",
    )
    history = list(proposal.audit_entries.public().values_list("action", flat=True))
    assert history[-3:] == ["supports_set_aside", "threshold_withdrawn", "status_changed"]
    events = sent(callbacks)
    assert [e["type"] for e in events] == [
        "proposal.support_changed",
        "proposal.threshold_withdrawn",
        "proposal.status_changed",
    ]
    assert events[0] == {
        "type": "proposal.support_changed",
        "proposal": proposal.pk,
        "supports": 1,
        "version": proposal.supports_version,
    }
    assert events[1] == {
        "type": "proposal.threshold_withdrawn",
        "proposal": proposal.pk,
        "status": "open",
        "status_label": "Open for support",
        "threshold": 3,
        "supports": 1,
    }

    # The next support that reaches the threshold makes the promise again, with a new deadline.
    for i in range(2):
        supporter(proposal, f"new{i}@example.org")
    proposal.refresh_from_db()
    assert proposal.status == Status.AWAITING_RESPONSE and proposal.response_due_at is not None
    assert len(entries(proposal, AuditEntry.Action.THRESHOLD_REACHED)) == 2


def test_a_promise_still_met_by_the_supports_left_stands(official):
    proposal = proposal_with_threshold(2)
    for i in range(2):
        supporter(proposal, f"a{i}@example.org")
    supporter(proposal, "bot@spam.example")
    reached = Proposal.objects.get(pk=proposal.pk).threshold_reached_at

    result = supports_invalidate(actor=official, proposal=proposal, reason="Bot.", domains=["spam.example"])

    assert not result.promise_withdrawn
    proposal = check_consistent(proposal)
    assert proposal.threshold_reached_at == reached and proposal.status == Status.AWAITING_RESPONSE
    assert not entries(proposal, AuditEntry.Action.THRESHOLD_WITHDRAWN)


def test_an_answered_proposal_keeps_its_response_and_decision(official):
    proposal = proposal_with_threshold(2)
    for i in range(2):
        supporter(proposal, f"bot{i}@spam.example")
    response_publish(actor=official, proposal=proposal, body="We will do it.", decision=Status.ACCEPTED)

    result = supports_invalidate(actor=official, proposal=proposal, reason="Bots.", domains=["spam.example"])

    assert result.promise_withdrawn
    proposal.refresh_from_db()
    assert proposal.threshold_reached_at is None and proposal.response_due_at is None
    assert proposal.status == Status.ACCEPTED and proposal.responded_at is not None


def test_an_unanswered_proposal_under_review_keeps_its_status(official):
    proposal = proposal_with_threshold(1)
    supporter(proposal, "bot@spam.example")
    proposal_set_status(actor=official, proposal=proposal, status=Status.UNDER_REVIEW)
    supports_invalidate(actor=official, proposal=proposal, reason="Bot.", domains=["spam.example"])
    proposal.refresh_from_db()
    assert proposal.status == Status.UNDER_REVIEW and proposal.threshold_reached_at is None


def test_supports_are_set_aside_after_the_consultation_closed(official):
    proposal = proposal_with_threshold(100)
    supporter(proposal, "bot@spam.example")
    supporter(proposal, "ana@example.org")
    page = proposal.consultation
    page.closes_at = timezone.now() - timedelta(minutes=1)
    page.save(update_fields=["closes_at"])

    result = supports_invalidate(actor=official, proposal=proposal, reason="Bot.", domains=["spam.example"])
    assert result.supports == 1
    check_consistent(proposal)


def test_withdrawing_a_support_set_aside_leaves_the_count(official):
    proposal = proposal_with_threshold(100)
    bot = supporter(proposal, "bot@spam.example")
    supporter(proposal, "ana@example.org")
    supports_invalidate(actor=official, proposal=proposal, reason="Bot.", domains=["spam.example"])
    support_withdraw(user=bot, proposal=proposal)
    assert check_consistent(proposal).supports_count == 1


def test_a_support_counted_again_moves_everything_back_and_may_make_the_promise(
    official, django_capture_on_commit_callbacks
):
    proposal = proposal_with_threshold(2)
    supporter(proposal, "ana@example.org")
    wrongly = supporter(proposal, "ben@example.net")
    supports_invalidate(
        actor=official, proposal=proposal, reason="Looked like a bot.", domains=["example.net"]
    )
    assert Proposal.objects.get(pk=proposal.pk).threshold_reached_at is None

    support = Support.objects.get(user=wrongly)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = support_reinstate(actor=official, support=support, reason="A real person, checked.")

    assert (result.supports, result.promise_made) == (2, True)
    proposal = check_consistent(proposal)
    assert proposal.status == Status.AWAITING_RESPONSE and proposal.response_due_at is not None
    [entry] = entries(proposal, AuditEntry.Action.SUPPORT_REINSTATED)
    assert entry.public and entry.reason == "A real person, checked."
    assert [e["type"] for e in sent(callbacks)] == [
        "proposal.support_changed",
        "proposal.threshold_reached",
        "proposal.status_changed",
    ]
    with pytest.raises(Conflict) as refused:
        support_reinstate(actor=official, support=support)
    assert refused.value.code == "support_counted"
    assert check_consistent(proposal).supports_count == 2


def test_only_officials_count_a_support_again(official):
    proposal = proposal_with_threshold(100)
    supporter(proposal, "bot@spam.example")
    supports_invalidate(actor=official, proposal=proposal, reason="Bot.", domains=["spam.example"])
    support = Support.objects.get()
    with pytest.raises(NotAllowed):
        support_reinstate(actor=factories.moderator(), support=support)
    assert check_consistent(proposal).supports_count == 0


def test_a_hidden_proposal_moves_its_count_without_telling_the_pages(
    official, django_capture_on_commit_callbacks
):
    proposal = proposal_with_threshold(100)
    supporter(proposal, "bot@spam.example")
    Proposal.objects.filter(pk=proposal.pk).update(visibility="hidden", moderation_reason="Spam.")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        supports_invalidate(actor=official, proposal=proposal, reason="Bot.", domains=["spam.example"])
    assert sent(callbacks) == []
    assert check_consistent(proposal).supports_count == 0


def test_the_public_history_says_what_was_set_aside_and_why_in_english_and_french(official, client):
    proposal = proposal_with_threshold(2)
    supporter(proposal, "ana@example.org")
    supporter(proposal, "bot@spam.example")
    supports_invalidate(
        actor=official, proposal=proposal, reason="Made by a <script>.", domains=["spam.example"]
    )

    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "1 support found invalid was set aside and no longer counts" in html
    assert "the support threshold is no longer reached (1 support counts)" in html
    assert "Made by a &lt;script&gt;." in html and "<script>." not in html
    french = client.get(proposal.get_absolute_url(), headers={"accept-language": "fr"}).content.decode()
    assert "1 soutien jugé non valable a été écarté et ne compte plus" in french
    assert "le seuil de soutiens n’est plus atteint (1 soutien compte)" in french


@pytest.mark.django_db(transaction=True)  # the retry is for a transaction of its own, not a caller's
def test_a_deadlock_runs_the_invalidation_again_and_anything_else_is_raised(monkeypatch):
    official = factories.official()
    proposal = proposal_with_threshold(100)
    supporter(proposal, "bot@spam.example")
    real, calls = invalidations._invalidate, []

    def deadlocked_once(*args):
        calls.append(args)
        if len(calls) == 1:
            error = OperationalError("deadlock detected")
            error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
            raise error
        return real(*args)

    monkeypatch.setattr(invalidations, "_invalidate", deadlocked_once)
    result = supports_invalidate(actor=official, proposal=proposal, reason="Bot.", domains=["spam.example"])
    assert len(calls) == 2 and result.supports == 0

    def lost(*args):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(invalidations, "_invalidate", lost)
    with pytest.raises(OperationalError):
        supports_invalidate(actor=official, proposal=proposal, reason="Again.", domains=["example.org"])
