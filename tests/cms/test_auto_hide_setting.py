"""The consultation's "hide pending review after N reports", set by officials in the CMS (at least 2, or
empty for never), and the admin's queue of items hidden that way: first, with their reports, restored or
confirmed by a moderator."""

import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from cms.models import ConsultationPage
from proposals.models import AuditAction, AuditEntry, Visibility
from proposals.services import flag_create
from tests.support import factories
from tests.support.factories import a_comment
from tests.support.forms import page_form

pytestmark = pytest.mark.django_db

INDEX = reverse("cms_proposals:index")


def add_url(index) -> str:
    return reverse("wagtailadmin_pages:add", args=("cms", "consultationpage", index.pk))


# The setting ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("posted", "stored"), [("3", 3), ("", None)])
def test_an_official_sets_the_number_or_never(client_as, index, official, posted, stored):
    response = client_as(official).post(add_url(index), page_form(auto_hide_reports=posted))
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert ConsultationPage.objects.get(slug="disability-allowance").auto_hide_reports == stored


@pytest.mark.parametrize("posted", ["1", "0", "-2", "many"])
def test_fewer_than_two_reports_is_refused_on_the_form(client_as, index, official, posted):
    response = client_as(official).post(add_url(index), page_form(auto_hide_reports=posted))
    assert response.status_code == 200
    assert response.context["form"].errors["auto_hide_reports"]
    assert not ConsultationPage.objects.filter(slug="disability-allowance").exists()


def test_the_editor_offers_five_by_default_with_help_in_both_languages(client_as, index, official):
    page = client_as(official).get(add_url(index)).content.decode()
    assert (
        'name="auto_hide_reports"' in page and 'value="5"' in page.split('name="auto_hide_reports"')[1][:200]
    )
    help_text = ConsultationPage._meta.get_field("auto_hide_reports").help_text
    assert "leave empty to never hide automatically" in str(help_text)
    with translation.override("fr"):
        assert "laissez vide pour ne jamais masquer automatiquement" in str(help_text)


def test_the_database_refuses_fewer_than_two():
    consultation = factories.consultation()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsultationPage.objects.filter(pk=consultation.pk).update(auto_hide_reports=1)


def test_a_translation_shows_the_originals_number_and_cannot_change_it(client_as, index, official):
    original = factories.consultation(auto_hide_reports=4)
    french = factories.translation(original, factories.french(), title="Allocation chômage")
    url = reverse("wagtailadmin_pages:edit", args=[french.pk])

    html = client_as(official).get(url).content.decode()
    field = re.search(r'<input[^>]*name="auto_hide_reports"[^>]*>', html).group(0)
    assert "disabled" in field and 'value="4"' in field

    data = page_form(title="Allocation chômage", slug=french.slug, auto_hide_reports="2")
    assert client_as(official).post(url, data).status_code == 302
    french.refresh_from_db()
    assert french.auto_hide_reports == 4


# The admin's queue ----------------------------------------------------------------------------------------


@pytest.fixture
def under_review(index):
    consultation = factories.consultation(auto_hide_reports=2)
    older = factories.ProposalFactory(consultation=consultation, title="Reported once")
    flag_create(reporter=factories.citizen(), proposal=older, reason="spam")
    proposal = factories.ProposalFactory(consultation=consultation, title="Reported twice")
    for reason in ("abuse", "spam"):
        flag_create(reporter=factories.citizen(), proposal=proposal, reason=reason, details="Insults.")
    return proposal, older


def test_the_queue_shows_it_first_with_its_reports_and_two_decisions(client_as, under_review):
    proposal, older = under_review
    response = client_as(factories.moderator()).get(INDEX)
    assert [(e.kind, e.item.pk, e.under_review) for e in response.context["items"]] == [
        ("proposal", proposal.pk, True),
        ("proposal", older.pk, False),
    ]
    html = response.content.decode()
    row = html.split(f'id="queue-proposal-{proposal.pk}"')[1].split("</tr>")[0]
    assert "Hidden automatically after reports, pending your review" in row
    assert "2 open reports" in row and "“Insults.”" in row
    assert 'value="restore"' in row and "Confirm the hide" in row
    assert "Dismiss the reports" not in row


def test_a_moderator_restores_it_from_the_queue(client_as, under_review):
    proposal, _ = under_review
    moderator = factories.moderator()
    url = reverse("cms_proposals:moderate", args=[proposal.pk])
    response = client_as(moderator).post(url, {"action": "restore", "reason": ""})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.is_published and not proposal.under_review
    assert AuditEntry.objects.filter(action=AuditAction.RESTORED, actor=moderator).exists()


def test_a_moderator_confirms_the_hide_of_a_comment_from_the_queue(client_as, index):
    proposal = factories.ProposalFactory(consultation=factories.consultation(auto_hide_reports=2))
    comment = a_comment(proposal)
    for _ in range(2):
        flag_create(reporter=factories.citizen(), comment=comment, reason="abuse")
    url = reverse("cms_proposals:comment_moderate", args=[comment.pk])
    client_as(factories.moderator()).post(url, {"action": "hide", "reason": "Threats."})
    comment.refresh_from_db()
    assert (comment.visibility, comment.under_review, comment.moderation_reason) == (
        Visibility.HIDDEN,
        False,
        "Threats.",
    )


@pytest.mark.parametrize("role", ["citizen", "admin_only_user"])
def test_nobody_else_restores_it_in_the_admin(client_as, under_review, role):
    proposal, _ = under_review
    user = factories.admin_only_user() if role == "admin_only_user" else factories.citizen()
    url = reverse("cms_proposals:moderate", args=[proposal.pk])
    response = client_as(user).post(url, {"action": "restore", "reason": ""})
    assert response.status_code in (302, 403)
    proposal.refresh_from_db()
    assert proposal.under_review
