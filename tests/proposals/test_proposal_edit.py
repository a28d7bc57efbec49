"""The author edits their proposal: until the first support from someone else, then for
PROPOSAL_EDIT_WINDOW_MINUTES; never someone else, never once hidden or closed. Every version is kept, the
public history compares them word by word, and open pages and search follow."""

from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchQuery
from django.utils import timezone

from cms.models import ModerationMode
from cocreate.exceptions import Conflict, NotAllowed, ServiceError
from proposals import versions
from proposals.models import Proposal, ProposalVersion, Visibility
from proposals.services import proposal_edit, proposal_moderate, proposal_submit
from tests.support import factories
from tests.support.broadcasts import broadcast_events
from votes.models import Support
from votes.services import support_add, support_withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(citizen, consultation):
    return proposal_submit(
        author=citizen,
        consultation=consultation,
        title="Let people book a call back",
        summary="No queue on the phone.",
        body="Details.",
    )


def supported_by_other(proposal, minutes_ago: float = 0):
    supporter = factories.citizen()
    support_add(user=supporter, proposal=proposal)
    Support.objects.filter(user=supporter).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return supporter


def test_author_edits_and_every_version_is_kept(citizen, proposal):
    proposal_edit(actor=citizen, proposal=proposal, title="Let people book a call back online")
    proposal_edit(actor=citizen, proposal=proposal, body="More details.")
    proposal.refresh_from_db()
    assert (proposal.title, proposal.summary, proposal.body) == (
        "Let people book a call back online",
        "No queue on the phone.",
        "More details.",
    )
    assert list(ProposalVersion.objects.filter(proposal=proposal).values_list("title", "body")) == [
        ("Let people book a call back", "Details."),
        ("Let people book a call back online", "Details."),
        ("Let people book a call back online", "More details."),
    ]
    assert set(ProposalVersion.objects.values_list("author", flat=True)) == {citizen.pk}


