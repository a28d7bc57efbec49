"""The consultation's "required to support and submit", set by officials in the CMS (Settings →
Participation): a verified identity only when an identity service is set up, residents only with areas; a
translation keeps the original's; the database refuses what the form refuses."""

import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from cms.models import ConsultationPage
from tests.support import factories
from tests.support.forms import consultation_add_url, page_form
from tests.support.identity import configure_city_id

pytestmark = pytest.mark.django_db

SLUG = "disability-allowance"


@pytest.mark.parametrize(
    ("level", "areas", "stored_areas"),
    [
        ("identity", "", ""),
        ("residents", "69003\r\n\r\n  Villeurbanne \r\n69003", "69003\nVilleurbanne"),
    ],
)
def test_an_official_asks_for_an_identity_when_a_service_is_set_up(
    client_as, index, official, settings, level, areas, stored_areas
):
    configure_city_id(settings)
    data = page_form(participation_level=level, participation_areas=areas)
    response = client_as(official).post(consultation_add_url(index), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    page = ConsultationPage.objects.get(slug=SLUG)
    assert (page.participation_level, page.participation_areas) == (level, stored_areas)


@pytest.mark.parametrize("level", ["identity", "residents"])
def test_no_identity_service_no_identity_level(client_as, index, official, settings, level):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": []}}
    data = page_form(participation_level=level, participation_areas="69003")
    response = client_as(official).post(consultation_add_url(index), data)
    assert response.status_code == 200
    assert "No identity service is set up on this site" in str(response.context["form"].errors)
    assert not ConsultationPage.objects.filter(slug=SLUG).exists()


def test_residents_need_at_least_one_area(client_as, index, official, settings):
    configure_city_id(settings)
    data = page_form(participation_level="residents", participation_areas=" \r\n ")
    response = client_as(official).post(consultation_add_url(index), data)
    assert response.status_code == 200
    assert response.context["form"].errors["participation_areas"]
    assert not ConsultationPage.objects.filter(slug=SLUG).exists()


def test_a_verified_address_stays_the_default(client_as, index, official):
    page = client_as(official).get(consultation_add_url(index)).content.decode()
    checked = re.search(r'<input[^>]*name="participation_level"[^>]*value="email"[^>]*>', page).group(0)
    assert "checked" in checked
    assert client_as(official).post(consultation_add_url(index), page_form()).status_code == 302
    assert ConsultationPage.objects.get(slug=SLUG).participation_level == "email"


def test_the_help_is_in_both_languages():
    help_text = ConsultationPage._meta.get_field("participation_level").help_text
    assert "supports given before stay and count" in str(help_text)
    with translation.override("fr"):
        assert "les soutiens donnés avant restent et comptent" in str(help_text)
        areas = str(ConsultationPage._meta.get_field("participation_areas").help_text)
        assert "un par ligne" in areas


def test_a_translation_keeps_the_originals_level_and_areas(client_as, index, official, settings):
    configure_city_id(settings)
    original = factories.consultation(participation_level="residents", participation_areas="69003")
    french = factories.translation(original, factories.french(), title="Allocation chômage")
    url = reverse("wagtailadmin_pages:edit", args=[french.pk])
    html = client_as(official).get(url).content.decode()
    radio = re.search(r'<input[^>]*name="participation_level"[^>]*value="residents"[^>]*>', html).group(0)
    assert "disabled" in radio and "checked" in radio

    data = page_form(
        title="Allocation chômage", slug=french.slug, participation_level="email", participation_areas=""
    )
    assert client_as(official).post(url, data).status_code == 302
    french.refresh_from_db()
    assert (french.participation_level, french.participation_areas) == ("residents", "69003")


@pytest.mark.parametrize(
    "values",
    [{"participation_level": "everyone"}, {"participation_level": "residents", "participation_areas": ""}],
)
def test_the_database_refuses_an_unknown_level_or_residents_of_nowhere(values):
    consultation = factories.consultation()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsultationPage.objects.filter(pk=consultation.pk).update(**values)
