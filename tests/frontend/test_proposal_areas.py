"""Areas on the pages, without JavaScript: the submission and edit forms offer the consultation's areas
(only when it has some; another's refused as a form error), the proposal shows its area, the list filters
by area; the account page lets a citizen say which area they live in, per set in use, in both languages."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from proposals.models import DeclaredArea, Proposal
from tests.support import factories
from tests.support.pages import NB, visible_text, visible_text_with_nbsp

pytestmark = pytest.mark.django_db

VALID = {"title": "More benches", "summary": "Somewhere to sit.", "body": "For the older residents."}


@pytest.fixture
def districts(consultation):
    return factories.area_set("North", "South", consultations=[consultation])


@pytest.fixture
def elsewhere():
    return factories.area_set(
        "Harbour", name="Elsewhere", consultations=[factories.consultation(title="Ports")]
    )


def options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {name} select"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def in_french(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    return client


def submit_url(page) -> str:
    return reverse("proposal_submit", args=[page.pk])


def test_the_form_offers_the_consultations_areas(client_for, citizen, consultation, districts):
    html = client_for(citizen).get(submit_url(consultation)).content.decode()

    north, south = districts.areas.all()
    assert options(html, "area") == [
        ("", "Not about one area"),
        (str(north.pk), "North"),
        (str(south.pk), "South"),
    ]
    assert '<label for="id_area">Area (optional)</label>' in html
    assert 'aria-describedby="id_area_helptext"' in html


def test_no_area_choice_without_areas(client_for, citizen, consultation):
    html = client_for(citizen).get(submit_url(consultation)).content.decode()
    assert 'name="area"' not in html


def test_a_proposal_is_submitted_about_an_area_and_shows_it(client_for, citizen, consultation, districts):
    south = districts.areas.get(name="South")

    response = client_for(citizen).post(submit_url(consultation), {**VALID, "area": south.pk}, follow=True)

    assert Proposal.objects.get().area == south
    assert "Area: South" in visible_text(response)


def test_another_consultations_area_is_an_error_on_the_page(
    client_for, citizen, consultation, districts, elsewhere
):
    response = client_for(citizen).post(submit_url(consultation), {**VALID, "area": elsewhere.areas.get().pk})

    assert response.status_code == 200
    assert not Proposal.objects.exists()
    html = response.content.decode()
    assert '<ul class="field__errors" id="id_area_error">' in html
    assert VALID["title"] in html


def test_its_author_moves_it_on_the_edit_form(client_for, citizen, consultation, districts, elsewhere):
    north, south = districts.areas.all()
    proposal = factories.ProposalFactory(author=citizen, consultation=consultation, area=north)
    url = reverse("proposal_edit", args=[proposal.pk])
    data = {"title": proposal.title, "summary": proposal.summary, "body": proposal.body}
    client = client_for(citizen)

    html = client.get(url).content.decode()
    assert re.search(rf'<option value="{north.pk}" selected>North</option>', html)
    refused = client.post(url, {**data, "area": elsewhere.areas.get().pk})
    assert refused.status_code == 200 and 'id="id_area_error"' in refused.content.decode()
    assert Proposal.objects.get().area == north

    client.post(url, {**data, "area": south.pk})
    assert Proposal.objects.get().area == south
    client.post(url, {**data, "area": ""})
    assert Proposal.objects.get().area is None


def test_the_list_filters_by_area(client, consultation, districts):
    north, south = districts.areas.all()
    factories.ProposalFactory(consultation=consultation, area=north, title="Up north")
    factories.ProposalFactory(consultation=consultation, area=south, title="Down south")

    html = client.get(consultation.url, {"area": north.pk}).content.decode()

    assert options(html, "area") == [("", "All areas"), (str(north.pk), "North"), (str(south.pk), "South")]
    assert "Up north" in html and "Down south" not in html


# The account page


def area_form(client, area_set, area) -> dict:
    return client.post(
        reverse("account_area"), {"area_set": area_set.pk, "area": "" if area is None else area.pk}
    )


def test_a_citizen_says_where_they_live_and_takes_it_back(client_for, citizen, consultation, districts):
    client = client_for(citizen)
    north, south = districts.areas.all()

    page = client.get(reverse("account"))
    text = visible_text(page)
    assert "Where you live" in text and f"For the consultations “{consultation.title}”." in text
    assert options(page.content.decode(), "area") == [
        ("", "I do not say"),
        (str(north.pk), "North"),
        (str(south.pk), "South"),
    ]

    response = area_form(client, districts, south)
    assert response.status_code == 302 and response["Location"].endswith("#areas")
    assert DeclaredArea.objects.get(user=citizen).area == south
    page = client.get(response["Location"])
    assert "Your area is saved for Districts." in visible_text(page)
    assert re.search(rf'<option value="{south.pk}" selected>South</option>', page.content.decode())

    area_form(client, districts, None)
    assert not DeclaredArea.objects.exists()


def test_another_sets_area_is_an_error_on_the_page(client_for, citizen, districts, elsewhere):
    response = area_form(client_for(citizen), districts, elsewhere.areas.get())

    assert response.status_code == 400
    assert f'id="id_area_set_{districts.pk}_area_error"' in response.content.decode()
    assert not DeclaredArea.objects.exists()


def test_a_set_no_consultation_uses_is_not_found(client_for, citizen):
    unused = factories.area_set("Nowhere", name="Unused")
    assert area_form(client_for(citizen), unused, unused.areas.get()).status_code == 404
    assert "Where you live" not in visible_text(client_for(citizen).get(reverse("account")))


def test_visitors_are_sent_to_sign_in_and_the_form_needs_csrf(client, client_for, citizen, districts):
    response = area_form(client, districts, districts.areas.first())
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert (
        area_form(
            client_for(citizen, enforce_csrf_checks=True), districts, districts.areas.first()
        ).status_code
        == 403
    )
    assert not DeclaredArea.objects.exists()


def test_the_account_section_in_french(client_for, citizen, consultation, districts):
    client = in_french(client_for(citizen))
    text = visible_text_with_nbsp(client.get(reverse("account")))
    assert "Où vous habitez" in text
    assert f"Pour les consultations «{NB}{consultation.title}{NB}»." in text

    response = area_form(client, districts, districts.areas.first())
    assert "Votre secteur est enregistré pour Districts." in visible_text(client.get(response["Location"]))