def test_the_same_text_writes_nothing(citizen, proposal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        proposal_edit(actor=citizen, proposal=proposal, title="  Let people book a call back ")
    assert ProposalVersion.objects.count() == 1
    assert broadcast_events(callbacks) == []


def test_an_empty_field_is_refused_and_nothing_written(citizen, proposal):
    with pytest.raises(ServiceError) as refused:
        proposal_edit(actor=citizen, proposal=proposal, title=" ", summary="x" * 501)
    assert set(refused.value.fields) == {"title", "summary"}
    proposal.refresh_from_db()
    assert proposal.title == "Let people book a call back"
    assert ProposalVersion.objects.count() == 1


@pytest.mark.parametrize("who", ["other citizen", "moderator", "official", "superuser"])
def test_nobody_but_the_author_edits(who, proposal):
    actor = {
        "other citizen": factories.citizen,
        "moderator": factories.moderator,
        "official": factories.official,
        "superuser": lambda: factories.citizen(is_superuser=True, is_staff=True),
    }[who]()
    with pytest.raises(NotAllowed) as refused:
        proposal_edit(actor=actor, proposal=proposal, title="Something else")
    assert refused.value.code == "not_author"
    proposal.refresh_from_db()
    assert proposal.title == "Let people book a call back"


def test_the_authors_own_support_does_not_start_the_window(citizen, proposal):
    support_add(user=citizen, proposal=proposal)
    Support.objects.update(created_at=timezone.now() - timedelta(days=3))
    proposal.refresh_from_db()
    assert versions.first_other_support_at(proposal=proposal) is None
    proposal_edit(actor=citizen, proposal=proposal, title="Still mine to change")


def test_within_the_window_after_the_first_support_from_someone_else(citizen, proposal, settings):
    settings.PROPOSAL_EDIT_WINDOW_MINUTES = 60
    supported_by_other(proposal, minutes_ago=59)
    proposal_edit(actor=citizen, proposal=proposal, title="Changed in time")
    proposal.refresh_from_db()
    assert proposal.title == "Changed in time"


def test_after_the_window_the_edit_is_refused(citizen, proposal, settings):
    settings.PROPOSAL_EDIT_WINDOW_MINUTES = 60
    supported_by_other(proposal, minutes_ago=61)
    supported_by_other(proposal, minutes_ago=1)  # a later support does not open it again
    with pytest.raises(Conflict) as refused:
        proposal_edit(actor=citizen, proposal=proposal, title="Too late")
    assert refused.value.code == "edit_window_closed"
    assert "60" in refused.value.message
    proposal.refresh_from_db()
    assert proposal.title == "Let people book a call back"


def test_once_the_others_withdraw_their_support_the_author_may_edit_again(citizen, proposal, settings):
    settings.PROPOSAL_EDIT_WINDOW_MINUTES = 60
    supporter = supported_by_other(proposal, minutes_ago=120)
    with pytest.raises(Conflict):
        proposal_edit(actor=citizen, proposal=proposal, title="Too late")
    support_withdraw(user=supporter, proposal=proposal)
    proposal_edit(actor=citizen, proposal=proposal, title="Nobody else supports it now")


def test_a_support_of_a_deleted_account_is_someone_elses(citizen, proposal, settings):
    settings.PROPOSAL_EDIT_WINDOW_MINUTES = 60
    supporter = supported_by_other(proposal, minutes_ago=120)
    supporter.delete()
    proposal.refresh_from_db()
    with pytest.raises(Conflict):
        proposal_edit(actor=citizen, proposal=proposal, title="Too late")


def test_a_hidden_proposal_keeps_the_text_its_moderator_judged(citizen, proposal, moderator):
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Insults.")
    with pytest.raises(Conflict) as refused:
        proposal_edit(actor=citizen, proposal=proposal, title="Nicer now")
    assert refused.value.code == "proposal_hidden"


def test_a_closed_consultation_fixes_the_text(citizen):
    proposal = factories.ProposalFactory(author=citizen, consultation=factories.consultation(open_now=False))
    with pytest.raises(Conflict) as refused:
        proposal_edit(actor=citizen, proposal=proposal, title="Too late")
    assert refused.value.code == "consultation_closed"


def test_a_proposal_from_before_versions_keeps_its_original_as_first_version(citizen):
    proposal = factories.ProposalFactory(author=citizen, title="Before", summary="S", body="B")
    assert not ProposalVersion.objects.exists()
    proposal_edit(actor=citizen, proposal=proposal, title="After")
    first, second = ProposalVersion.objects.all()
    assert (first.title, first.created_at) == ("Before", proposal.published_at)
    assert second.title == "After"


def test_a_card_change_goes_live_and_search_follows(citizen, proposal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        proposal_edit(actor=citizen, proposal=proposal, summary="No queue, <b>ever</b>.")
    [event] = broadcast_events(callbacks)
    assert event == {
        "type": "proposal.edited",
        "proposal": proposal.pk,
        "title": "Let people book a call back",
        "summary": "No queue, <b>ever</b>.",
    }
    # Search reads the new text (the vectors follow by the table's trigger).
    assert Proposal.objects.filter(search_en=SearchQuery("ever", config="cocreate_en")).exists()


def test_an_edit_of_the_details_alone_sends_no_card_event(
    citizen, proposal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        proposal_edit(actor=citizen, proposal=proposal, body="Other details.")
    assert broadcast_events(callbacks) == []
    assert ProposalVersion.objects.count() == 2


def test_pre_moderation_an_edit_of_a_published_proposal_goes_back_to_review(
    citizen, moderator, django_capture_on_commit_callbacks
):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    proposal = proposal_submit(author=citizen, consultation=consultation, title="T", summary="S", body="B")
    proposal = proposal_moderate(actor=moderator, proposal=proposal, action="approve")
    supported_by_other(proposal)
    with django_capture_on_commit_callbacks() as callbacks:
        proposal = proposal_edit(actor=citizen, proposal=proposal, title="T, changed")
    assert proposal.visibility == Visibility.PENDING
    assert [e["type"] for e in broadcast_events(callbacks)] == ["proposal.hidden"]
    proposal.refresh_from_db()
    assert proposal.supports_count == 1  # kept, counted again once approved
    with django_capture_on_commit_callbacks() as callbacks:
        proposal_moderate(actor=moderator, proposal=proposal, action="approve")
    [published] = broadcast_events(callbacks)
    assert published["proposal"]["title"] == "T, changed"
    assert len(versions.published_revisions(proposal=Proposal.objects.get(pk=proposal.pk))) == 1


def test_pre_moderation_edits_while_waiting_stay_waiting_and_out_of_the_history(citizen, moderator):
    consultation = factories.consultation(moderation=ModerationMode.PRE)
    proposal = proposal_submit(author=citizen, consultation=consultation, title="T", summary="S", body="B")
    proposal = proposal_edit(actor=citizen, proposal=proposal, title="T2")
    assert proposal.visibility == Visibility.PENDING
    proposal_moderate(actor=moderator, proposal=proposal, action="approve")
    assert versions.published_revisions(proposal=Proposal.objects.get(pk=proposal.pk)) == []


# The public history


def test_published_revisions_compare_each_edit_with_the_one_before(citizen, proposal):
    proposal_edit(actor=citizen, proposal=proposal, title="Let people book a video call back")
    proposal_edit(actor=citizen, proposal=proposal, summary="No queue.", body="New.")
    proposal.refresh_from_db()
    first, second = versions.published_revisions(proposal=proposal)
    assert first.title == [("same", "Let people book a "), ("ins", "video "), ("same", "call back")]
    assert first.summary == [] and not first.body_changed
    assert second.title == []
    assert second.summary == [("same", "No "), ("del", "queue on the phone."), ("ins", "queue.")]
    assert second.body_changed


def test_word_diff_reads_as_both_texts():
    pieces = versions.word_diff("Open the office on Saturday", "Open the offices on Sunday mornings")
    assert "".join(t for k, t in pieces if k != "ins") == "Open the office on Saturday"
    assert "".join(t for k, t in pieces if k != "del") == "Open the offices on Sunday mornings"
    assert ("del", "office") in pieces and ("ins", "offices") in pieces
