"""POST and DELETE /api/v1/proposals/{id}/support/."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from proposals.models import Proposal, Visibility
from tests.support import factories
from tests.support.api import assert_error, client_for
from votes.models import Support

pytestmark = pytest.mark.django_db


def url(proposal) -> str:
    return f"/api/v1/proposals/{proposal.pk}/support/"


def supports(proposal) -> int:
    return Proposal.objects.get(pk=proposal.pk).supports_count


@pytest.mark.parametrize("role", ["citizen", "moderator", "official", "superuser"])
def test_support_then_again_then_withdraw(as_role, role):
    user, client = as_role(role)
    proposal = factories.ProposalFactory()

    first = client.post(url(proposal))
    again = client.post(url(proposal))
    detail = client.get(f"/api/v1/proposals/{proposal.pk}/").json()

    assert first.status_code == 201
    assert first.json() == {"proposal": proposal.pk, "supports": 1, "version": 1, "supported_by_me": True}
    assert again.status_code == 200
    assert again.json()["supports"] == 1
    assert (detail["supports"], detail["supported_by_me"]) == (1, True)

    withdrawn = client.delete(url(proposal))
    assert withdrawn.status_code == 204
    assert withdrawn.content == b""
    assert supports(proposal) == 0
    assert not Support.objects.filter(user=user).exists()
    assert client.get(f"/api/v1/proposals/{proposal.pk}/").json()["supported_by_me"] is False


def test_counts_add_up_across_citizens():
    proposal = factories.ProposalFactory()
    citizens = [factories.citizen() for _ in range(3)]
    for citizen in citizens:
        assert client_for(citizen).post(url(proposal)).status_code == 201
    assert client_for(citizens[0]).delete(url(proposal)).status_code == 204
    assert client_for(citizens[0]).delete(url(proposal)).status_code == 204  # nothing left to withdraw
    assert supports(proposal) == 2
    assert Support.objects.filter(proposal=proposal).count() == 2


@pytest.mark.parametrize("method", ["post", "delete"])
def test_anonymous_is_401(api, method):
    proposal = factories.ProposalFactory()
    assert_error(getattr(api, method)(url(proposal)), 401, "not_authenticated")
    assert supports(proposal) == 0


@pytest.mark.parametrize("method", ["post", "delete"])
def test_unverified_is_403(method):
    proposal = factories.ProposalFactory()
    assert_error(
        getattr(client_for(factories.unverified_citizen()), method)(url(proposal)), 403, "email_unverified"
    )
    assert not Support.objects.exists()


def test_inactive_account_with_a_token_is_401():
    user = factories.citizen(is_active=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    proposal = factories.ProposalFactory()
    assert_error(client.post(url(proposal)), 401, "authentication_failed")
    assert not Support.objects.exists()


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_others_unpublished_proposals_are_404(citizen, visibility):
    proposal = factories.ProposalFactory(visibility=visibility)
    assert_error(client_for(citizen).post(url(proposal)), 404, "not_found")
    assert not Support.objects.exists()


def test_the_author_cannot_support_their_pending_proposal(citizen):
    proposal = factories.ProposalFactory(author=citizen, visibility=Visibility.PENDING, published_at=None)
    assert_error(client_for(citizen).post(url(proposal)), 409, "proposal_not_published")
    assert not Support.objects.exists()


def test_supports_are_frozen_on_a_closed_consultation(citizen):
    proposal = factories.ProposalFactory(consultation=factories.consultation(open_now=False))
    Support.objects.create(proposal=proposal, user=citizen)
    Proposal.objects.filter(pk=proposal.pk).update(supports_count=1)
    client = client_for(citizen)
    assert_error(client.delete(url(proposal)), 409, "consultation_closed")
    assert_error(client_for(factories.citizen()).post(url(proposal)), 409, "consultation_closed")
    assert supports(proposal) == 1
    assert Support.objects.count() == 1


@pytest.mark.parametrize("pk", ["999999", str(10**30), "-1", "abc"])
def test_unknown_ids_are_404(citizen, pk):
    assert_error(client_for(citizen).post(f"/api/v1/proposals/{pk}/support/"), 404, "not_found")


def test_support_ignores_a_body(citizen):
    proposal = factories.ProposalFactory()
    response = client_for(citizen).post(url(proposal), {"supports": 1000}, format="json")
    assert response.status_code == 201
    assert supports(proposal) == 1


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_with_a_token_the_address_and_the_roles_are_the_accounts_own():
    """The token's one query reads whether the address is confirmed and the person's roles."""
    proposal = factories.ProposalFactory(visibility=Visibility.HIDDEN)
    unverified, moderator = factories.unverified_citizen(), factories.moderator()
    assert_error(token_client(unverified).post(url(proposal)), 404, "not_found")
    # A moderator sees the hidden proposal, and may not support it.
    assert_error(token_client(moderator).post(url(proposal)), 409, "proposal_not_published")
    published = factories.ProposalFactory()
    assert_error(token_client(unverified).post(url(published)), 403, "email_unverified")
    assert token_client(moderator).post(url(published)).status_code == 201


def test_a_token_deleted_or_an_account_deactivated_stops_at_the_next_request(citizen):
    proposal = factories.ProposalFactory()
    client = token_client(citizen)
    assert client.post(url(proposal)).status_code == 201
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    assert_error(client.delete(url(proposal)), 401, "authentication_failed")
    citizen.is_active = True
    citizen.save(update_fields=["is_active"])
    Token.objects.filter(user=citizen).delete()
    assert_error(client.delete(url(proposal)), 401, "authentication_failed")
    assert supports(proposal) == 1
