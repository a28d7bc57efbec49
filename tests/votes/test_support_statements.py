"""What a support costs the database through the API: a fixed, short list of statements, pinned here so
that it cannot grow back unnoticed (the hot path of a popular proposal; docs/performance.md). The
transaction's own statements (a savepoint inside the test's transaction) are left out of the count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cocreate.accounts.models import User
from proposals.models import Proposal
from tests.support import factories
from votes import services
from votes.models import Support

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def main_table(select: str) -> str:
    """The first table of a SELECT's own FROM clause (not of a subquery's)."""
    depth = 0
    for i, char in enumerate(select):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and select.startswith(" FROM ", i):
            return select[i + 6 :].split()[0].strip('"')
    raise AssertionError(select)


def described(sql: str) -> str:
    """A SELECT by its table, a write by its verb and table."""
    if sql.startswith("SELECT"):
        return main_table(sql)
    verb, *rest = sql.split()
    return f"{verb} {rest[1] if verb in ('INSERT', 'DELETE') else rest[0]}".replace('"', "")


def statements(client, method: str, proposal) -> tuple[int, list[str]]:
    """The response's status, and each statement it sent, described."""
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(f"/api/v1/proposals/{proposal.pk}/support/")
    sent = [" ".join(q["sql"].split()) for q in captured.captured_queries]
    sent = [sql for sql in sent if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    return response.status_code, [described(sql) for sql in sent]


@pytest.fixture
def proposal():
    proposal = factories.ProposalFactory()
    token_client(factories.citizen()).post(f"/api/v1/proposals/{proposal.pk}/support/")  # not the first
    return proposal


@pytest.fixture
def supporter(proposal) -> APIClient:
    """A citizen who already supports the proposal."""
    client = token_client(factories.citizen())
    client.post(f"/api/v1/proposals/{proposal.pk}/support/")
    return client


SUPPORT = [
    "authtoken_token",
    "proposals_proposal",
    "INSERT votes_support",
    "INSERT proposals_follow",
    "INSERT votes_supporttally",
    "UPDATE proposals_proposal",
]


def test_a_support_is_six_statements(proposal):
    """Who is asking with their roles, the proposal with its consultation, the support, the follow, the
    fraud review's tallies, and the count with what it wrote."""
    assert statements(token_client(factories.citizen()), "post", proposal) == (
        201,
        SUPPORT,
    )


def test_a_support_of_a_moderator_is_as_cheap(proposal):
    """Roles come with the token: a moderator's support asks nothing more."""
    assert statements(token_client(factories.moderator()), "post", proposal) == (
        201,
        SUPPORT,
    )


def test_a_repeated_support_reads_the_count_without_writing_it(proposal, supporter):
    assert statements(supporter, "post", proposal) == (
        200,
        ["authtoken_token", "proposals_proposal", "INSERT votes_support", "proposals_proposal"],
    )


def test_a_withdrawal_is_five_statements(proposal, supporter):
    assert statements(supporter, "delete", proposal) == (
        204,
        [
            "authtoken_token",
            "proposals_proposal",
            "DELETE votes_support",
            "INSERT votes_supporttally",
            "UPDATE proposals_proposal",
        ],
    )
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 1


def batch_statements(changes) -> list[str]:
    """Each statement one batch of group commit sent (votes.services), described, transaction statements
    left out."""
    with CaptureQueriesContext(connection) as captured:
        services._run_batch(changes)
    sent = [" ".join(q["sql"].split()) for q in captured.captured_queries]
    return [described(sql) for sql in sent if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


@pytest.mark.parametrize("n", [2, 40])
def test_a_batch_of_supports_is_four_statements_whatever_its_size(proposal, n):
    """The supports, the follows, the tallies and the count: one of each for the whole batch."""
    proposal = Proposal.objects.select_related("consultation").get(pk=proposal.pk)
    changes = [services._Change(True, factories.citizen(), proposal) for _ in range(n)]
    assert batch_statements(changes) == [
        "INSERT votes_support",
        "INSERT proposals_follow",
        "INSERT votes_supporttally",
        "UPDATE proposals_proposal",
    ]
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 1 + n


def test_a_batch_of_supports_and_withdrawals_is_five_statements(proposal, supporter):
    proposal = Proposal.objects.select_related("consultation").get(pk=proposal.pk)
    withdrawing = list(Support.objects.filter(proposal=proposal).values_list("user", flat=True))
    changes = [services._Change(True, factories.citizen(), proposal) for _ in range(10)]
    changes += [services._Change(False, User.objects.get(pk=pk), proposal) for pk in withdrawing]
    assert batch_statements(changes) == [
        "INSERT votes_support",
        "DELETE votes_support",
        "INSERT proposals_follow",
        "INSERT votes_supporttally",
        "UPDATE proposals_proposal",
    ]
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 10
