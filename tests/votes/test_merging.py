"""Merging duplicates (votes.merging): an official merges proposals into one; each citizen counts once, the
followers and comments go along, the duplicates are closed and say where they went, the authors are told,
and the counts, tallies, promise, history and live pages agree."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cocreate.addresses import address_hash
from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError
from proposals.models import AuditEntry, Comment, Follow, Notification, Proposal, Status, Visibility
from proposals.notifications import citizen_digests_send, notification_text, notification_url
from proposals.services import comment_post, proposal_edit, proposal_withdraw
from tests.support import factories
from tests.support.broadcasts import broadcast_events as sent
from votes.invalidations import supports_invalidate
from votes.merging import proposals_merge
from votes.models import Support, SupportReview, SupportTally
from votes.services import support_add, support_withdraw
from votes.tallies import tallies_rebuild

pytestmark = pytest.mark.django_db

HOME, CAFE = address_hash("203.0.113.9"), address_hash("198.51.100.7")


def read(proposal) -> Proposal:
    return Proposal.objects.select_related("consultation").get(pk=proposal.pk)


def tallies(proposal) -> dict:
    rows = SupportTally.objects.filter(proposal=proposal).values_list("kind", "key", "supports", "invalid")
    return {(kind, key): (valid, invalid) for kind, key, valid, invalid in rows if valid or invalid}


def consistent(*proposals) -> None:
    for proposal in proposals:
        stored = read(proposal)
        assert stored.supports_count == Support.objects.filter(proposal=proposal, invalidation=None).count()
        kept = tallies(proposal)
        tallies_rebuild(proposal_id=proposal.pk)
        assert kept == tallies(proposal)


def supports(proposal, *citizens, where=HOME) -> None:
    for citizen in citizens:
        support_add(user=citizen, proposal=read(proposal), address_hash=where)


@pytest.fixture
def page():
    return factories.consultation(support_threshold=100)


def test_each_citizen_counts_once_and_followers_and_comments_go_along(
    official, page, django_capture_on_commit_callbacks
):
    target, first, second = (factories.ProposalFactory(consultation=page) for _ in range(3))
    ana, ben, cleo, dan = (factories.citizen() for _ in range(4))
    supports(target, ana, ben)
    supports(first, ben, cleo, where=CAFE)
    supports(second, cleo, dan)
    gone = factories.citizen()
    supports(second, gone)
    gone.delete()  # an anonymised support: it comes over as it is
    watcher = factories.citizen()
    Follow.objects.create(user=watcher, proposal=first)
    comment = factories.a_comment(first)
    factories.a_comment(second, visibility=Visibility.HIDDEN)
    factories.a_comment(target)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = proposals_merge(
            actor=official, target=target, sources=[second.pk, first], reason="They say the same."
        )

    rows = Support.objects.filter(proposal=target)
    assert sorted(u for u in rows.values_list("user", flat=True) if u) == sorted(
        c.pk for c in (ana, ben, cleo, dan)
    )
    assert rows.filter(user=None).count() == 1
    assert (result.supports, result.moved, result.dropped) == (5, 3, 2)
    assert not Support.objects.filter(proposal__in=[first, second]).exists()
    consistent(target, first, second)
    stored = read(target)
    assert stored.supports_count == 5 and stored.comments_count == 2
    assert Comment.objects.get(pk=comment.pk).proposal_id == target.pk
    assert Follow.objects.filter(proposal=target, user=watcher).exists()
    assert not Follow.objects.filter(proposal__in=[first, second]).exists()
    for source in (first, second):
        source = read(source)
        assert (source.merged_into_id, source.supports_count, source.comments_count) == (target.pk, 0, 0)
        assert source.merged_at is not None
        [entry] = AuditEntry.objects.filter(proposal=source, action=AuditEntry.Action.MERGED_INTO)
        assert (entry.public, entry.to_value, entry.reason) == (True, str(target.pk), "They say the same.")
    came = AuditEntry.objects.filter(proposal=target, action=AuditEntry.Action.MERGED_FROM)
    assert sorted(came.values_list("from_value", "to_value")) == sorted(
        [(str(first.pk), "1"), (str(second.pk), "2")]
    )
    events = sent(callbacks)
    counts = {e["proposal"]: e["supports"] for e in events if e["type"] == "proposal.support_changed"}
    assert counts == {target.pk: 5, first.pk: 0, second.pk: 0}
    merged = [e for e in events if e["type"] == "proposal.merged"]
    assert {(e["proposal"], e["into"], e["url"]) for e in merged} == {
        (first.pk, target.pk, target.get_absolute_url()),
        (second.pk, target.pk, target.get_absolute_url()),
    }


def test_the_earliest_support_is_kept_with_its_facts_and_its_setting_aside(official, page):
    target, first, second = (factories.ProposalFactory(consultation=page) for _ in range(3))
    cleo, eve = factories.citizen(email="cleo@spam.example"), factories.citizen()
    supports(first, cleo, where=CAFE)
    Support.objects.filter(proposal=first).update(created_at=timezone.now() - timedelta(days=3))
    supports(second, cleo, eve, where=HOME)
    set_aside = supports_invalidate(
        actor=official, proposal=read(first), reason="Spam.", domains=["spam.example"]
    )
    support = Support.objects.get(proposal=first, user=cleo)
    review = SupportReview.objects.create(support=support, message="I am real.")

    result = proposals_merge(actor=official, target=target, sources=[first, second], reason="Duplicates.")

    kept = Support.objects.get(proposal=target, user=cleo)
    assert (kept.address_hash, kept.invalidation_id) == (CAFE, set_aside.invalidation.pk)
    assert kept.created_at < timezone.now() - timedelta(days=2)
    assert SupportReview.objects.get(pk=review.pk).support_id == kept.pk
    assert result.supports == 1  # eve; cleo's support stays set aside
    consistent(target, first, second)


def test_a_citizens_own_support_of_the_target_stays(official, page):
    target, source = (factories.ProposalFactory(consultation=page) for _ in range(2))
    ana = factories.citizen()
    supports(source, ana, where=CAFE)
    Support.objects.filter(proposal=source).update(created_at=timezone.now() - timedelta(days=3))
    supports(target, ana, where=HOME)

    proposals_merge(actor=official, target=target, sources=[source], reason="Duplicates.")

    assert Support.objects.get(user=ana).address_hash == HOME
    consistent(target, source)


def test_the_merge_makes_the_promise_and_a_duplicates_promise_is_withdrawn_publicly(official):
    page = factories.consultation(support_threshold=3, response_deadline_days=30)
    target, source = (factories.ProposalFactory(consultation=page) for _ in range(2))
    people = [factories.citizen() for _ in range(4)]
    supports(target, *people[:2])
    supports(source, *people[1:])
    assert read(source).threshold_reached_at is not None
    assert read(target).threshold_reached_at is None

    result = proposals_merge(actor=official, target=target, sources=[source], reason="Duplicates.")

    assert result.promise_made and result.supports == 4
    target, source = read(target), read(source)
    assert target.threshold_reached_at is not None and target.status == Status.AWAITING_RESPONSE
    assert source.threshold_reached_at is None and source.response_due_at is None
    withdrawn = AuditEntry.objects.get(proposal=source, action=AuditEntry.Action.THRESHOLD_WITHDRAWN)
    assert withdrawn.public and target.title[:20] in withdrawn.reason


def test_the_authors_are_told_in_the_site_and_by_email_in_their_language(
    official, page, django_capture_on_commit_callbacks
):
    english, french = factories.citizen(), factories.citizen(language="fr")
    target = factories.ProposalFactory(consultation=page, title="Longer opening hours", author=english)
    source = factories.ProposalFactory(consultation=page, title="Open the office later", author=french)
    follower = factories.citizen()
    Follow.objects.create(user=follower, proposal=source)

    with django_capture_on_commit_callbacks(execute=True):
        proposals_merge(actor=official, target=target, sources=[source], reason="The same idea.")

    told = Notification.objects.select_related("entry").exclude(recipient=follower)
    assert {(n.recipient_id, n.entry.action) for n in told} == {
        (french.pk, AuditEntry.Action.MERGED_INTO),
        (english.pk, AuditEntry.Action.MERGED_FROM),
    }
    texts = {n.recipient_id: notification_text(n) for n in told}
    assert "Longer opening hours" in texts[french.pk] and "The same idea." in texts[french.pk]
    assert "Open the office later" in texts[english.pk]
    [to_english] = [m for m in mail.outbox if m.to == [english.email]]
    assert "A duplicate was merged into your proposal" in to_english.subject
    assert "Open the office later" in to_english.body and target.get_absolute_url() in to_english.body
    [to_french] = [m for m in mail.outbox if m.to == [french.email]]
    assert "fusionnée" in to_french.subject
    assert "Longer opening hours" in to_french.body and "The same idea." in to_french.body
    assert {m.to[0] for m in mail.outbox} == {english.email, french.email, follower.email}


def test_the_duplicates_followers_are_told_where_it_went_as_they_chose(
    official, page, django_capture_on_commit_callbacks
):
    target = factories.ProposalFactory(consultation=page, title="Longer opening hours")
    source = factories.ProposalFactory(consultation=page, title="Open the office later")
    french, daily, silent = factories.citizen(language="fr"), factories.citizen(), factories.citizen()
    daily.email_status, silent.email_status = "daily", "none"
    daily.save(), silent.save()
    # The duplicate's author and the official who merged follow it too: neither is told as a follower.
    followers = [french, daily, silent, source.author, target.author, official]
    Follow.objects.bulk_create(Follow(user=user, proposal=source) for user in followers)

    with django_capture_on_commit_callbacks(execute=True):
        proposals_merge(actor=official, target=target, sources=[source], reason="The same idea.")

    told = Notification.objects.select_related("entry__proposal").order_by("recipient_id")
    came = AuditEntry.objects.get(proposal=target, action=AuditEntry.Action.MERGED_FROM)
    into = AuditEntry.objects.get(proposal=source, action=AuditEntry.Action.MERGED_INTO)
    assert sorted((n.recipient_id, n.entry_id) for n in told) == sorted(
        [(u.pk, came.pk) for u in (french, daily, silent, target.author)] + [(source.author_id, into.pk)]
    )
    text = notification_text(told.get(recipient=daily))
    assert text == (
        "“Open the office later”, which you follow, was merged into “Longer opening hours”: you follow "
        "that one now. Reason: The same idea."
    )
    assert notification_url(told.get(recipient=daily)) == target.get_absolute_url()
    # E-mailed at once to who wants status changes at once, in their language; later in the summary of
    # who wants them daily; never to who wants none.
    [to_french] = [m for m in mail.outbox if m.to == [french.email]]
    assert "fusionnée dans une autre proposition" in to_french.subject
    assert "que vous suivez" in to_french.body and target.get_absolute_url() in to_french.body
    assert not [m for m in mail.outbox if m.to[0] in (daily.email, silent.email, official.email)]
    assert len([m for m in mail.outbox if m.to == [source.author.email]]) == 1
    mail.outbox.clear()
    citizen_digests_send(period="daily")
    [summary] = mail.outbox
    assert summary.to == [daily.email] and "which you follow, was merged into" in summary.body


def test_a_merged_proposal_takes_no_support_withdrawal_comment_or_edit(official, page):
    target, source = (factories.ProposalFactory(consultation=page) for _ in range(2))
    ana, ben = factories.citizen(), factories.citizen()
    supports(source, ana)
    proposals_merge(actor=official, target=target, sources=[source], reason="Duplicates.")
    source = read(source)

    for attempt in (
        lambda: support_add(user=ben, proposal=source),
        lambda: support_withdraw(user=ana, proposal=source),
        lambda: comment_post(author=ben, proposal=source, body="Still here?"),
        lambda: proposal_edit(actor=source.author, proposal=source, title="A new title"),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == "proposal_merged"
    # Supporting the target again changes nothing: the support came over.
    assert support_add(user=ana, proposal=read(target)).changed is False
    assert read(target).supports_count == 1


def test_a_support_that_read_the_proposal_before_the_merge_is_refused_by_the_count(official, page):
    target, source = (factories.ProposalFactory(consultation=page) for _ in range(2))
    stale = read(source)  # read before the merge, as a request in flight did
    proposals_merge(actor=official, target=target, sources=[source], reason="Duplicates.")
    from votes import services

    # Past the request's own check (on its stale copy), the count's UPDATE refuses it.
    with pytest.raises(Conflict) as refused:
        services._run_batch([services._Change(add=True, user=factories.citizen(), proposal=stale)])
    assert refused.value.code == "proposal_merged"
    assert not Support.objects.filter(proposal=source).exists()


@pytest.mark.parametrize("who", ["citizen", "moderator", "official_without_second_factor"])
def test_only_officials_with_their_second_factor_merge(page, who):
    actor = {
        "citizen": factories.citizen,
        "moderator": factories.moderator,
        "official_without_second_factor": lambda: factories.official(second_factor=False),
    }[who]()
    target, source = (factories.ProposalFactory(consultation=page) for _ in range(2))
    with pytest.raises(NotAllowed):
        proposals_merge(actor=actor, target=target, sources=[source], reason="Duplicates.")
    assert read(source).merged_into_id is None


def test_refusals_say_what_is_wrong_and_write_nothing(official, page):
    target, source = (factories.ProposalFactory(consultation=page) for _ in range(2))
    elsewhere = factories.ProposalFactory()
    hidden = factories.ProposalFactory(consultation=page, visibility=Visibility.HIDDEN)
    cases = [
        ({"sources": [], "reason": "x"}, ServiceError, "invalid"),
        ({"sources": [target.pk], "reason": "x"}, ServiceError, "invalid"),
        ({"sources": ["abc"], "reason": "x"}, ServiceError, "invalid"),
        ({"sources": [source], "reason": "  "}, ServiceError, "invalid"),
        ({"sources": [source], "reason": "x" * 501}, ServiceError, "invalid"),
        ({"sources": [999_999], "reason": "x"}, NotFound, "source_not_found"),
        ({"sources": [elsewhere], "reason": "x"}, Conflict, "other_consultation"),
        ({"sources": [hidden], "reason": "x"}, Conflict, "source_not_published"),
    ]
    for arguments, error, code in cases:
        with pytest.raises(error) as refused:
            proposals_merge(actor=official, target=target, **arguments)
        assert refused.value.code == code, arguments
    proposals_merge(actor=official, target=target, sources=[source], reason="Duplicates.")
    with pytest.raises(Conflict) as again:
        proposals_merge(actor=official, target=target, sources=[source], reason="Again.")
    assert again.value.code == "source_merged"
    other = factories.ProposalFactory(consultation=page)
    with pytest.raises(Conflict) as into_merged:
        proposals_merge(actor=official, target=source, sources=[other], reason="Into a merged one.")
    assert into_merged.value.code == "proposal_merged"
    proposal_withdraw(actor=target.author, proposal=target, reason="Changed my mind.")
    with pytest.raises(Conflict) as into_withdrawn:
        proposals_merge(actor=official, target=target, sources=[other], reason="Into a withdrawn one.")
    assert into_withdrawn.value.code == "proposal_withdrawn"
    with pytest.raises(Conflict) as into_hidden:
        proposals_merge(actor=official, target=hidden, sources=[other], reason="Into a hidden one.")
    assert into_hidden.value.code == "proposal_not_published"
    assert read(other).merged_into_id is None
    assert AuditEntry.objects.filter(action=AuditEntry.Action.MERGED_INTO).count() == 1


def test_on_another_database_a_merge_is_refused_in_so_many_words(official, page, monkeypatch):
    from django.db import connection

    target, source = (factories.ProposalFactory(consultation=page) for _ in range(2))
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the demo's database: no DISTINCT ON, no locks
    with pytest.raises(Conflict) as refused:
        proposals_merge(actor=official, target=target, sources=[source], reason="Duplicates.")
    assert refused.value.code == "merge_unavailable"
    assert read(source).merged_into_id is None
