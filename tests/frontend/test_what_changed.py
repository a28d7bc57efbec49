"""The What changed page: stage by stage, what was done, then the check-ins before and after in a table and a
sentence saying whether the difference is more than noise; in English and in French, the officials' and
citizens' text escaped, for live public consultations only, in the same few queries whatever the numbers."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation
from wagtail.models import PageViewRestriction

from cms.models import ConsultationStage
from tests.support import factories
from tests.support.pages import NB, NNB, visible_text, visible_text_with_nbsp
from tests.support.what_changed import changed_journey, checked_in, step

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey():
    return changed_journey()


def url(page) -> str:
    return reverse("what_changed", args=[page.pk])


def table_rows(html: str, stage_pk: int) -> list[list[str]]:
    """The rows of a stage's table, the header's first, each cell's text."""
    section = re.search(rf'<section [^>]*id="stage-{stage_pk}".*?</section>', html, re.S).group(0)
    table = re.search(r"<table[^>]*>(.*?)</table>", section, re.S).group(1)
    return [
        [
            re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", "", cell)).strip(" ")
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def in_language(code: str, value, format_name: str = "DATE_FORMAT") -> str:
    with translation.override(code):
        return formats.date_format(value, format_name)


def test_each_stage_says_what_was_done_and_what_changed(client, journey):
    response = client.get(url(journey.consultation))
    assert response.status_code == 200
    html, text = response.content.decode(), visible_text(response)
    day = in_language("en", journey.done_on)

    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    assert headings == [
        "How we tell a change from noise",
        "Stage 1: Find out",
        "Stage 2: Apply",
        "Stage 3: Wait",
        "Stage 4: Paid",
        "Across the journey",
    ]
    assert "Mann–Whitney U test" in text
    # Apply: the step, its proposal and day, the table, the verdicts.
    assert f"Form shortened Done on {day} Proposal: Shorter form" in text
    assert f'href="{reverse("proposal_detail", args=[journey.steps.form.proposal_id])}"' in html
    assert table_rows(html, journey.stages.apply.pk) == [
        ["", f"Before {day}", f"From {day} on"],
        ["People", "6", "5"],
        ["Median frustration", "4 – Very frustrating", "2 – Slightly frustrating"],
        ["Median motivation", "2 – Hardly motivated", "4 – Quite motivated"],
    ]
    test = "(Mann–Whitney U test, p = 0.002): more than noise."
    assert f"Frustration fell from 4 to 2 after “Form shortened” {test}" in text
    assert f"Motivation rose from 2 to 4 after “Form shortened” {test}" in text
    # Find out: a median between two points, and no clear difference.
    assert table_rows(html, journey.stages.find_out.pk)[2][1] == (
        "2.5 – between “Slightly frustrating” and “Somewhat frustrating”"
    )
    assert "Frustration: no clear difference yet (p = 0.35)." in text
    assert "Motivation: no clear difference yet (p = 1.00)." in text
    # Wait: three before, no median of them, no test.
    assert table_rows(html, journey.stages.wait.pk)[1:] == [
        ["People", "3", "12"],
        ["Median frustration", "Not shown (fewer than 5)", "1 – Not frustrating at all"],
        ["Median motivation", "Not shown (fewer than 5)", "5 – Fully motivated"],
    ]
    assert "Not enough check-ins yet to compare (3 before, 12 after; we need 5 on each side)." in text
    # Paid: only planned.
    paid = re.search(rf'<section [^>]*id="stage-{journey.stages.paid.pk}".*?</section>', html, re.S).group(0)
    assert "<table" not in paid
    assert "Still to come" in paid and "Payments on Fridays" in paid
    assert "The check-ins will be compared once a step is done on this stage." in paid
    # Across the journey, apart.
    assert text.index("Across the journey") < text.index("Phone line open")


def test_the_table_is_described_for_screen_readers(client, journey):
    html = client.get(url(journey.consultation)).content.decode()
    assert "<caption>Check-ins on “Apply” before and after “Form shortened”</caption>" in html
    assert html.count('<th scope="col">') == 2 * 3  # three stages with a table: before and after
    assert html.count('<th scope="row">') == 3 * 3  # people, median frustration, median motivation


def test_the_page_in_french(journey):
    client = Client(headers={"accept-language": "fr-FR,fr;q=0.9"})
    response = client.get(url(journey.consultation))
    html, text = response.content.decode(), visible_text_with_nbsp(response)
    day = in_language("fr", journey.done_on)

    assert "<h1>Ce qui a changé</h1>" in html
    assert "test U de Mann-Whitney" in text
    assert (
        f"La frustration a baissé de 4 à 2 après «{NB}Form shortened{NB}» (test U de Mann-Whitney, "
        f"p = 0,002){NB}: plus que du bruit."
    ) in text
    assert f"La frustration{NB}: pas de différence nette pour l’instant (p = 0,35)." in text
    assert (
        f"Pas encore assez de retours pour comparer (3 avant, 12 après{NNB}; il en faut 5 de chaque côté)."
        in text
    )
    assert table_rows(html, journey.stages.find_out.pk) == [
        ["", f"Avant le {day}", f"À partir du {day}"],
        ["Personnes", "10", "10"],
        [
            "Frustration médiane",
            f"2,5 – entre «{NB}Un peu frustrant{NB}» et «{NB}Assez frustrant{NB}»",
            "3 – Assez frustrant",
        ],
        ["Motivation médiane", "3 – Une motivation moyenne", "3 – Une motivation moyenne"],
    ]
    assert f"Faite le {day}" in text


def test_a_translation_shows_its_consultations_figures_with_its_stage_names(journey):
    consultation = journey.consultation
    french = factories.translation(consultation, factories.french(), title="Refaire le parcours")
    for stage in ConsultationStage.objects.filter(page=french):
        stage.name = {"apply": "Déposer", "find-out": "S’informer"}.get(stage.slug, stage.name)
        stage.save()
    client = Client(headers={"accept-language": "fr"})
    response = client.get(url(french))
    assert response.status_code == 200
    text = visible_text_with_nbsp(response)
    assert f"Étape 2{NB}: Déposer" in text
    assert "Refaire le parcours" in text
    assert "La frustration a baissé de 4 à 2" in text, "the canonical page's check-ins"
    assert f"Étape 2{NB}: Déposer" in visible_text_with_nbsp(client.get(url(consultation)))


def test_titles_are_escaped(client):
    consultation = factories.consultation(stages=("<b>Apply</b>",))
    proposal = factories.ProposalFactory(
        consultation=consultation, stage=consultation.stages.get(), title="<img src=x onerror=alert(1)>"
    )
    today = consultation.opens_at.date()
    step(proposal, "<script>alert('step')</script>", done_on=today)
    checked_in(
        consultation, consultation.stages.get(), today - timedelta(days=1), 5, frustration=3, motivation=3
    )
    html = client.get(url(consultation)).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Apply" not in html
    assert "&lt;script&gt;alert(&#x27;step&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;Apply&lt;/b&gt;" in html


def test_a_private_or_unpublished_consultation_is_not_found(client, journey):
    consultation = journey.consultation
    PageViewRestriction.objects.create(page=consultation, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(url(consultation)).status_code == 404
    client.force_login(factories.citizen())
    assert client.get(url(consultation)).status_code == 404, "signed in changes nothing"
    PageViewRestriction.objects.all().delete()
    assert client.get(url(consultation)).status_code == 200
    consultation.unpublish()
    assert client.get(url(consultation)).status_code == 404


def test_a_page_that_is_no_consultation_is_not_found(client, consultation):
    assert client.get(url(factories.site_root())).status_code == 404
    assert client.get(reverse("what_changed", args=[10**9])).status_code == 404


def test_the_consultation_page_links_to_it(client, journey):
    html = client.get(journey.consultation.url).content.decode()
    assert f'href="{url(journey.consultation)}"' in html


def test_a_consultation_without_journey_or_steps_says_so(client, consultation):
    text = visible_text(client.get(url(consultation)))
    assert "This consultation has no journey stages and no implementation steps yet." in text


def test_the_page_costs_the_same_queries_whatever_the_numbers(client):
    consultation = factories.consultation(stages=("One",))
    today = consultation.opens_at.date()
    step(
        factories.ProposalFactory(consultation=consultation, stage=consultation.stages.get()),
        "A",
        done_on=today,
    )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(consultation)).status_code == 200
        return len(captured)

    queries()  # the first request of a client reads what later ones find cached
    small = queries()
    for name in ("Two", "Three", "Four"):
        ConsultationStage.objects.create(page=consultation, name=name, slug=name.lower(), sort_order=9)
    for stage in consultation.stages.all():
        for k in range(3):
            proposal = factories.ProposalFactory(consultation=consultation, stage=stage)
            step(proposal, f"Done {k}", done_on=today - timedelta(days=k))
            step(proposal, f"Planned {k}", planned_for=today + timedelta(days=k))
        for k in range(3):
            checked_in(consultation, stage, today - timedelta(days=k), 2, frustration=1 + k, motivation=3)
    step(factories.ProposalFactory(consultation=consultation, stage=None), "Across", done_on=today)

    assert queries() == small
