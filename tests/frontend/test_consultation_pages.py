"""The home page and a consultation page, as each kind of visitor sees them."""

import re

import pytest
from django.urls import reverse

from cms.models import ModerationMode
from proposals.models import Status, Visibility
from tests.support import factories
from tests.support.pages import visible_text
from votes import services as vote_services

pytestmark = pytest.mark.django_db


def test_home_lists_consultations_with_service_dates_and_state(client):
    open_one = factories.consultation(title="Open consultation", service="Benefits")
    factories.consultation(title="Closed consultation", service="Housing", open_now=False)

    response = client.get("/")

    assert response.status_code == 200
    text = visible_text(response)
    assert "Open consultation" in text and "Benefits" in text
    assert "Closed consultation" in text and "Housing" in text
    assert "Open until" in text and "Closed on" in text
    assert f'href="{open_one.url}"' in response.content.decode()
    assert response.content.decode().count("<h1") == 1


def test_consultation_page_explains_the_rules(client, consultation):
    consultation.support_threshold = 250
    consultation.response_deadline_days = 21
    consultation.save()

    text = visible_text(client.get(consultation.url))

    assert consultation.title in text and "Unemployment benefit" in text
    assert "Tell us how the journey should work." in text
    assert "reaches 250 supports" in text and "within 21 days" in text
    assert "New proposals appear at once" in text


def test_pre_moderated_consultation_says_proposals_wait(client):
    page = factories.consultation(moderation=ModerationMode.PRE)

    assert "before it is published" in visible_text(client.get(page.url))


def test_anonymous_visitor_is_invited_to_sign_in(client, consultation):
    response = client.get(consultation.url)

    text = visible_text(response)
    assert "Sign in to submit and support proposals." in text
    assert "Submit a proposal" not in text
    assert f"{reverse('account_login')}?next={consultation.url}" in response.content.decode()


def test_unverified_citizen_is_asked_to_confirm_the_address(client_for, unverified, consultation):
    text = visible_text(client_for(unverified).get(consultation.url))

    assert "confirm your e-mail address" in text
    assert "Submit a proposal" not in text


@pytest.mark.parametrize("role", ["citizen", "official"])
def test_verified_people_get_the_submit_button(client_for, consultation, role):
    user = getattr(factories, role)()

    response = client_for(user).get(consultation.url)

    assert "Submit a proposal" in visible_text(response)
    assert reverse("proposal_submit", args=[consultation.pk]) in response.content.decode()


def test_closed_consultation_offers_no_submission_and_no_support(client_for, citizen):
    page = factories.consultation(open_now=False)
    factories.ProposalFactory(consultation=page, title="An old idea")

    response = client_for(citizen).get(page.url)

    text = visible_text(response)
    assert "This consultation is closed" in text
    assert "An old idea" in text
    assert "Submit a proposal" not in text
    assert "Withdraw support" not in text and ">Support<" not in response.content.decode()


def test_list_shows_only_published_proposals_with_counts(client_for, consultation, moderator):
    factories.ProposalFactory(consultation=consultation, title="Published idea", supports_count=7)
    factories.ProposalFactory(consultation=consultation, title="Waiting idea", visibility=Visibility.PENDING)
    factories.ProposalFactory(consultation=consultation, title="Hidden idea", visibility=Visibility.HIDDEN)

    for viewer in (None, moderator):
        text = visible_text(client_for(viewer).get(consultation.url))
        assert "Published idea" in text
        assert "Waiting idea" not in text and "Hidden idea" not in text
    assert 'data-role="supports-count">7</span>' in client_for().get(consultation.url).content.decode()


def test_support_buttons_follow_what_the_citizen_supports(client_for, citizen, consultation):
    supported = factories.ProposalFactory(consultation=consultation, title="Backed")
    factories.ProposalFactory(consultation=consultation, title="Not backed")

    vote_services.support_add(user=citizen, proposal=supported)

    text = visible_text(client_for(citizen).get(consultation.url))

    assert "Withdraw support “Backed”" in text
    assert "Support “Not backed”" in text


def test_unverified_citizen_sees_no_support_button(client_for, unverified, consultation):
    factories.ProposalFactory(consultation=consultation, title="Some idea")

    response = client_for(unverified).get(consultation.url)

    assert "Support “Some idea”" not in visible_text(response)
    assert "to support proposals" in visible_text(response)


def test_filters_and_pagination(client, consultation):
    for n in range(22):
        factories.ProposalFactory(consultation=consultation, title=f"Idea {n:02d}", supports_count=n)
    factories.ProposalFactory(consultation=consultation, title="Accepted one", status=Status.ACCEPTED)

    first = visible_text(client.get(consultation.url))
    assert "Idea 21" in first and "Idea 02" in first and "Idea 01" not in first
    assert "Page 1 of 2" in first

    second = client.get(consultation.url, {"ordering": "-supports", "page": 2})
    assert "Idea 01" in visible_text(second)
    assert "?ordering=-supports&amp;page=1" in second.content.decode()

    accepted = visible_text(client.get(consultation.url, {"status": "accepted"}))
    assert "Accepted one" in accepted and "Idea 21" not in accepted

    assert "No proposals match these filters." in visible_text(
        client.get(consultation.url, {"status": "implemented"})
    )


def test_title_with_markup_is_escaped_in_the_list(client, consultation):
    factories.ProposalFactory(consultation=consultation, title="<script>alert(1)</script>")

    html = client.get(consultation.url).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_page_carries_the_live_data_without_inline_script(client, consultation):
    html = client.get(consultation.url).content.decode()

    assert f'data-live-consultation="{consultation.pk}"' in html
    assert '<script id="live-config" type="application/json">' in html
    assert '<template id="proposal-card-template">' in html
    assert 'type="module" src="/static/frontend/live.js"' in html
    # Every <script> either loads a file or carries JSON data: nothing a strict CSP would block.
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
