"""Co-authors: the first author invites an address (an e-mail goes to it whoever has it, a notice in the
site to the account whose confirmed address it is), up to PROPOSAL_COAUTHORS_MAX; the owner of that
confirmed address accepts or declines; co-authors edit under the author's rules, never withdraw; joining
and leaving are in the public history."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from cocreate.accounts.services import account_delete
from cocreate.exceptions import Conflict, NotAllowed, NotFound, ServiceError
from proposals import permissions, versions
from proposals.account_data import account_export
from proposals.attachments import prepare_pdf
from proposals.coauthor_selectors import invitations_waiting
from proposals.models import AuditEntry, Notification, Proposal, ProposalCoauthor, Visibility
from proposals.services import attachment_remove, attachments_add, proposal_edit, proposal_withdraw
from proposals.services.coauthors import coauthor_invite, coauthor_remove, coauthor_respond, invitation_for
from tests.support import factories, files
from tests.support.db import race
from votes.services import support_add

pytestmark = pytest.mark.django_db


def invite(author, proposal, email, callbacks=None):
    return coauthor_invite(actor=author, proposal=proposal, email=email)


def test_an_invitation_mails_the_address_and_tells_its_account_in_the_site(
    author, proposal, ben, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = invite(author, proposal, "  Ben@Example.org ")
    assert (row.email, row.address, row.state, row.user) == (
        "ben@example.org",
        "Ben@Example.org",
        "invited",
        None,
    )
    [mail] = mailoutbox
    assert mail.to == ["Ben@Example.org"]
    assert proposal.title in mail.subject
    assert f"/proposals/{proposal.pk}/coauthor-invitation/" in mail.body and "Ana" in mail.body
    [notice] = Notification.objects.all()
    assert notice.recipient == ben and notice.email_wanted is False  # the invitation's own e-mail went
    assert notice.entry.action == "coauthor_invited" and not notice.entry.public


def test_an_address_without_an_account_gets_the_same_invitation(
    author, proposal, mailoutbox, django_capture_on_commit_callbacks
):
    """Nothing in what happens tells the author whether the address has an account."""
    with django_capture_on_commit_callbacks(execute=True):
        row = invite(author, proposal, "nobody@example.net")
    assert row.state == "invited"
    assert [m.to for m in mailoutbox] == [["nobody@example.net"]]
    assert not Notification.objects.exists()


def test_an_unconfirmed_address_gets_the_mail_but_no_notice(
    author, proposal, mailoutbox, django_capture_on_commit_callbacks
):
    factories.unverified_citizen(email="unsure@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        invite(author, proposal, "unsure@example.org")
    assert len(mailoutbox) == 1 and not Notification.objects.exists()


@pytest.mark.parametrize(
    ("email", "code"),
    [
        ("ana@example.org", "own_address"),
        ("ANA@example.org", "own_address"),
        ("not an address", "invalid"),
        ("", "invalid"),
    ],
)
def test_refused_addresses(author, proposal, email, code):
    with pytest.raises(ServiceError) as refused:
        invite(author, proposal, email)
    assert refused.value.code == code
    assert not ProposalCoauthor.objects.exists()


def test_an_address_once_only_whichever_way_it_is_written(author, proposal):
    invite(author, proposal, "jane.doe+civic@gmail.com")
    with pytest.raises(Conflict) as refused:
        invite(author, proposal, "JaneDoe@googlemail.com")
    assert refused.value.code == "already_invited"


def test_an_accepted_coauthor_is_not_invited_again(author, proposal, ben):
    factories.coauthor(proposal, ben)
    with pytest.raises(Conflict) as refused:
        invite(author, proposal, "ben@example.org")
    assert refused.value.code == "already_coauthor"


def test_the_limit_counts_open_invitations_and_coauthors_not_declined_ones(author, proposal, ben, settings):
    settings.PROPOSAL_COAUTHORS_MAX = 2
    factories.coauthor(proposal, ben)
    invite(author, proposal, "two@example.org")
    with pytest.raises(Conflict) as refused:
        invite(author, proposal, "three@example.org")
    assert refused.value.code == "too_many_coauthors" and "2 co-authors" in refused.value.message
    carl = factories.citizen(email="carl@example.org")
    ProposalCoauthor.objects.filter(email="two@example.org").delete()
    row = invite(author, proposal, carl.email)
    coauthor_respond(user=carl, invitation=row, accept=False)
    invite(author, proposal, "four@example.org")  # a declined invitation leaves its place
    assert ProposalCoauthor.objects.exclude(state="declined").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_invitations_at_once_never_pass_the_limit(settings):
    """The invitation holds the proposal's row: the second waits for the first to commit, then counts it."""
    settings.PROPOSAL_COAUTHORS_MAX = 1
    author = factories.citizen()
    proposal = factories.ProposalFactory(author=author)
    outcome = race(
        lambda: coauthor_invite(actor=author, proposal=proposal, email="first@example.org"),
        lambda: coauthor_invite(actor=author, proposal=proposal, email="second@example.org"),
    )
    assert isinstance(outcome.get("error"), Conflict) and outcome["error"].code == "too_many_coauthors"
    assert list(ProposalCoauthor.objects.values_list("email", flat=True)) == ["first@example.org"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"withdrawn_at": timezone.now(), "withdrawal_reason": "Done."}, "proposal_withdrawn"),
        ({"visibility": Visibility.HIDDEN}, "proposal_hidden"),
        ({"visibility": Visibility.PENDING}, "proposal_not_published"),
    ],
)
def test_no_invitation_to_a_proposal_withdrawn_hidden_or_unpublished(author, proposal, change, code):
    Proposal.objects.filter(pk=proposal.pk).update(**change)
    proposal.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        invite(author, proposal, "ben@example.org")
    assert refused.value.code == code


