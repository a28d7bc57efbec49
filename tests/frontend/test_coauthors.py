"""Co-authors on the pages, without JavaScript: the first author's invitation form and list on the
proposal's page, the byline that names everyone, the invitation's page where its addressee accepts or
declines, a co-author's way to leave, the notice in the notifications list; and in French."""

import pytest
from django.urls import reverse

from cms.models import ModerationMode
from proposals.models import ProposalCoauthor, Visibility
from proposals.services import proposal_edit
from proposals.services.coauthors import coauthor_invite
from tests.support import factories
from tests.support.pages import NB, visible_text, visible_text_with_nbsp

pytestmark = pytest.mark.django_db


def detail(client, proposal):
    return client.get(reverse("proposal_detail", args=[proposal.pk]))


def invitation_page(proposal):
    return reverse("coauthor_invitation", args=[proposal.pk])


def test_only_the_first_author_gets_the_form(client_for, author, proposal, ben):
    invite_url = f'action="{reverse("coauthor_invite", args=[proposal.pk])}"'
    assert invite_url in detail(client_for(author), proposal).content.decode()
    factories.coauthor(proposal, ben)
    for someone in (ben, factories.citizen(), factories.moderator(), None):
        assert invite_url not in detail(client_for(someone), proposal).content.decode()


