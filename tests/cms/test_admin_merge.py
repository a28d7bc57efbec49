"""Merging duplicates in the Wagtail admin (/cms/proposals/<id>/merge/): linked from the proposal's page for
officials, refused to everyone else; the official ticks the duplicates, sees the resulting count, then
confirms; errors stay on their fields; in English and in French."""

import re

import pytest
from django.conf import settings
from wagtail.users.models import UserProfile

from proposals.models import AuditEntry, Proposal
from proposals.services.comments import comment_moderate
from tests.support import factories
from tests.support.pages import visible_text
from votes.services import support_add

pytestmark = pytest.mark.django_db


def url(proposal) -> str:
    return f"/cms/proposals/{proposal.pk}/merge/"


@pytest.fixture
def proposals(index):
    """A target with two supporters, a duplicate with three (one of them the target's too)."""
    page = factories.consultation(support_threshold=100)
    target = factories.ProposalFactory(consultation=page, title="Longer opening hours")
    duplicate = factories.ProposalFactory(consultation=page, title="Open <b>later</b>")
    both = factories.citizen()
    for citizen in (both, factories.citizen()):
        support_add(user=citizen, proposal=target)
    for citizen in (both, factories.citizen(), factories.citizen()):
        support_add(user=citizen, proposal=duplicate)
    return target, duplicate


def counted(proposal) -> int:
    return Proposal.objects.get(pk=proposal.pk).supports_count


def test_an_official_previews_the_count_then_merges(client_as, official, proposals):
    target, duplicate = proposals
    client = client_as(official)
    assert f'href="{url(target)}"' in client.get(f"/cms/proposals/{target.pk}/").content.decode()
    page = client.get(url(target))
    assert "Open &lt;b&gt;later&lt;/b&gt;" in page.content.decode()

    form = {"sources": [duplicate.pk], "reason": "The same idea."}
    preview = client.post(url(target), form)
    assert preview.status_code == 200
    assert "Once merged, this proposal will count 4 supports (2 more)." in visible_text(preview)
    assert counted(target) == 2 and Proposal.objects.get(pk=duplicate.pk).merged_into_id is None

    done = client.post(url(target), {**form, "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == f"/cms/proposals/{target.pk}/"
    assert counted(target) == 4 and Proposal.objects.get(pk=duplicate.pk).merged_into_id == target.pk
    assert "1 proposal merged: this one now counts 4." in visible_text(client.get(done["Location"]))


def test_the_trail_of_the_target_shows_how_the_moved_comments_were_moderated(client_as, official, proposals):
    target, duplicate = proposals
    comment = factories.a_comment(duplicate, body="Shouting at <i>everyone</i>.")
    comment_moderate(actor=factories.moderator(), comment=comment, action="hide", reason="Shouting.")
    client = client_as(official)
    client.post(url(target), {"sources": [duplicate.pk], "reason": "The same idea.", "confirm": "1"})

    trail = visible_text(client.get(f"/cms/proposals/{target.pk}/")).split("Audit trail", 1)[1]
    assert "On a comment: “Shouting at <i>everyone</i>.”" in trail
    assert "Shouting." in trail


def test_errors_stay_on_their_fields_and_nothing_is_merged(client_as, official, proposals):
    target, duplicate = proposals
    client = client_as(official)
    response = client.post(url(target), {"sources": [duplicate.pk], "reason": "", "confirm": "1"})
    assert response.status_code == 400
    reason = re.search(r'<textarea name="reason"[^>]*>', response.content.decode()).group(0)
    assert 'aria-describedby="id_reason-errors id_reason-helptext"' in reason
    assert "This field is required." in visible_text(response)
    response = client.post(url(target), {"reason": "Same.", "confirm": "1"})
    assert response.status_code == 400 and "This field is required." in visible_text(response)
    elsewhere = factories.ProposalFactory()
    response = client.post(url(target), {"sources": [elsewhere.pk], "reason": "Same.", "confirm": "1"})
    assert response.status_code == 400  # not a choice: another consultation's
    assert counted(target) == 2 and not AuditEntry.objects.filter(action="merged_into").exists()


@pytest.mark.parametrize("role", ["moderator", "admin_only_user"])
def test_others_with_admin_access_are_refused_both_ways(client_as, proposals, role):
    target, duplicate = proposals
    client = client_as(getattr(factories, role)())
    assert client.get(url(target)).status_code == 403
    form = {"sources": [duplicate.pk], "reason": "Same.", "confirm": "1"}
    assert client.post(url(target), form).status_code == 403
    assert url(target) not in client.get(f"/cms/proposals/{target.pk}/").content.decode()
    assert counted(target) == 2


def test_an_official_without_a_second_factor_and_a_citizen_are_refused(client_as, proposals):
    target, duplicate = proposals
    form = {"sources": [duplicate.pk], "reason": "Same.", "confirm": "1"}
    for user in (factories.official(second_factor=False), factories.citizen()):
        assert client_as(user).post(url(target), form).status_code in (302, 403)
    assert Proposal.objects.get(pk=duplicate.pk).merged_into_id is None


def test_an_unknown_proposal_is_a_404(client_as, official):
    assert client_as(official).get("/cms/proposals/999999999/merge/").status_code == 404


def test_the_page_is_in_french(client_as, official, proposals):
    target, duplicate = proposals
    client = client_as(official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    profile = UserProfile.get_for_user(official)
    profile.preferred_language = "fr"
    profile.save()
    text = visible_text(client.post(url(target), {"sources": [duplicate.pk], "reason": "Même idée."}))
    assert "Fusionner des doublons" in text
    assert "Une fois fusionnée, cette proposition comptera 4 soutiens (2 de plus)." in text
