"""A citizen whose support an official set aside reads it on the proposal's page: when, and why, in their
language, even once the consultation closed; nobody else reads it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support import factories
from tests.support.pages import visible_text, visible_text_with_nbsp
from votes.invalidations import supports_invalidate
from votes.models import SupportReview
from votes.reviews import support_review_decide, support_review_request
from votes.services import support_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def set_aside():
    proposal = factories.ProposalFactory()
    bot, honest = factories.citizen(email="bot@spam.example"), factories.citizen(email="ana@example.org")
    for citizen in (bot, honest):
        support_add(user=citizen, proposal=proposal)
    supports_invalidate(
        actor=factories.official(), proposal=proposal, reason="Made by a <script>.", domains=["spam.example"]
    )
    return proposal, bot, honest


def page(client, user, proposal, **headers):
    client.force_login(user)
    return client.get(proposal.get_absolute_url(), headers=headers)


def test_the_citizen_reads_when_and_why_their_support_was_set_aside(client, set_aside):
    proposal, bot, _honest = set_aside
    response = page(client, bot, proposal)
    text = visible_text(response)
    assert "Your support was set aside on " in text
    assert "and no longer counts: Made by a <script>." in text
    html = response.content.decode()
    assert 'data-role="support-set-aside"' in html and "<time datetime=" in html
    assert "Made by a &lt;script&gt;." in html


def test_in_french(client, set_aside):
    proposal, bot, _honest = set_aside
    text = visible_text_with_nbsp(page(client, bot, proposal, **{"accept-language": "fr"}))
    assert "Votre soutien a été écarté le " in text
    assert "et ne compte plus\u00a0: Made by a <script>." in text


def test_a_supporter_whose_support_counts_and_a_visitor_read_nothing_of_it(client, set_aside):
    proposal, _bot, honest = set_aside
    assert "set aside on" not in visible_text(page(client, honest, proposal))
    client.logout()
    assert 'data-role="support-set-aside"' not in client.get(proposal.get_absolute_url()).content.decode()


def test_it_is_still_said_once_the_consultation_closed(client, set_aside):
    proposal, bot, _honest = set_aside
    consultation = proposal.consultation
    consultation.closes_at = timezone.now() - timedelta(hours=1)
    consultation.save(update_fields=["closes_at"])
    assert "Your support was set aside on " in visible_text(page(client, bot, proposal))


def review_url(proposal) -> str:
    return f"/proposals/{proposal.pk}/support/review/"


def test_the_citizen_asks_for_a_review_from_the_page_without_javascript(client, set_aside):
    proposal, bot, _honest = set_aside
    html = page(client, bot, proposal).content.decode()
    assert f'action="{review_url(proposal)}"' in html
    assert (
        '<label for="support-review-message">Ask for a review: why should your support count?</label>' in html
    )

    response = client.post(review_url(proposal), {"message": "I am a real person."})
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert SupportReview.objects.get().message == "I am a real person."
    after = client.get(proposal.get_absolute_url())
    assert "You asked for a review on " in visible_text(after)
    assert review_url(proposal) not in after.content.decode()


def test_an_empty_request_is_refused_at_the_field_and_sends_nothing(client, set_aside):
    proposal, bot, _honest = set_aside
    client.force_login(bot)
    response = client.post(review_url(proposal), {"message": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    field = re.search(r'<textarea id="support-review-message"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="support-review-error"' in field
    assert re.search(r'<p class="field-error" id="support-review-error">This field is required.</p>', html)
    assert not SupportReview.objects.exists()


def test_a_support_that_counts_has_nothing_to_review_and_visitors_sign_in(client, set_aside):
    proposal, _bot, honest = set_aside
    client.force_login(honest)
    response = client.post(review_url(proposal), {"message": "Please."}, follow=True)
    assert "Your support counts: there is nothing to review." in visible_text(response)
    client.logout()
    response = client.post(review_url(proposal), {"message": "Please."})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not SupportReview.objects.exists()


def test_an_upheld_decision_is_read_with_its_reply_and_the_citizen_may_ask_again(client, set_aside):
    proposal, bot, _honest = set_aside
    review = support_review_request(user=bot, proposal_id=proposal.pk, message="Please.")
    support_review_decide(
        actor=factories.official(), review_id=review.pk, decision="upheld", reply="40 on <one> line."
    )
    response = page(client, bot, proposal)
    assert "and kept it set aside: 40 on <one> line." in visible_text(response)
    assert "40 on &lt;one&gt; line." in response.content.decode()
    assert f'action="{review_url(proposal)}"' in response.content.decode()


def test_the_review_form_is_in_french(client, set_aside):
    proposal, bot, _honest = set_aside
    text = visible_text_with_nbsp(page(client, bot, proposal, **{"accept-language": "fr"}))
    assert "Demander un réexamen\u00a0: pourquoi votre soutien devrait-il compter\u00a0?" in text
