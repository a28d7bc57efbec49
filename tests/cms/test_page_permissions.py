"""Officials write consultations in the CMS; moderators only get into the admin for the proposal tools."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission

from cms.models import ConsultationPage
from cms.roles import ensure_role_groups
from proposals.permissions import MODERATORS_GROUP, OFFICIALS_GROUP
from tests.support import factories
from tests.support.forms import page_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(index):
    return factories.moderator()


def add_url(index) -> str:
    return reverse("wagtailadmin_pages:add", args=("cms", "consultationpage", index.pk))


def test_official_may_add_and_publish_consultations(index, official):
    tester = index.permissions_for_user(official)
    assert tester.can_add_subpage() and tester.can_edit() and tester.can_publish_subpage()


def test_official_may_edit_and_publish_an_existing_consultation(index, official):
    page = factories.consultation()
    tester = page.permissions_for_user(official)
    assert tester.can_edit() and tester.can_publish()


def test_official_creates_and_publishes_a_consultation_in_the_admin(client_as, index, official):
    response = client_as(official).post(add_url(index), page_form())
    assert response.status_code == 302, response.context and response.context["form"].errors
    page = ConsultationPage.objects.get(slug="disability-allowance")
    assert page.live and page.get_parent().pk == index.pk
    assert page.phases.count() == 1 and page.categories.get().slug == "forms"
    assert page.is_open(at=timezone.now() + timedelta(minutes=2))


def test_invalid_consultation_form_creates_nothing(client_as, index, official):
    now = timezone.localtime()
    data = page_form(closes_at=(now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"))
    response = client_as(official).post(add_url(index), data)
    assert response.status_code == 200
    assert not ConsultationPage.objects.filter(slug="disability-allowance").exists()


def test_moderator_holds_no_page_permission(index, moderator):
    tester = index.permissions_for_user(moderator)
    assert not tester.can_add_subpage() and not tester.can_edit() and not tester.can_publish_subpage()
    assert not GroupPagePermission.objects.filter(group__name=MODERATORS_GROUP).exists()


def test_moderator_cannot_add_a_consultation_in_the_admin(client_as, index, moderator):
    client = client_as(moderator)
    # Wagtail answers a missing page permission with a redirect to the dashboard and an error message.
    assert client.get(add_url(index)).status_code == 302
    assert client.post(add_url(index), page_form()).status_code == 302
    assert not ConsultationPage.objects.filter(slug="disability-allowance").exists()


def test_citizen_cannot_add_a_consultation(client_as, index, citizen):
    response = client_as(citizen).post(add_url(index), page_form())
    assert response.status_code == 302 and response["Location"].startswith(reverse("wagtailadmin_login"))
    assert not ConsultationPage.objects.exists()


def test_ensure_role_groups_is_idempotent(index):
    ensure_role_groups()
    grants = set(GroupPagePermission.objects.values_list("group__name", "page_id", "permission__codename"))
    ensure_role_groups()
    assert (
        set(GroupPagePermission.objects.values_list("group__name", "page_id", "permission__codename"))
        == grants
    )
    assert {(OFFICIALS_GROUP, index.pk, c) for c in ("add_page", "change_page", "publish_page")} == {
        g for g in grants if g[0] == OFFICIALS_GROUP
    }


def test_consultation_with_proposals_cannot_be_deleted(client_as, index, official):
    proposal = factories.ProposalFactory()
    page = proposal.consultation
    client = client_as(official)
    url = reverse("wagtailadmin_pages:delete", args=[page.pk])
    # Refused with a message instead of the server error the protected foreign key would raise.
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_explore", args=[index.pk])
    assert ConsultationPage.objects.filter(pk=page.pk).exists()


def test_consultation_with_proposals_cannot_be_bulk_deleted(client_as, index, official):
    page = factories.ProposalFactory().consultation
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "delete"))
    response = client_as(official).post(f"{url}?id={page.pk}", {})
    assert response.status_code == 302
    assert "cannot be deleted" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert ConsultationPage.objects.filter(pk=page.pk).exists()


def test_consultation_without_proposals_can_be_deleted(client_as, index, official):
    page = factories.consultation()
    url = reverse("wagtailadmin_pages:delete", args=[page.pk])
    client = client_as(official)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not ConsultationPage.objects.filter(pk=page.pk).exists()
