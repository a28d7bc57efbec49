"""GET /api/v1/proposals/{id}/history/: the public history for everyone who may see the proposal; every
entry, moderation included, for moderators and officials."""

import pytest

from proposals.models import Status
from proposals.services import (
    flag_create,
    flags_dismiss,
    proposal_moderate,
    proposal_set_status,
    response_publish,
)
from proposals.services.comments import comment_moderate
from tests.support import factories
from tests.support.api import assert_error, client_for
from tests.support.factories import a_comment
from votes.merging import proposals_merge
from votes.services import support_add

pytestmark = pytest.mark.django_db


def url(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/history/"


@pytest.fixture
def story():
    """A proposal that reached its threshold, was reported and hidden for a while, got a status with a
    note, and an official response with a decision; one of its comments was hidden."""
    official = factories.official(first_name="Claire", last_name="Martin")
    moderator = factories.moderator(first_name="Sam", last_name="Keeper")
    proposal = factories.ProposalFactory(consultation=factories.consultation(support_threshold=1))
    support_add(user=factories.citizen(), proposal=proposal)
    flag_create(reporter=factories.citizen(), proposal=proposal, reason="spam")
    flags_dismiss(actor=moderator, proposal=proposal, reason="Not spam.")
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Names a person.")
    proposal_moderate(actor=moderator, proposal=proposal, action="restore")
    comment_moderate(actor=moderator, comment=a_comment(proposal), action="hide", reason="Insults.")
    proposal_set_status(
        actor=official, proposal=proposal, status=Status.UNDER_REVIEW, note="<b>Costing</b> it."
    )
    response = response_publish(actor=official, proposal=proposal, body="Yes.", decision=Status.ACCEPTED)
    return proposal, response


PUBLIC = [
    ("threshold_reached", "The platform", "platform"),
    ("status_changed", "The platform", "platform"),
    ("status_changed", "Claire Martin", "official"),
    ("response_published", "Claire Martin", "official"),
    ("status_changed", "Claire Martin", "official"),
]


@pytest.mark.parametrize("role", ["anonymous", "unverified_citizen", "citizen"])
def test_everyone_reads_the_public_history_oldest_first(as_role, story, role):
    proposal, response = story
    _user, client = as_role(role)

    result = client.get(url(proposal))

    assert result.status_code == 200
    entries = result.json()
    assert [(e["action"], e["actor_name"], e["actor_role"]) for e in entries] == PUBLIC
    assert all(e["public"] for e in entries)
    threshold, automatic, review, published, decided = entries
    assert threshold["to_value"] == "1" and threshold["action_label"] == "Support threshold reached"
    assert (automatic["from_label"], automatic["to_label"]) == (
        "Open for support",
        "Awaiting an official response",
    )
    assert review["reason"] == "<b>Costing</b> it."  # raw text in JSON: escaping is the reader's job
    assert review["actor_role_label"] == "Official"
    assert published["response"] == decided["response"] == response.pk
    assert (decided["from_value"], decided["to_value"]) == ("under_review", "accepted")
    assert set(threshold) == {
        "id",
        "action",
        "action_label",
        "created_at",
        "actor_name",
        "actor_role",
        "actor_role_label",
        "from_value",
        "from_label",
        "to_value",
        "to_label",
        "reason",
        "response",
        "comment",
        "milestone",
        "public",
    }


@pytest.mark.parametrize("role", ["moderator", "official", "superuser"])
def test_moderators_and_officials_read_every_entry(as_role, story, role):
    proposal, _response = story
    _user, client = as_role(role)

    entries = client.get(url(proposal)).json()

    assert [(e["action"], e["public"]) for e in entries] == [
        ("threshold_reached", True),
        ("status_changed", True),
        ("flags_dismissed", False),
        ("hidden", False),
        ("restored", False),
        ("hidden", False),
        ("status_changed", True),
        ("response_published", True),
        ("status_changed", True),
    ]
    dismissed, hidden, restored, comment_hidden = entries[2:6]
    assert (dismissed["actor_name"], dismissed["actor_role"], dismissed["reason"]) == (
        "Sam Keeper",
        "moderator",
        "Not spam.",
    )
    assert (hidden["reason"], hidden["from_label"], hidden["to_label"]) == (
        "Names a person.",
        "Published",
        "Hidden by moderation",
    )
    assert restored["comment"] is None and comment_hidden["comment"] is not None
    assert comment_hidden["reason"] == "Insults."


def test_a_hidden_proposal_is_404_for_others_and_its_author_reads_the_public_part(story):
    proposal, _response = story
    proposal_moderate(actor=factories.moderator(), proposal=proposal, action="hide", reason="Again.")
    for user in (None, factories.citizen()):
        assert_error(client_for(user).get(url(proposal)), 404, "not_found")
    entries = client_for(proposal.author).get(url(proposal)).json()
    assert [e["action"] for e in entries] == [action for action, _name, _role in PUBLIC]


def test_an_unknown_proposal_is_404(api):
    assert_error(api.get("/api/v1/proposals/987654/history/"), 404, "not_found")


def test_a_proposal_without_history_is_an_empty_list(api, consultation):
    assert api.get(url(factories.ProposalFactory(consultation=consultation))).json() == []


def test_the_history_is_read_only(as_role, story):
    proposal, _response = story
    _user, client = as_role("official")
    for method in ("post", "put", "patch", "delete"):
        assert_error(getattr(client, method)(url(proposal), {}, format="json"), 405, "method_not_allowed")


def test_the_moderation_of_comments_merged_in_from_a_duplicate_is_in_the_targets_history():
    """A merge moves the duplicate's comments; the record of their moderation comes with them."""
    consultation = factories.consultation()
    target, duplicate = (factories.ProposalFactory(consultation=consultation) for _ in range(2))
    moderator = factories.moderator()
    comment_moderate(actor=moderator, comment=a_comment(duplicate), action="hide", reason="Insults.")
    proposals_merge(actor=factories.official(), target=target, sources=[duplicate.pk], reason="The same.")

    entries = client_for(moderator).get(url(target)).json()
    hidden = [e for e in entries if e["action"] == "hidden"]
    assert [(e["reason"], e["public"]) for e in hidden] == [("Insults.", False)]
    assert [e["action"] for e in client_for(None).get(url(target)).json()] == ["merged_from"]
