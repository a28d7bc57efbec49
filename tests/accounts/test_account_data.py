"""A person's own data: the export is complete and only theirs; deleting an account keeps proposals,
comments and supports (anonymised) and every count exact."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from cms.models import ConsultationStage
from cocreate.accounts.services import account_delete, account_export
from cocreate.exceptions import NotAllowed, ServiceError
from proposals import notifications
from proposals.models import (
    AuditEntry,
    Comment,
    Flag,
    Follow,
    Notification,
    Proposal,
    ProposalCoauthor,
    Visibility,
)
from proposals.services import (
    checkin_save,
    comment_helpful_mark,
    comment_post,
    declared_area_set,
    draft_save,
    flag_create,
    proposal_moderate,
    proposal_set_status,
)
from tests.support import factories
from votes.models import Support
from votes.services import support_add, support_withdraw

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _counts_exact():
    for proposal in Proposal.objects.all():
        assert proposal.supports_count == Support.objects.filter(proposal=proposal).count(), proposal


def test_export_holds_everything_about_the_person_and_nothing_of_others(citizen, consultation):
    other = factories.citizen()
    mine = factories.ProposalFactory(author=citizen, consultation=consultation, title="Mine")
    hidden = factories.ProposalFactory(
        author=citizen, consultation=consultation, visibility=Visibility.HIDDEN, moderation_reason="Off topic"
    )
    theirs = factories.ProposalFactory(author=other, consultation=consultation, title="Theirs")
    support_add(user=citizen, proposal=theirs)
    support_add(user=other, proposal=mine)
    comment_post(author=citizen, proposal=theirs, body="My <b>comment</b>")
    comment_post(author=other, proposal=theirs, body="Not mine")
    flag_create(reporter=citizen, proposal=theirs, reason="spam", details="ads")

    data = account_export(user=citizen)

    account = data["account"]
    assert account["username"] == citizen.username
    assert account["emails"] == [{"email": citizen.email, "verified": True, "primary": True}]
    assert account["api_token"] is False
    assert {p["id"] for p in data["proposals"]} == {mine.pk, hidden.pk}
    assert [p["moderation_reason"] for p in data["proposals"] if p["id"] == hidden.pk] == ["Off topic"]
    assert [s["proposal"]["title"] for s in data["supports"]] == ["Theirs"]
    assert [c["body"] for c in data["comments"]] == ["My <b>comment</b>"]
    assert [f["proposal"]["id"] for f in data["follows"]] == [theirs.pk]  # supporting follows
    assert [r["reason"] for r in data["reports"]] == ["spam"]
    assert "Not mine" not in str(data) and other.email not in str(data)


def test_notifications_are_exported(citizen, consultation, official):
    proposal = factories.ProposalFactory(consultation=consultation)
    notifications.follow_add(user=citizen, proposal=proposal)
    proposal_set_status(actor=official, proposal=proposal, status="under_review")

    data = account_export(user=citizen)

    assert Notification.objects.filter(recipient=citizen).exists()
    assert [n["proposal"]["id"] for n in data["notifications"]] == [proposal.pk]


def test_deleting_keeps_contributions_and_drops_personal_rows(citizen, consultation):
    proposal = factories.ProposalFactory(author=citizen, consultation=consultation)
    other = factories.ProposalFactory(consultation=consultation)
    support_add(user=citizen, proposal=other)
    comment = comment_post(author=citizen, proposal=other, body="Kept")
    flag_create(reporter=citizen, proposal=other, reason="spam")

    account_delete(user=citizen, password=PASSWORD)

    assert not get_user_model().objects.filter(pk=citizen.pk).exists()
    proposal.refresh_from_db()
    assert proposal.author is None
    assert Comment.objects.get(pk=comment.pk).author is None
    assert Support.objects.filter(proposal=other, user=None).count() == 1
    assert not Follow.objects.filter(proposal=other).exists()
    assert not Flag.objects.exists()
    _counts_exact()


def test_wrong_password_deletes_nothing(citizen):
    with pytest.raises(ServiceError) as refused:
        account_delete(user=citizen, password="nope")
    assert "password" in refused.value.fields
    assert get_user_model().objects.filter(pk=citizen.pk).exists()


def test_account_without_password_confirms_with_username():
    person = factories.citizen()
    person.set_unusable_password()
    person.save()
    with pytest.raises(ServiceError):
        account_delete(user=person, username="someone-else")
    account_delete(user=person, username=person.username)
    assert not get_user_model().objects.filter(pk=person.pk).exists()


@pytest.mark.parametrize("make", [factories.moderator, factories.official])
def test_role_holders_are_refused(make):
    holder = make()
    with pytest.raises(NotAllowed):
        account_delete(user=holder, password=PASSWORD)
    assert get_user_model().objects.filter(pk=holder.pk).exists()


def test_superuser_is_refused():
    admin = factories.citizen(is_superuser=True, is_staff=True)
    with pytest.raises(NotAllowed):
        account_delete(user=admin, password=PASSWORD)


def test_counts_stay_exact_through_deletions_then_new_supports_and_withdrawals(consultation):
    proposals = [factories.ProposalFactory(consultation=consultation) for _ in range(2)]
    leaving = [factories.citizen() for _ in range(3)]
    staying = factories.citizen()
    for person in leaving + [staying]:
        for proposal in proposals:
            support_add(user=person, proposal=proposal)

    for person in leaving:
        account_delete(user=person, password=PASSWORD)

    _counts_exact()
    assert [Proposal.objects.get(pk=p.pk).supports_count for p in proposals] == [4, 4]
    assert Support.objects.filter(user=None).count() == 6

    newcomer = factories.citizen()
    assert support_add(user=newcomer, proposal=proposals[0]).supports == 5
    assert support_add(user=newcomer, proposal=proposals[0]).changed is False  # still one per citizen
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(user=newcomer, proposal=proposals[0])
    assert support_withdraw(user=staying, proposal=proposals[0]).supports == 4
    assert support_withdraw(user=staying, proposal=proposals[0]).changed is False
    _counts_exact()


def test_audit_entries_of_a_departed_official_keep_the_name(consultation):
    official = factories.official(first_name="Ada", last_name="Lovelace")
    proposal = factories.ProposalFactory(consultation=consultation)
    proposal_set_status(actor=official, proposal=proposal, status="under_review")
    name = AuditEntry.objects.get(proposal=proposal).actor_name
    assert name

    official.groups.clear()  # an administrator removes the role first
    official = get_user_model().objects.get(pk=official.pk)
    account_delete(user=official, password=PASSWORD)

    entry = AuditEntry.objects.get(proposal=proposal)
    assert entry.actor is None and entry.actor_name == name


def test_a_moderated_proposal_of_a_departed_author_keeps_its_audit(consultation, moderator):
    author = factories.citizen()
    proposal = factories.ProposalFactory(author=author, consultation=consultation)
    proposal_moderate(actor=moderator, proposal=proposal, action="hide", reason="Spam")

    account_delete(user=author, password=PASSWORD)

    assert AuditEntry.objects.filter(proposal=proposal).count() == 1


SECTIONS = [
    "proposals", "supports", "comments", "follows", "notifications", "reports", "checkins", "helpful",
    "drafts", "declared_areas", "coauthors",
]  # fmt: skip


def test_export_keeps_its_layout_section_by_section(citizen, consultation, official):
    """The file is a format (its `format` number): each section and each field stays where it was, whichever
    app fills it in."""
    theirs = factories.ProposalFactory(consultation=consultation)
    factories.ProposalFactory(author=citizen, consultation=consultation)
    support_add(user=citizen, proposal=theirs)  # supporting follows
    comment_post(author=citizen, proposal=theirs, body="Mine")
    flag_create(reporter=citizen, proposal=theirs, reason="spam")
    proposal_set_status(actor=official, proposal=theirs, status="under_review")  # notifies the follower
    comment_helpful_mark(
        user=citizen, comment=comment_post(author=factories.citizen(), proposal=theirs, body="Yes")
    )
    stage = ConsultationStage.objects.create(page=consultation, name="Apply", slug="apply")
    checkin_save(
        author=citizen,
        consultation=consultation,
        stage_id=stage.pk,
        frustration=2,
        motivation=4,
        gave_up=False,
    )
    draft_save(author=citizen, consultation=consultation, title="Unfinished")
    districts = factories.area_set("North", consultations=[consultation])
    declared_area_set(user=citizen, area_set_id=districts.pk, area_id=districts.areas.get().pk)
    ProposalCoauthor.objects.create(  # accepted: written straight, its invitation notice aside
        proposal=theirs, email=citizen.email, address=citizen.email, user=citizen, state="accepted",
        responded_at=theirs.created_at,
    )  # fmt: skip

    data = account_export(user=citizen)

    assert list(data) == ["format", "exported_at", "account", *SECTIONS]
    assert {name: [list(row) for row in data[name]] for name in SECTIONS} == {
        "proposals": [
            [
                "id", "consultation", "category", "stage", "title", "summary", "body", "language",
                "visibility", "moderation_reason", "status", "supports", "created_at", "published_at",
                "area",
            ]
        ],
        "supports": [
            ["proposal", "created_at", "set_aside", "email_domain", "joined_on", "address_hash"]
        ],
        "comments": [
            [
                "id", "proposal", "parent", "body", "language", "visibility", "moderation_reason",
                "pending_edit", "pending_edit_at", "edit_rejection_reason", "created_at", "edited_at",
                "deleted_at",
            ]
        ],
        "follows": [["proposal", "created_at"]],
        "notifications": [["proposal", "action", "from", "to", "created_at", "read_at", "emailed_at"]],
        "reports": [["proposal", "comment", "reason", "details", "created_at", "resolved_at"]],
        "checkins": [
            [
                "id", "consultation", "stage", "frustration", "motivation", "gave_up", "story", "language",
                "visibility", "moderation_reason", "day", "created_at", "updated_at",
            ]
        ],
        "helpful": [["comment", "proposal", "created_at"]],
        "drafts": [
            [
                "id", "consultation", "category", "stage", "title", "summary", "body", "created_at",
                "updated_at", "area",
            ]
        ],
        "declared_areas": [["area_set", "area", "declared_at"]],
        "coauthors": [["proposal", "invited_by", "address", "state", "created_at", "responded_at"]],
    }  # fmt: skip
    assert set(data["account"]["email_frequencies"]) == {
        "status",
        "response",
        "threshold",
        "milestone",
        "comments",
    }


def test_a_proposal_hidden_since_is_named_by_its_id_alone_in_every_section(citizen, consultation, official):
    theirs = factories.ProposalFactory(consultation=consultation, title="Theirs")
    support_add(user=citizen, proposal=theirs)  # supporting follows
    comment_post(author=citizen, proposal=theirs, body="Mine")
    proposal_set_status(actor=official, proposal=theirs, status="under_review")  # notifies the follower
    proposal_moderate(actor=official, proposal=theirs, action="hide", reason="Spam")

    data = account_export(user=citizen)

    sections = ("supports", "comments", "follows", "notifications")
    named = [row["proposal"] for name in sections for row in data[name]]
    assert named == [{"id": theirs.pk, "title": None}] * 4


def test_staff_accounts_are_refused_too():
    staff = factories.citizen(is_staff=True)
    with pytest.raises(NotAllowed) as refused:
        account_delete(user=staff, password=PASSWORD)
    assert refused.value.code == "account_has_role"
    assert get_user_model().objects.filter(pk=staff.pk).exists()


def test_helpful_marks_and_the_comments_choice_are_exported(citizen, consultation):
    theirs = factories.ProposalFactory(consultation=consultation, title="Theirs")
    hidden = factories.ProposalFactory(consultation=consultation, title="Hidden since")
    first = comment_post(author=factories.citizen(), proposal=theirs, body="Someone else's words")
    second = comment_post(author=factories.citizen(), proposal=hidden, body="More words")
    comment_helpful_mark(user=citizen, comment=first)
    comment_helpful_mark(user=citizen, comment=second)
    comment_helpful_mark(user=factories.citizen(), comment=first)  # not theirs
    Proposal.objects.filter(pk=hidden.pk).update(visibility=Visibility.HIDDEN)
    notifications.email_settings_set(
        user=citizen, email_notifications=True, frequencies={"comments": "weekly"}
    )

    data = account_export(user=citizen)

    assert [(m["comment"], m["proposal"]) for m in data["helpful"]] == [
        (first.pk, {"id": theirs.pk, "title": "Theirs"}),
        (second.pk, {"id": hidden.pk, "title": None}),
    ]
    assert all(m["created_at"] for m in data["helpful"])
    assert "Someone else's words" not in str(data)
    assert data["account"]["email_frequencies"]["comments"] == "weekly"
    assert account_export(user=factories.citizen())["helpful"] == []


def test_drafts_are_exported_whole_and_only_the_person_s(citizen, consultation):
    draft_save(author=citizen, consultation=consultation, title="Mine", summary="Short.", body="<b>Why</b>")
    draft_save(author=factories.citizen(), consultation=consultation, title="Theirs")

    drafts = account_export(user=citizen)["drafts"]

    assert [(d["title"], d["summary"], d["body"], d["category"]) for d in drafts] == [
        ("Mine", "Short.", "<b>Why</b>", None)
    ]
    assert drafts[0]["consultation"] == {"id": consultation.pk, "title": consultation.title}
    assert drafts[0]["updated_at"] is not None