def test_no_invitation_in_a_closed_consultation(author):
    proposal = factories.ProposalFactory(author=author, consultation=factories.consultation(open_now=False))
    with pytest.raises(Conflict) as refused:
        invite(author, proposal, "ben@example.org")
    assert refused.value.code == "consultation_closed"


def test_only_the_first_author_invites(author, proposal, ben):
    factories.coauthor(proposal, ben)
    for someone in (ben, factories.citizen(), factories.moderator(), factories.official()):
        with pytest.raises(NotAllowed) as refused:
            invite(someone, proposal, "carl@example.org")
        assert refused.value.code == "not_author"
    author.emailaddress_set.update(verified=False)
    author = type(author).objects.get(pk=author.pk)
    with pytest.raises(NotAllowed) as refused:
        invite(author, proposal, "carl@example.org")
    assert refused.value.code == "email_unverified"


def test_accepting_names_them_and_lets_them_edit_not_withdraw(author, proposal, ben):
    row = factories.coauthor(proposal, ben)
    assert (row.state, row.user) == ("accepted", ben) and row.responded_at
    assert permissions.is_coauthor(ben, proposal) and not permissions.is_proposal_author(ben, proposal)
    entry = AuditEntry.objects.get(action="coauthor_joined")
    assert (entry.public, entry.actor_name, entry.actor_role) == (True, "Ben", "author")
    edited = proposal_edit(actor=ben, proposal=proposal, title="A title Ben improved")
    assert edited.title == "A title Ben improved"
    assert edited.versions.last().author == ben
    with pytest.raises(NotAllowed) as refused:
        proposal_withdraw(actor=ben, proposal=proposal, reason="Not mine to withdraw.")
    assert refused.value.code == "not_author"


def test_the_edit_window_opens_with_a_support_from_someone_who_is_not_an_author(author, proposal, ben):
    factories.coauthor(proposal, ben)
    support_add(user=ben, proposal=proposal)
    proposal.refresh_from_db()
    assert versions.first_other_support_at(proposal=proposal) is None
    support_add(user=factories.citizen(), proposal=proposal)
    proposal.refresh_from_db()
    first = versions.first_other_support_at(proposal=proposal)
    assert first is not None
    later = first + timedelta(minutes=61)
    for writer in (author, ben):
        assert permissions.edit_refusal(writer, proposal, first_other_support_at=first, at=later) == (
            "edit_window_closed"
        )


def test_only_the_owner_of_the_confirmed_address_answers(author, proposal, ben):
    row = invite(author, proposal, ben.email)
    for someone in (author, factories.citizen(), factories.moderator()):
        with pytest.raises(NotFound):
            invitation_for(user=someone, coauthor_id=row.pk)
        with pytest.raises(NotFound):
            coauthor_respond(user=someone, invitation=row, accept=True)
    # The same address not confirmed: not theirs yet.
    unsure = factories.unverified_citizen(email="unsure@example.org")
    other = invite(author, proposal, unsure.email)
    with pytest.raises(ServiceError):
        coauthor_respond(user=unsure, invitation=other, accept=True)
    assert invitation_for(user=ben, coauthor_id=row.pk) == row
    assert list(invitations_waiting(user=ben)) == [row]
    assert not ProposalCoauthor.objects.filter(state="accepted").exists()