def test_the_author_invites_and_sees_the_invitation_listed(
    client_for, author, proposal, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(author).post(
            reverse("coauthor_invite", args=[proposal.pk]), {"email": "friend@example.org"}, follow=True
        )
    text = visible_text(response)
    assert "An invitation went to friend@example.org." in text
    assert "friend@example.org" in text and "Invited" in text and "Cancel the invitation" in text
    assert [m.to for m in mailoutbox] == [["friend@example.org"]]


def test_a_bad_address_shows_the_form_again_with_its_error(client_for, author, proposal):
    response = client_for(author).post(reverse("coauthor_invite", args=[proposal.pk]), {"email": "nope"})
    assert response.status_code == 400
    assert "Enter a valid email address." in visible_text(response)
    response = client_for(author).post(
        reverse("coauthor_invite", args=[proposal.pk]), {"email": author.email}
    )
    assert response.status_code == 400
    assert "This is your own address" in visible_text(response)
    assert not ProposalCoauthor.objects.exists()


def test_someone_else_posting_the_form_changes_nothing(client_for, proposal):
    response = client_for(factories.citizen()).post(
        reverse("coauthor_invite", args=[proposal.pk]), {"email": "x@example.org"}, follow=True
    )
    assert "Only the author who submitted a proposal can invite" in visible_text(response)
    response = client_for().post(reverse("coauthor_invite", args=[proposal.pk]), {"email": "x@example.org"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ProposalCoauthor.objects.exists()


def test_the_invited_person_accepts_from_the_invitation_page(client_for, author, proposal, ben):
    coauthor_invite(actor=author, proposal=proposal, email=ben.email)
    page = client_for(ben).get(invitation_page(proposal))
    assert page.status_code == 200
    text = visible_text(page)
    assert "Ana invites you to write this proposal with them" in text and proposal.title in text
    response = client_for(ben).post(invitation_page(proposal), {"answer": "accept"}, follow=True)
    text = visible_text(response)
    assert "You are now a co-author of this proposal" in text
    assert "Proposed by Ana with Ben" in text
    assert "Ben joined as a co-author" in text
    assert "Edit your proposal" in text and "Stop being a co-author" in text
    assert "Withdraw your proposal" not in text


def test_the_byline_names_every_coauthor_for_visitors_too(client_for, author, proposal, ben):
    factories.coauthor(proposal, ben)
    factories.coauthor(proposal, factories.citizen(display_name="Carl", email="carl@example.org"))
    assert "Proposed by Ana with Ben and Carl" in visible_text(detail(client_for(), proposal))


def test_declining_leaves_the_proposal_as_it_was(client_for, author, proposal, ben):
    coauthor_invite(actor=author, proposal=proposal, email=ben.email)
    response = client_for(ben).post(invitation_page(proposal), {"answer": "decline"}, follow=True)
    assert "You declined the invitation." in visible_text(response)
    assert "with Ben" not in visible_text(detail(client_for(), proposal))
    assert "Declined" in visible_text(detail(client_for(author), proposal))


@pytest.mark.parametrize("who", ["other", "author", "unverified_owner"])
def test_nobody_else_can_answer(client_for, author, proposal, who):
    unsure = factories.unverified_citizen(email="unsure@example.org")
    coauthor_invite(actor=author, proposal=proposal, email=unsure.email)
    someone = {"other": factories.citizen(), "author": author, "unverified_owner": unsure}[who]
    page = client_for(someone).get(invitation_page(proposal))
    assert page.status_code == 404
    assert "There is no invitation for you here." in visible_text(page)
    assert client_for(someone).post(invitation_page(proposal), {"answer": "accept"}).status_code == 404
    assert not ProposalCoauthor.objects.filter(state="accepted").exists()


def test_a_visitor_is_sent_to_sign_in(client_for, proposal):
    response = client_for().get(invitation_page(proposal))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_invitation_is_in_the_notifications(client_for, author, proposal, ben):
    coauthor_invite(actor=author, proposal=proposal, email=ben.email)
    response = client_for(ben).get(reverse("notifications"))
    assert f"Ana invited you to co-author “{proposal.title}”." in visible_text(response)
    assert f'href="{invitation_page(proposal)}"' in response.content.decode()


def test_the_author_removes_and_a_coauthor_leaves(client_for, author, proposal, ben):
    row = factories.coauthor(proposal, ben)
    remove = reverse("coauthor_remove", args=[proposal.pk, row.pk])
    assert client_for(factories.citizen()).post(remove).status_code == 302
    assert ProposalCoauthor.objects.filter(pk=row.pk).exists()
    response = client_for(ben).post(remove, follow=True)
    assert "You are no longer a co-author of this proposal." in visible_text(response)
    assert "Ben is no longer a co-author" in visible_text(detail(client_for(), proposal))
    carl = factories.citizen(display_name="Carl", email="carl@example.org")
    carl_row = factories.coauthor(proposal, carl)
    response = client_for(author).post(
        reverse("coauthor_remove", args=[proposal.pk, carl_row.pk]), follow=True
    )
    assert "The co-author is removed." in visible_text(response)
    assert not ProposalCoauthor.objects.exists()


def test_the_pages_in_french(client_for, author, proposal, ben):
    coauthor_invite(actor=author, proposal=proposal, email=ben.email)
    french = {"headers": {"accept-language": "fr-FR,fr;q=0.9"}}
    text = visible_text_with_nbsp(client_for(ben, **french).get(invitation_page(proposal)))
    assert f"Ana vous invite à écrire cette proposition avec lui ou elle{NB}:" in text
    assert "Accepter" in text and "Refuser" in text
    client_for(ben, **french).post(invitation_page(proposal), {"answer": "accept"})
    text = visible_text_with_nbsp(detail(client_for(author, **french), proposal))
    assert "Proposée par Ana avec Ben" in text and "Coauteurs" in text and "Ben rejoint les coauteurs" in text
    assert "Adresse e-mail de la personne à inviter" in text


def test_a_coauthor_still_reads_the_proposal_their_edit_sent_back_to_moderation(client_for, author, ben):
    """In a pre-moderated consultation an edit makes the proposal wait for a moderator again: both its
    authors read it, with the notice that it is not public yet; nobody else does."""
    page = factories.consultation(moderation=ModerationMode.PRE)
    proposal = factories.ProposalFactory(consultation=page, author=author)
    factories.coauthor(proposal, ben)
    proposal_edit(actor=ben, proposal=proposal, title="A title Ben improved")
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.PENDING
    for writer in (author, ben):
        response = detail(client_for(writer), proposal)
        assert response.status_code == 200
        text = visible_text(response)
        assert "A title Ben improved" in text and "This proposal is not public yet" in text
        api = client_for(writer).get(f"/api/v1/proposals/{proposal.pk}/")
        assert api.status_code == 200 and api.json()["title"] == "A title Ben improved"
    for someone in (factories.citizen(), None):
        assert detail(client_for(someone), proposal).status_code == 404
        assert client_for(someone).get(f"/api/v1/proposals/{proposal.pk}/").status_code == 404
