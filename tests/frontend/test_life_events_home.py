"""The home page as a single window: "What is happening in your life?" lists the life events officials
tagged consultations with, each with its published consultations (named by their service, whichever
department runs it), in the reader's language, before the full list."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.test import Client
from wagtail.models import PageViewRestriction

from cms.models import ConsultationPage, LifeEvent
from tests.support import factories
from tests.support.pages import NNB, visible_text, visible_text_with_nbsp

pytestmark = pytest.mark.django_db

HEADING = "What is happening in your life?"


def reader(language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def life_events(response) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each life event listed, in order: its name and its consultations' (title, service)."""
    html = response.content.decode()
    section = re.search(r'<section class="life-events".*?</section>', html, re.S)
    if section is None:
        return []
    listed = []
    for item in section.group(0).split('<li class="life-event">')[1:]:
        name = re.search(r"<h3 [^>]*>(.*?)</h3>", item, re.S).group(1)
        consultations = re.findall(
            r'<a href="[^"]+" lang="\w+">(.*?)</a>\s*'
            r'<span class="life-event__service">.*?<span lang="\w+">(.*?)</span>',
            item,
            re.S,
        )
        listed.append((unescape(name), [(unescape(t), unescape(s)) for t, s in consultations]))
    return listed


def tagged(page: ConsultationPage, *events: LifeEvent) -> ConsultationPage:
    """What an official does in the page editor: tick the life events, then publish."""
    page.life_events.set(events)
    page.save_revision().publish()
    return page


@pytest.fixture
def events():
    return {
        "job": LifeEvent.objects.create(name="Losing a job", sort_order=1),
        "house": LifeEvent.objects.create(name="Moving house", sort_order=2),
        "child": LifeEvent.objects.create(name="Having a child", sort_order=3),
        "retiring": LifeEvent.objects.create(name="Retiring", sort_order=4),
    }


@pytest.fixture
def benefit(events):
    return tagged(factories.consultation(), events["job"])


@pytest.fixture
def housing(events):
    page = factories.consultation(
        title="Simplifying the housing-allowance application", service="Housing allowance", slug="housing"
    )
    return tagged(page, events["job"], events["house"], events["child"])


def test_consultations_are_listed_under_each_of_their_life_events(benefit, housing):
    factories.consultation(title="Parking permits", service="Parking", slug="parking")  # tagged with none

    response = reader().get("/")

    assert response.status_code == 200
    benefit_row = (benefit.title, "Unemployment benefit")
    housing_row = (housing.title, "Housing allowance")
    # In the officials' order; a consultation under two events is under both; Retiring has none: not listed.
    assert life_events(response) == [
        ("Losing a job", [housing_row, benefit_row]),
        ("Moving house", [housing_row]),
        ("Having a child", [housing_row]),
    ]
    text = visible_text(response)
    assert text.index(HEADING) < text.index("All consultations") < text.index("Parking permits")
    # The full list is still there, each consultation once.
    assert text.count("Parking permits") == 1 and text.count("Housing allowance") == 4


def test_the_section_is_accessible_headings_lists_and_links(benefit):
    html = reader().get("/").content.decode()
    section = re.search(r'<section class="life-events".*?</section>', html, re.S).group(0)

    assert re.search(r'<section class="life-events" aria-labelledby="life-events-heading">', section)
    assert f'<h2 id="life-events-heading">{HEADING}</h2>' in section
    event = LifeEvent.objects.get(name="Losing a job")
    assert f'<h3 class="life-event__name" id="life-event-{event.pk}" lang="en">Losing a job</h3>' in section
    assert (
        f'<ul class="life-event__consultations" role="list" aria-labelledby="life-event-{event.pk}">'
        in section
    )
    # The link is named by the consultation's title and leads to it.
    assert re.search(rf'<a href="{re.escape(benefit.url)}" lang="en">{re.escape(benefit.title)}</a>', section)
    # The full list keeps its heading, now shown.
    assert "<h2>All consultations</h2>" in html


