"""Withdrawing a proposal through its page, without JavaScript: its author's folded form with a reason, the
notice everyone then reads, its card's mark, and a support control that takes no new support but still
lets a supporter withdraw theirs."""

import pytest
from django.urls import reverse

from proposals.models import Proposal
from proposals.services import proposal_withdraw
from tests.support import factories
from tests.support.pages import visible_text
from votes.services import support_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return factories.citizen()


@pytest.fixture
def proposal(author):
    return factories.ProposalFactory(author=author)


def detail(client, proposal):
    return client.get(reverse("proposal_detail", args=[proposal.pk]))


def withdraw_url(proposal):
    return reverse("proposal_withdraw", args=[proposal.pk])


def test_only_the_author_is_offered_the_form(client_for, author, proposal):
    assert withdraw_url(proposal) in detail(client_for(author), proposal).content.decode()
    assert withdraw_url(proposal) not in detail(client_for(factories.citizen()), proposal).content.decode()
    assert withdraw_url(proposal) not in detail(client_for(), proposal).content.decode()


def test_the_author_withdraws_and_everyone_reads_why(client_for, author, proposal):
    response = client_for(author).post(
        withdraw_url(proposal), {"reason": "Done <b>elsewhere</b>."}, follow=True
    )
    assert "Your proposal is withdrawn." in visible_text(response)
    page = detail(client_for(), proposal)
    text, html = visible_text(page), page.content.decode()
    assert "Withdrawn by its author" in text and "Done &lt;b&gt;elsewhere&lt;/b&gt;." in html
    assert "withdrawn by its author" in text  # the history's entry
    assert withdraw_url(proposal) not in detail(client_for(author), proposal).content.decode()  # not twice


def test_without_a_reason_the_form_says_so_and_nothing_changes(client_for, author, proposal):
    response = client_for(author).post(withdraw_url(proposal), {"reason": " "})
    assert response.status_code == 400
    assert "Please correct the following" in visible_text(response)
    assert Proposal.objects.get(pk=proposal.pk).withdrawn_at is None


def test_someone_else_is_told_no_and_nothing_changes(client_for, proposal):
    response = client_for(factories.citizen()).post(withdraw_url(proposal), {"reason": "Mine"}, follow=True)
    assert "Only its author can withdraw a proposal." in visible_text(response)
    assert Proposal.objects.get(pk=proposal.pk).withdrawn_at is None


def test_support_control_takes_no_new_support_but_lets_a_supporter_withdraw(client_for, author, proposal):
    supporter = factories.citizen()
    support_add(user=supporter, proposal=proposal)
    proposal_withdraw(actor=author, proposal=proposal, reason="Merged.")
    newcomer_page = detail(client_for(factories.citizen()), proposal)
    assert "it takes no new supports" in visible_text(newcomer_page)
    assert reverse("proposal_support", args=[proposal.pk]) not in newcomer_page.content.decode()
    supporter_page = detail(client_for(supporter), proposal).content.decode()
    assert reverse("proposal_support_withdraw", args=[proposal.pk]) in supporter_page
    # Its card in the consultation's list is marked.
    listing = client_for().get(proposal.consultation.url).content.decode()
    card = listing[listing.index(f'data-proposal-id="{proposal.pk}"') :]
    assert 'data-role="withdrawn">' in card.split("</article>")[0]


def test_in_french(client_for, author, proposal):
    proposal_withdraw(actor=author, proposal=proposal, reason="Fusionnée.")
    text = visible_text(
        client_for(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("proposal_detail", args=[proposal.pk]))
    )
    assert "Retirée par son auteur" in text
