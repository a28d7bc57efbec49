"""A blocked moderator or official still reads the proposal tools but gets none of their forms (each would
answer 403 `account_blocked`): the page says why, with the block's reason. Unblocked, the forms are back."""

import pytest
from django.urls import reverse

from proposals.models import Status
from proposals.services.account_blocks import account_block, account_unblock
from tests.support import factories

pytestmark = pytest.mark.django_db

NOTE = 'data-role="account-blocked-note"'
REASON = "Abuse of the role."


@pytest.fixture
def admin(db):
    return factories.citizen(is_superuser=True, is_staff=True)


@pytest.fixture
def accepted(consultation):
    return factories.ProposalFactory(consultation=consultation, status=Status.ACCEPTED)


def actions(proposal) -> list[str]:
    return [
        reverse(f"cms_proposals:{name}", args=[proposal.pk])
        for name in ("moderate", "status", "respond", "milestone_add")
    ]


def test_a_blocked_official_sees_the_proposal_without_its_forms(client_as, admin, official, accepted):
    client = client_as(official)
    page = reverse("cms_proposals:detail", args=[accepted.pk])
    shown = client.get(page).content.decode()
    for url in actions(accepted):
        assert f'action="{url}"' in shown, url
    assert NOTE not in shown

    account_block(actor=admin, user=official, reason=REASON)
    response = client.get(page)

    assert response.status_code == 200
    shown = response.content.decode()
    assert accepted.title in shown
    for url in actions(accepted):
        assert url not in shown, url
    assert "<textarea" not in shown
    assert NOTE in shown and REASON in shown
    assert "Only officials" not in shown  # not a question of role: the notice says why
    assert client.post(actions(accepted)[1], {"status": "implemented"}).status_code == 403

    account_unblock(actor=admin, user=official)
    shown = client.get(page).content.decode()
    for url in actions(accepted):
        assert f'action="{url}"' in shown, url
    assert NOTE not in shown


def test_a_blocked_moderator_sees_the_queue_without_its_forms(client_as, admin, pending):
    moderator = factories.moderator()
    client = client_as(moderator)
    queue = reverse("cms_proposals:index")
    moderate = reverse("cms_proposals:moderate", args=[pending.pk])
    assert f'action="{moderate}"' in client.get(queue).content.decode()

    account_block(actor=admin, user=moderator, reason=REASON)
    shown = client.get(queue).content.decode()
    assert pending.title in shown and moderate not in shown and NOTE in shown and REASON in shown
    detail = client.get(reverse("cms_proposals:detail", args=[pending.pk])).content.decode()
    assert moderate not in detail and NOTE in detail

    account_unblock(actor=admin, user=moderator)
    assert f'action="{moderate}"' in client.get(queue).content.decode()
