"""Blocking from the Wagtail admin (/cms/accounts/<id>/): who sees the page and who may block whom, a
reason required on the form, the history shown."""

import pytest

from cocreate.accounts.models import AccountBlock
from tests.support import factories

pytestmark = pytest.mark.django_db


def page(user):
    return f"/cms/accounts/{user.pk}/"


def test_a_moderator_blocks_and_unblocks_a_citizen_from_the_admin(client_as):
    moderator, user = factories.moderator(first_name="Mia", last_name="Mod"), factories.citizen()
    client = client_as(moderator)

    shown = client.get(page(user))
    assert shown.status_code == 200
    assert "Block the account" in shown.text and "This account was never blocked." in shown.text

    blocked = client.post(page(user), {"block": "1", "reason": "Insults in comments."}, follow=True)
    assert "The account is blocked" in blocked.text
    assert "Blocked by Mia Mod" in blocked.text and "Insults in comments." in blocked.text
    assert AccountBlock.objects.get(user=user, lifted_at__isnull=True).blocked_by == moderator

    lifted = client.post(page(user), {"unblock": "1", "reason": ""}, follow=True)
    assert "The block is lifted" in lifted.text
    assert AccountBlock.objects.get(user=user).lifted_by == moderator


def test_a_block_without_a_reason_is_an_error_on_the_form(client_as):
    user = factories.citizen()

    response = client_as(factories.moderator()).post(page(user), {"block": "1", "reason": "  "})

    assert response.status_code == 200
    assert "The account was not changed" in response.text
    assert "This field is required." in response.text
    assert not AccountBlock.objects.exists()


@pytest.mark.parametrize("target", ["moderator", "official"])
def test_a_moderator_is_offered_no_form_and_refused_on_staff(client_as, target):
    user = getattr(factories, target)()
    client = client_as(factories.moderator())

    shown = client.get(page(user))
    assert "Only an administrator can block" in shown.text
    assert 'name="block"' not in shown.text
    assert client.post(page(user), {"block": "1", "reason": "No."}).status_code == 403
    assert not AccountBlock.objects.exists()

    admin = factories.citizen(is_superuser=True, is_staff=True)
    client_as(admin).post(page(user), {"block": "1", "reason": "Abuse of the role."})
    assert AccountBlock.objects.filter(user=user).exists()


def test_someone_without_a_moderation_role_gets_403_whatever_the_id(client_as):
    editor = factories.admin_only_user()
    client = client_as(editor)

    assert client.get(page(factories.citizen())).status_code == 403
    assert client.get("/cms/accounts/999999/").status_code == 403
    assert client.post(page(factories.citizen()), {"block": "1", "reason": "x"}).status_code == 403


def test_the_proposal_page_links_to_its_authors_account(client_as):
    proposal = factories.ProposalFactory(consultation=factories.consultation())

    response = client_as(factories.moderator()).get(f"/cms/proposals/{proposal.pk}/")

    assert f'href="/cms/accounts/{proposal.author_id}/"' in response.text
