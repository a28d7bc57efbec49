"""The supports review in the Wagtail admin (/cms/proposals/<id>/supports/): linked from the proposal's
page, shown to moderators and officials only, its figures in tables with captions and headers, its flags
in words, in English and in French."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone
from wagtail.users.models import UserProfile

from cocreate.addresses import address_hash
from tests.support import factories
from tests.support.pages import visible_text, visible_text_with_nbsp
from votes.services import support_add

pytestmark = pytest.mark.django_db

START = (timezone.now() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)


def url(proposal) -> str:
    return f"/cms/proposals/{proposal.pk}/supports/"


@pytest.fixture
def proposal(index):
    consultation = factories.consultation(opens_at=timezone.now() - timedelta(days=30))
    proposal = factories.ProposalFactory(consultation=consultation, title="Open on <b>Saturdays</b>")
    for i in range(12):  # one hour, one address: a flag
        citizen = factories.citizen(email=f"s{i}@campus.example", date_joined=START - timedelta(days=400 + i))
        with mock.patch("django.utils.timezone.now", return_value=START):
            support_add(user=citizen, proposal=proposal, address_hash=address_hash("192.0.2.44"))
    return proposal


@pytest.mark.parametrize("role", ["official", "moderator"])
def test_officials_and_moderators_read_the_review_from_the_proposals_page(client_as, proposal, role):
    client = client_as(getattr(factories, role)())
    detail = client.get(f"/cms/proposals/{proposal.pk}/").content.decode()
    assert f'href="{url(proposal)}"' in detail
    response = client.get(url(proposal))
    assert response.status_code == 200
    html, text = response.content.decode(), visible_text(response)
    assert "Open on &lt;b&gt;Saturdays&lt;/b&gt;" in html  # escaped
    assert "Many accounts from one address: 12 supports came from one client address" in text
    assert "not proof" in text
    assert address_hash("192.0.2.44")[:8] in text
    assert address_hash("192.0.2.44") not in text  # the prefix only (an official's link names it whole)
    assert html.count("<caption") == 6  # over time, sign-up days and months, domains, addresses
    assert 'scope="row"' in html and 'scope="col"' in html
    assert "<svg" in html and "<title" in html


def test_a_proposal_without_anything_unusual_says_so(client_as, index):
    proposal = factories.ProposalFactory()
    response = client_as(factories.official()).get(url(proposal))
    assert "Nothing unusual found by the rules below." in visible_text(response)


def test_a_citizen_is_sent_away_from_the_admin(client_as, proposal):
    response = client_as(factories.citizen()).get(url(proposal))
    assert response.status_code == 302 and "/cms/login/" in response["Location"]


def test_an_editor_without_a_proposal_role_is_refused(client_as, proposal):
    response = client_as(factories.admin_only_user()).get(url(proposal))
    assert response.status_code == 403
    assert address_hash("192.0.2.44")[:8] not in response.content.decode()


def test_a_moderator_without_a_second_factor_is_refused(client_as, proposal):
    response = client_as(factories.moderator(second_factor=False)).get(url(proposal))
    assert response.status_code in (302, 403)
    assert address_hash("192.0.2.44")[:8] not in response.content.decode()


def test_an_unknown_proposal_is_a_404(client_as, index):
    assert client_as(factories.official()).get("/cms/proposals/999999999/supports/").status_code == 404


def test_the_review_is_in_french(client_as, proposal):
    official = factories.official()
    client = client_as(official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    profile = UserProfile.get_for_user(official)
    profile.preferred_language = "fr"
    profile.save()
    text = visible_text_with_nbsp(client.get(url(proposal)))
    assert "Examen des soutiens" in text
    assert "Plusieurs comptes depuis une même adresse\u00a0: 12 soutiens viennent d’une même adresse" in text
    assert "Comment les signalements sont levés" in text


def test_an_official_follows_a_flag_to_the_form_that_sets_its_supports_aside(client_as, proposal):
    html = client_as(factories.official()).get(url(proposal)).content.decode()
    form = f"/cms/proposals/{proposal.pk}/supports/set-aside/?address_hashes={address_hash('192.0.2.44')}"
    assert f'href="{form}"' in html
    assert "Set aside these supports…" in html
    filled = client_as(factories.official()).get(form)
    assert filled.status_code == 200
    assert f"{address_hash('192.0.2.44')}</textarea>" in filled.content.decode()


def test_a_moderator_who_may_not_set_supports_aside_gets_no_link_to_it(client_as, proposal):
    html = client_as(factories.moderator()).get(url(proposal)).content.decode()
    assert "/supports/set-aside/" not in html
    assert address_hash("192.0.2.44") not in html