def test_a_confirmed_second_address_is_theirs_too(author, proposal, ben):
    EmailAddress.objects.create(user=ben, email="b.en@work.example", verified=True, primary=False)
    row = invite(author, proposal, "B.EN@work.example")
    assert coauthor_respond(user=ben, invitation=row, accept=True).state == "accepted"


def test_an_invitation_is_answered_once(author, proposal, ben):
    row = invite(author, proposal, ben.email)
    coauthor_respond(user=ben, invitation=row, accept=False)
    with pytest.raises(Conflict) as refused:
        coauthor_respond(user=ben, invitation=row, accept=True)
    assert refused.value.code == "invitation_not_open"
    assert not AuditEntry.objects.filter(action="coauthor_joined").exists()


def test_a_cancelled_invitation_cannot_be_accepted(author, proposal, ben):
    row = invite(author, proposal, ben.email)
    coauthor_remove(actor=author, coauthor=row)
    with pytest.raises(Conflict) as refused:
        coauthor_respond(user=ben, invitation=row, accept=True)
    assert refused.value.code == "invitation_not_open"


def test_accepting_a_withdrawn_proposal_is_refused(author, proposal, ben):
    row = invite(author, proposal, ben.email)
    proposal_withdraw(actor=author, proposal=proposal, reason="Merged elsewhere.")
    with pytest.raises(Conflict) as refused:
        coauthor_respond(user=ben, invitation=row, accept=True)
    assert refused.value.code == "proposal_withdrawn"


def test_a_coauthor_leaves_and_the_author_removes_publicly(author, proposal, ben):
    carl = factories.citizen(display_name="Carl", email="carl@example.org")
    ben_row, carl_row = factories.coauthor(proposal, ben), factories.coauthor(proposal, carl)
    with pytest.raises(NotAllowed):
        coauthor_remove(actor=carl, coauthor=ben_row)  # a co-author removes nobody else
    with pytest.raises(NotAllowed):
        coauthor_remove(actor=factories.moderator(), coauthor=ben_row)
    coauthor_remove(actor=ben, coauthor=ben_row)
    coauthor_remove(actor=author, coauthor=carl_row)
    assert not ProposalCoauthor.objects.exists()
    left = AuditEntry.objects.filter(action="coauthor_left").order_by("id")
    assert [(e.actor_name, e.from_value, e.public) for e in left] == [
        ("Ben", "left", True),
        ("Carl", "removed", True),
    ]
    with pytest.raises(NotAllowed):
        proposal_edit(actor=ben, proposal=proposal, title="Too late")


def test_a_coauthors_deleted_account_leaves_the_proposal_as_it_is(author, proposal, ben):
    factories.coauthor(proposal, ben)
    account_delete(user=ben, password=factories.PASSWORD)
    proposal.refresh_from_db()
    assert proposal.author == author and not ProposalCoauthor.objects.exists()


def test_the_export_lists_their_coauthorships_and_invitations(author, proposal, ben):
    factories.coauthor(proposal, ben)
    other = factories.ProposalFactory(author=author)
    invite(author, other, ben.email)
    rows = account_export(user=ben)["coauthors"]
    assert [(r["proposal"]["id"], r["state"], r["invited_by"]) for r in rows] == [
        (proposal.pk, "accepted", "Ana"),
        (other.pk, "invited", "Ana"),
    ]
    assert account_export(user=factories.citizen())["coauthors"] == []


@pytest.mark.usefixtures("media")
def test_a_coauthor_adds_and_removes_files_as_the_author_does(proposal, ben):
    factories.coauthor(proposal, ben)
    (attachment,) = attachments_add(actor=ben, proposal=proposal, files=[prepare_pdf(files.pdf())])
    attachment_remove(actor=ben, attachment=attachment)
    assert not proposal.attachments.exists()
    with pytest.raises(NotAllowed):
        attachments_add(actor=factories.citizen(), proposal=proposal, files=[prepare_pdf(files.pdf())])