def test_an_unpublished_or_private_consultation_is_not_listed(events, benefit, housing):
    housing.unpublish()
    private = tagged(factories.consultation(title="Staff-only pilot", slug="pilot"), events["retiring"])
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    response = reader().get("/")

    assert life_events(response) == [("Losing a job", [(benefit.title, "Unemployment benefit")])]
    assert "Staff-only pilot" not in visible_text(response) and housing.title not in visible_text(response)


def test_without_a_tagged_consultation_there_is_no_section(events):
    factories.consultation()

    response = reader().get("/")

    assert HEADING not in visible_text(response) and life_events(response) == []
    assert '<h2 class="visually-hidden">All consultations</h2>' in response.content.decode()


def test_in_french_events_and_consultations_take_their_french_names(events, benefit, housing):
    french = factories.french()
    job_fr = events["job"].copy_for_translation(french)
    job_fr.name = "Perdre son emploi"
    job_fr.save()
    factories.translation(
        benefit, french, title="Repenser le parcours de l’allocation chômage", service="Allocation chômage"
    )

    response = reader("fr").get("/")

    assert life_events(response)[0] == (
        "Perdre son emploi",
        [
            (housing.title, "Housing allowance"),
            ("Repenser le parcours de l’allocation chômage", "Allocation chômage"),
        ],
    )
    # Events not translated keep their name, in their language for screen readers.
    assert [name for name, _ in life_events(response)[1:]] == ["Moving house", "Having a child"]
    html = response.content.decode()
    assert re.search(r'<h3 [^>]*lang="fr">Perdre son emploi</h3>', html)
    assert re.search(r'<h3 [^>]*lang="en">Moving house</h3>', html)
    assert f"Que se passe-t-il dans votre vie{NNB}?" in visible_text_with_nbsp(response)
    assert "Toutes les consultations" in visible_text(response)
    # English readers still read the English names.
    assert life_events(reader("en").get("/"))[0][0] == "Losing a job"


def test_a_consultation_tagged_with_an_events_translation_is_filed_under_the_event(events, benefit):
    french = factories.french()
    job_fr = events["job"].copy_for_translation(french)
    job_fr.name = "Perdre son emploi"
    job_fr.save()
    other = tagged(
        factories.consultation(title="Training vouchers", service="Training", slug="training"), job_fr
    )

    assert life_events(reader("en").get("/")) == [
        ("Losing a job", [(other.title, "Training"), (benefit.title, "Unemployment benefit")])
    ]


def test_names_are_escaped(events):
    events["job"].name = '<script>alert("job")</script> & <b>co</b>'
    events["job"].save()
    tagged(factories.consultation(title="<i>Benefit</i> & more", service="<u>Jobs</u>"), events["job"])

    response = reader().get("/")
    html = response.content.decode()

    assert "<script>alert" not in html and "<i>Benefit</i>" not in html and "<u>Jobs</u>" not in html
    assert "&lt;script&gt;alert(&quot;job&quot;)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in html
    assert life_events(response) == [
        ('<script>alert("job")</script> & <b>co</b>', [("<i>Benefit</i> & more", "<u>Jobs</u>")])
    ]


def test_the_queries_do_not_grow_with_events_and_consultations(events, django_assert_max_num_queries):
    french = factories.french()
    page = tagged(factories.consultation(slug="first"), events["job"])
    factories.translation(page, french, title="Premier")
    with django_assert_max_num_queries(QUERIES):
        assert len(life_events(reader("fr").get("/"))) == 1

    more = [LifeEvent.objects.create(name=f"Event {i}") for i in range(8)]
    for i in range(10):
        page = tagged(factories.consultation(slug=f"page-{i}"), *more[i % 4 : i % 4 + 4], events["job"])
        factories.translation(page, french, title=f"Page {i}")
    for event in more[:4]:
        translated = event.copy_for_translation(french)
        translated.name = f"{event.name} (fr)"
        translated.save()

    with django_assert_max_num_queries(QUERIES):
        assert len(life_events(reader("fr").get("/"))) == 8


QUERIES = 16
