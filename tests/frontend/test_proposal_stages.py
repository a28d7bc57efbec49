"""The stage of the journey a proposal is about, on the pages: offered on the submission form (in the
reader's language, without JavaScript), shown on the proposal and its card, filtered on in the
consultation's list and faceted in search."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from cms.models import ConsultationStage
from proposals.models import Proposal
from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db

VALID = {"title": "A tracker for my claim", "summary": "Show each step.", "body": "It saves calls."}


@pytest.fixture
def journey():
    return factories.consultation(stages=("Apply online", "Wait for the decision"))


def submit_url(page) -> str:
    return reverse("proposal_submit", args=[page.pk])


def in_french(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    return client


def name_in_french(consultation, slug: str, name: str) -> None:
    translated = factories.translation(consultation, factories.french(), title="Parcours")
    ConsultationStage.objects.filter(page=translated, slug=slug).update(name=name)
    translated.save_revision().publish()


def options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {name} select"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def card_titles(response) -> list[str]:
    """The titles of the proposal cards the list shows, in order."""
    return re.findall(r'data-role="title">([^<]+)</a>', response.content.decode())


# The submission form


def test_the_form_offers_the_stages_in_journey_order(client_for, citizen, journey):
    html = client_for(citizen).get(submit_url(journey)).content.decode()

    apply, wait = journey.stages.order_by("sort_order")
    assert options(html, "stage") == [
        ("", "Not about one stage"),
        (str(apply.pk), "Apply online"),
        (str(wait.pk), "Wait for the decision"),
    ]
    assert '<label for="id_stage">Stage of the journey (optional)</label>' in html
    assert 'aria-describedby="id_stage_helptext"' in html


def test_the_form_has_no_stage_choice_without_stages(client_for, citizen, consultation):
    html = client_for(citizen).get(submit_url(consultation)).content.decode()

    assert 'name="stage"' not in html and "Stage of the journey" not in html


def test_the_stages_are_named_in_the_readers_language(client_for, citizen, journey):
    name_in_french(journey, "apply-online", "Déposer en ligne")

    html = in_french(client_for(citizen)).get(submit_url(journey)).content.decode()

    names = [name for _value, name in options(html, "stage")]
    assert names == ["Pas une étape en particulier", "Déposer en ligne", "Wait for the decision"]
    assert "Étape du parcours (facultatif)" in html


def test_a_proposal_is_submitted_about_a_stage(client_for, citizen, journey):
    wait = journey.stages.get(slug="wait-for-the-decision")

    response = client_for(citizen).post(submit_url(journey), {**VALID, "stage": wait.pk}, follow=True)

    assert Proposal.objects.get().stage == wait
    assert "Stage: Wait for the decision" in visible_text(response)


def test_a_proposal_about_no_stage(client_for, citizen, journey):
    client_for(citizen).post(submit_url(journey), {**VALID, "stage": ""})

    assert Proposal.objects.get().stage is None


def test_a_stage_of_another_consultation_is_an_error_on_the_page(client_for, citizen, journey):
    foreign = factories.consultation(stages=("Apply online",)).stages.get()

    response = client_for(citizen).post(submit_url(journey), {**VALID, "stage": foreign.pk})

    assert response.status_code == 200
    assert not Proposal.objects.exists()
    html = response.content.decode()
    assert '<ul class="field__errors" id="id_stage_error">' in html
    assert 'href="#id_stage"' in html  # the error summary leads to the field
    assert VALID["title"] in html  # what was typed is kept


# Reading


def test_the_proposal_page_shows_its_stage_in_the_readers_language(client, journey):
    proposal = factories.ProposalFactory(consultation=journey, stage=journey.stages.get(slug="apply-online"))
    name_in_french(journey, "apply-online", "Déposer en ligne")

    english = client.get(proposal.get_absolute_url())
    french = in_french(client).get(proposal.get_absolute_url())

    assert '<span class="tag" data-role="stage">Stage: Apply online</span>' in english.content.decode()
    assert "Étape\u00a0: Déposer en ligne" in french.content.decode()


def test_a_proposal_without_a_stage_shows_none(client, journey):
    proposal = factories.ProposalFactory(consultation=journey)

    assert "Stage:" not in visible_text(client.get(proposal.get_absolute_url()))


def test_the_cards_show_the_stage_and_the_list_filters_by_it(client, journey):
    apply, wait = journey.stages.order_by("sort_order")
    factories.ProposalFactory(consultation=journey, stage=apply, title="About applying")
    factories.ProposalFactory(consultation=journey, stage=wait, title="About waiting")
    factories.ProposalFactory(consultation=journey, title="About nothing")

    everything = client.get(journey.url)
    html = everything.content.decode()
    assert options(html, "stage") == [
        ("", "All stages"),
        ("apply-online", "Apply online"),
        ("wait-for-the-decision", "Wait for the decision"),
    ]
    assert '<label for="id_stage">Stage of the journey</label>' in html
    assert re.search(r'data-role="stage">Stage: <span data-role="stage-name">Apply online</span>', html)

    filtered = client.get(journey.url, {"stage": "apply-online"})
    assert card_titles(filtered) == ["About applying"]
    assert "Clear filters" in visible_text(filtered)
    # A proposal published live joins the list only if it is about that stage (live.js).
    assert '"stage": "apply-online"' in filtered.content.decode()


def test_a_consultation_without_stages_has_no_stage_filter(client, consultation):
    html = client.get(consultation.url).content.decode()

    assert 'name="stage"' not in html


def test_an_unknown_stage_in_the_address_lists_everything(client, journey):
    factories.ProposalFactory(consultation=journey, title="About nothing")

    assert card_titles(client.get(journey.url, {"stage": "nope"})) == ["About nothing"]


# Search


def test_search_has_a_stage_facet_that_filters(client, journey):
    apply = journey.stages.get(slug="apply-online")
    factories.ProposalFactory(consultation=journey, stage=apply, title="Tracker one")
    factories.ProposalFactory(consultation=journey, title="Tracker two")
    name_in_french(journey, "apply-online", "Déposer en ligne")

    html = client.get(reverse("search"), {"q": "tracker"}).content.decode()
    assert '<h2 id="facet-stage">Stage of the journey</h2>' in html
    assert re.search(r'href="\?q=tracker&amp;stage=apply-online">Apply online \(1\)</a>', html)
    assert "Stage: Apply online" in html

    filtered = client.get(reverse("search"), {"q": "tracker", "stage": "apply-online"})
    text = visible_text(filtered)
    assert "1 proposal found" in text and "Tracker one" in text and "Tracker two" not in text
    assert re.search(r'href="\?q=tracker" aria-current="true">Apply online \(1\)', filtered.content.decode())

    french = in_french(client).get(reverse("search"), {"q": "tracker"}).content.decode()
    assert re.search(r'stage=apply-online">Déposer en ligne \(1\)</a>', french)
    assert "Étape\u00a0: Déposer en ligne" in french


def test_search_explains_an_unknown_stage(client, journey):
    factories.ProposalFactory(consultation=journey, title="Tracker one")

    response = client.get(reverse("search"), {"q": "tracker", "stage": "nope"})

    assert response.status_code == 200
    assert "No such stage." in visible_text(response)
