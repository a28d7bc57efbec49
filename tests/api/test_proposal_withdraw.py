"""POST /api/v1/proposals/{id}/withdraw/: its author, once, with a reason; a withdrawn proposal is still
read and counted, and refuses a new support with 409 `proposal_withdrawn`."""

import pytest

from proposals.models import AuditEntry
from proposals.services import proposal_withdraw
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for
from votes.models import Support
from votes.services import support_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return factories.citizen()


@pytest.fixture
def proposal(author):
    return factories.ProposalFactory(author=author)


def withdraw(user, proposal, reason="Merged with a better one."):
    return client_for(user).post(
        f"/api/v1/proposals/{proposal.pk}/withdraw/", {"reason": reason}, format="json"
    )


def test_the_author_withdraws_and_everyone_reads_it(author, proposal, api):
    response = withdraw(author, proposal)
    assert response.status_code == 200, response.content
    body = api.get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert body["withdrawn_at"] and body["withdrawal_reason"] == "Merged with a better one."
    history = api.get(f"/api/v1/proposals/{proposal.pk}/history/").json()
    assert [e["action"] for e in history] == ["withdrawn"]


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous",)])
def test_nobody_else(role, as_role, proposal):
    user, _client = as_role(role)
    assert_error(withdraw(user, proposal), 403, "not_author")
    assert not AuditEntry.objects.exists()


def test_not_twice(author, proposal):
    withdraw(author, proposal)
    assert_error(withdraw(author, proposal, "Again."), 409, "proposal_withdrawn")


def test_reason_required(author, proposal):
    assert_error(withdraw(author, proposal, ""), 400, "invalid", fields=["reason"])


def test_support_refused_with_its_code_withdrawal_of_a_support_allowed(author, proposal):
    supporter = factories.citizen()
    support_add(user=supporter, proposal=proposal)
    proposal_withdraw(actor=author, proposal=proposal, reason="Done elsewhere.")
    response = client_for(factories.citizen()).post(f"/api/v1/proposals/{proposal.pk}/support/")
    assert_error(response, 409, "proposal_withdrawn")
    assert client_for(supporter).delete(f"/api/v1/proposals/{proposal.pk}/support/").status_code == 204
    assert not Support.objects.exists()
