"""Setting supports aside in the Wagtail admin (/cms/proposals/<id>/supports/set-aside/): linked from the
proposal's page for officials, refused to everyone else, its errors on their fields and linked to them,
the sets already set aside listed, in English and in French."""

import re

import pytest
from django.conf import settings
from wagtail.users.models import UserProfile

from proposals.models import AuditEntry, Proposal, Status
from tests.support import factories
from tests.support.pages import visible_text, visible_text_with_nbsp
from votes.models import Invalidation, Support
from votes.services import support_add

pytestmark = pytest.mark.django_db


def url(proposal) -> str:
    return f"/cms/proposals/{proposal.pk}/supports/set-aside/"


@pytest.fixture
def proposal(index):
    page = factories.consultation(support_threshold=3)
    proposal = factories.ProposalFactory(consultation=page, title="Open on <b>Saturdays</b>")
    for email in ("ana@example.org", "bot1@spam.example", "bot2@spam.example"):
        support_add(user=factories.citizen(email=email), proposal=proposal)
    return proposal


def counted(proposal) -> int:
    return Proposal.objects.get(pk=proposal.pk).supports_count


def test_an_official_sets_supports_aside_from_the_proposals_page(client_as, official, proposal):
    client = client_as(official)
    detail = client.get(f"/cms/proposals/{proposal.pk}/").content.decode()
    assert f'href="{url(proposal)}"' in detail

    response = client.post(url(proposal), {"reason": "Made by a script.", "domains": "spam.example\n"})
    assert response.status_code == 302 and response["Location"] == url(proposal)
    assert counted(proposal) == 1
    assert Proposal.objects.get(pk=proposal.pk).status == Status.OPEN  # the promise withdrawn
    page = client.get(url(proposal))
    text = visible_text(page)
    assert "2 supports set aside: the proposal now counts 1." in text
    assert "the promise of a response is withdrawn" in text
    assert "Domain spam.example" in text and "Made by a script." in text
    assert "Open on &lt;b&gt;Saturdays&lt;/b&gt;" in page.content.decode()


def test_the_form_comes_filled_from_its_address(client_as, official, proposal):
    html = (
        client_as(official)
        .get(url(proposal) + "?domains=spam.example&domains=other.example")
        .content.decode()
    )
    assert re.search(r'<textarea name="domains"[^>]*>\s*spam.example\nother.example</textarea>', html)


def test_errors_stay_on_their_fields_linked_to_them_and_nothing_is_set_aside(client_as, official, proposal):
    client = client_as(official)
    response = client.post(url(proposal), {"reason": "", "user_ids": "seven"})
    assert response.status_code == 400
    html = response.content.decode()
    reason = re.search(r'<textarea name="reason"[^>]*>', html).group(0)
    assert (
        'aria-invalid="true"' in reason and 'aria-describedby="id_reason-errors id_reason-helptext"' in reason
    )
    errors = re.search(
        r'<div class="w-field__errors" data-field-errors id="id_reason-errors">(.*?)</div>', html, re.S
    )
    assert "This field is required." in errors.group(1)
    assert "This field is required." in visible_text(response)
    response = client.post(url(proposal), {"reason": "Fraud.", "user_ids": "seven"})
    assert "Enter account numbers." in visible_text(response)
    response = client.post(url(proposal), {"reason": "Fraud."})
    assert "Give at least one criterion" in visible_text(response)
    response = client.post(url(proposal), {"reason": "Fraud.", "domains": "nobody.example"})
    assert "No counted support matches these criteria." in visible_text(response)
    assert counted(proposal) == 3 and not Invalidation.objects.exists()


@pytest.mark.parametrize("role", ["moderator", "admin_only_user"])
def test_others_with_admin_access_are_refused_both_ways(client_as, proposal, role):
    client = client_as(getattr(factories, role)())
    assert client.get(url(proposal)).status_code == 403
    assert client.post(url(proposal), {"reason": "x", "domains": "spam.example"}).status_code == 403
    assert counted(proposal) == 3
    detail = client.get(f"/cms/proposals/{proposal.pk}/").content.decode()
    assert url(proposal) not in detail


def test_an_official_without_a_second_factor_and_a_citizen_are_refused(client_as, proposal):
    for user in (factories.official(second_factor=False), factories.citizen()):
        response = client_as(user).post(url(proposal), {"reason": "x", "domains": "spam.example"})
        assert response.status_code in (302, 403)
    assert counted(proposal) == 3
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SUPPORTS_SET_ASIDE).exists()


def test_an_unknown_proposal_is_a_404(client_as, official):
    assert client_as(official).get("/cms/proposals/999999999/supports/set-aside/").status_code == 404


def test_the_page_is_in_french(client_as, official, proposal):
    client = client_as(official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    profile = UserProfile.get_for_user(official)
    profile.preferred_language = "fr"
    profile.save()
    client.post(url(proposal), {"reason": "Fraude.", "domains": "spam.example"})
    text = visible_text_with_nbsp(client.get(url(proposal)))
    assert "Écarter des soutiens" in text
    assert "2\u00a0soutiens écartés\u00a0: la proposition en compte maintenant 1." in text or (
        "2 soutiens écartés\u00a0: la proposition en compte maintenant 1." in text
    )
    assert "Domaine spam.example" in text
    assert Support.objects.exclude(invalidation=None).count() == 2


@pytest.fixture
def asked(official, proposal):
    from votes.invalidations import supports_invalidate
    from votes.reviews import support_review_request

    supports_invalidate(actor=official, proposal=proposal, reason="Bots.", domains=["spam.example"])
    bot = Support.objects.get(user__email="bot1@spam.example").user
    return support_review_request(user=bot, proposal_id=proposal.pk, message="I am <real>.")


def decide_url(proposal, review) -> str:
    return f"/cms/proposals/{proposal.pk}/supports/reviews/{review.pk}/"


def test_an_official_reads_the_open_requests_and_counts_a_support_again(client_as, official, proposal, asked):
    client = client_as(official)
    html = client.get(url(proposal)).content.decode()
    assert "I am &lt;real&gt;." in html and f'action="{decide_url(proposal, asked)}"' in html
    response = client.post(decide_url(proposal, asked), {"decision": "reinstated", "reply": ""})
    assert response.status_code == 302
    assert counted(proposal) == 2
    assert "The support counts again." in visible_text(client.get(url(proposal)))
    assert client.post(decide_url(proposal, asked), {"decision": "upheld", "reply": "x"}).status_code == 404


def test_keeping_it_set_aside_needs_a_reply_at_the_field(client_as, official, proposal, asked):
    client = client_as(official)
    response = client.post(decide_url(proposal, asked), {"decision": "upheld", "reply": " "})
    assert response.status_code == 400
    html = response.content.decode()
    field = re.search(r'<textarea name="reply"[^>]*>', html).group(0)
    assert (
        f'aria-describedby="id_review_{asked.pk}_reply-errors id_review_{asked.pk}_reply-helptext"' in field
    )
    assert re.search(rf'id="id_review_{asked.pk}_reply-errors">.*?This field is required.', html, re.S)
    assert (
        client.post(decide_url(proposal, asked), {"decision": "upheld", "reply": "Same address."}).status_code
        == 302
    )
    assert counted(proposal) == 1


def test_only_officials_decide(client_as, proposal, asked):
    response = client_as(factories.moderator()).post(decide_url(proposal, asked), {"decision": "reinstated"})
    assert response.status_code == 403
    assert counted(proposal) == 1
