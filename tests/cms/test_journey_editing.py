"""Officials describe a consultation's service journey in the CMS: its stages, in order, edited in the page
editor (a slug made from the name when left empty, the same slug twice refused before anything is saved),
translated with the page; and they keep the list of life events, a translatable snippet that moderators and
citizens cannot reach."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.test.utils.form_data import inline_formset

from cms.models import ConsultationPage, ConsultationStage, LifeEvent
from tests.support import factories
from tests.support.forms import page_form
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(db):
    return factories.consultation(categories=())


@pytest.fixture
def official(page):
    # After the site root exists: the officials' group gets its page permissions on the list.
    return factories.official()


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def post_stages(client, page, stages, *, initial: int = 0, life_events=(), **fields):
    """The page editor's form of `page` as published, with `stages` in its journey panel and the boxes of
    `life_events` (ids) ticked."""
    data = page_form(
        title=page.title,
        slug=page.slug,
        categories=inline_formset([]),
        stages=inline_formset(stages, initial=initial),
        **fields,
    )
    data["life_events"] = [str(pk) for pk in life_events]
    return client.post(edit_url(page), data)


def journey(page) -> list[tuple[str, str]]:
    return list(page.stages.order_by("sort_order").values_list("name", "slug"))


def test_the_editor_shows_the_journey_panel(client_as, official, page):
    html = client_as(official).get(edit_url(page)).content.decode()

    assert "The service journey, stage by stage" in html
    assert 'name="stages-TOTAL_FORMS"' in html


def test_an_official_adds_reorders_and_renames_stages(client_as, official, page):
    client = client_as(official)
    response = post_stages(
        client,
        page,
        [
            {"name": "Find out if I am eligible", "slug": "eligibility", "description": ""},
            {"name": "Apply online", "slug": "", "description": "The form on the website."},
            {"name": "Send documents", "slug": "", "description": ""},
        ],
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    # A slug left empty is made from the name.
    assert journey(page) == [
        ("Find out if I am eligible", "eligibility"),
        ("Apply online", "apply-online"),
        ("Send documents", "send-documents"),
    ]
    eligibility, apply, documents = page.stages.order_by("sort_order")
    proposal = factories.ProposalFactory(consultation=page, stage=documents)

    # Documents before the form, and the form renamed: the same stages, so proposals stay on theirs.
    response = post_stages(
        client,
        page,
        [
            {"id": eligibility.pk, "name": eligibility.name, "slug": "eligibility", "ORDER": "0"},
            {"id": apply.pk, "name": "Apply on the website", "slug": "apply-online", "ORDER": "2"},
            {"id": documents.pk, "name": documents.name, "slug": "send-documents", "ORDER": "1"},
        ],
        initial=3,
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert journey(page) == [
        ("Find out if I am eligible", "eligibility"),
        ("Send documents", "send-documents"),
        ("Apply on the website", "apply-online"),
    ]
    assert sorted(page.stages.values_list("pk", flat=True)) == sorted(
        [eligibility.pk, apply.pk, documents.pk]
    )
    proposal.refresh_from_db()
    assert proposal.stage_id == documents.pk


def test_the_same_slug_twice_is_a_form_error_and_nothing_is_saved(client_as, official, page):
    response = post_stages(
        client_as(official),
        page,
        [
            {"name": "Apply online", "slug": "", "description": ""},
            {"name": "Apply by post", "slug": "apply-online", "description": ""},
        ],
        intro="Changed along with the stages.",
    )

    assert response.status_code == 200
    assert "Please correct the duplicate data for page and slug" in visible_text(response)
    assert not ConsultationStage.objects.exists()
    page.refresh_from_db()
    assert page.intro == "Tell us how the journey should work."
    assert not page.revisions.exists()  # not even a draft


def test_a_stage_without_a_name_is_a_form_error(client_as, official, page):
    response = post_stages(
        client_as(official), page, [{"name": "", "slug": "", "description": "Waiting for the letter."}]
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*name="stages-0-name"[^>]*>', html).group(0)
    assert "This field is required." in visible_text(response)
    assert not ConsultationStage.objects.exists()


def test_a_stage_whose_name_makes_no_slug_asks_for_one(client_as, official, page):
    response = post_stages(client_as(official), page, [{"name": "???", "slug": "", "description": ""}])

    assert response.status_code == 200
    assert "Give this stage a slug: its name makes none." in visible_text(response)
    assert not ConsultationStage.objects.exists()


def test_an_official_tags_a_consultation_with_life_events(client_as, official, page):
    job = LifeEvent.objects.create(name="Losing a job")
    LifeEvent.objects.create(name="Moving house")

    response = post_stages(client_as(official), page, [], life_events=[job.pk])

    assert response.status_code == 302, response.context and response.context["form"].errors
    page = ConsultationPage.objects.get(pk=page.pk)
    assert list(page.life_events.all()) == [job]


def test_the_editor_offers_each_life_event_once_in_the_pages_language(client_as, official, page):
    french = factories.french()
    job = LifeEvent.objects.create(name="Losing a job")
    job_fr = job.copy_for_translation(french)
    job_fr.name = "Perdre son emploi"
    job_fr.save()
    only_french = LifeEvent.objects.create(name="Créer son entreprise", locale=french)

    html = client_as(official).get(edit_url(page)).content.decode()
    offered = set(re.findall(r'<input[^>]*name="life_events"[^>]*value="(\d+)"', html))

    # An event translated into the page's language is offered in it; one written in French only, as is.
    assert offered == {str(job.pk), str(only_french.pk)}


# Translations


def name_in_french(client, translated, names: dict[str, str]):
    """What an official does in the translation's editor: each stage's name translated, then published."""
    stages = [
        {"id": stage.pk, "name": names[stage.slug], "slug": stage.slug, "description": ""}
        for stage in translated.stages.order_by("sort_order")
    ]
    return post_stages(client, translated, stages, initial=len(stages))


def test_a_translation_copies_the_stages_and_gives_their_french_names(client_as):
    page = factories.consultation(categories=(), stages=("Apply online", "Send documents"))
    french = factories.french()
    translated = factories.translation(page, french, title="Allocation chômage")
    official = factories.official()
    assert journey(translated) == journey(page)  # copied, with the original's slugs

    # The slugs are the original's: shown, not edited, and a slug posted anyway is ignored.
    html = client_as(official).get(edit_url(translated)).content.decode()
    assert "disabled" in re.search(r'<input[^>]*name="stages-0-slug"[^>]*>', html).group(0)
    response = name_in_french(
        client_as(official),
        translated,
        {"apply-online": "Faire la demande en ligne", "send-documents": "Envoyer les justificatifs"},
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert journey(translated) == [
        ("Faire la demande en ligne", "apply-online"),
        ("Envoyer les justificatifs", "send-documents"),
    ]

    with translation.override("fr"):
        stages = page.localized_stages()
    assert [(s.name, s.slug) for s in stages] == journey(translated)
    # The stages are still the consultation's, the ones proposals and check-ins point to.
    assert [s.pk for s in stages] == list(page.stages.order_by("sort_order").values_list("pk", flat=True))
    with translation.override("en"):
        assert [s.name for s in page.localized_stages()] == ["Apply online", "Send documents"]


def test_a_translation_shows_the_originals_life_events_without_editing_them(client_as):
    job, house = LifeEvent.objects.create(name="Losing a job"), LifeEvent.objects.create(name="Moving house")
    page = factories.consultation(categories=())
    page.life_events.set([job])
    page.save_revision().publish()
    translated = factories.translation(page, factories.french(), title="Allocation chômage")
    official = factories.official()

    html = client_as(official).get(edit_url(translated)).content.decode()
    checkbox = re.search(rf'<input[^>]*name="life_events"[^>]*value="{job.pk}"[^>]*>', html).group(0)
    assert "disabled" in checkbox and "checked" in checkbox

    # Whatever is posted, the translation keeps the consultation's.
    response = post_stages(client_as(official), translated, [], life_events=[house.pk])
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert list(ConsultationPage.objects.get(pk=translated.pk).life_events.all()) == [job]
    assert list(ConsultationPage.objects.get(pk=page.pk).life_events.all()) == [job]


# The list of life events: officials only


def snippet_url(action: str, *args) -> str:
    return reverse(f"wagtailsnippets_cms_lifeevent:{action}", args=args)


def test_an_official_keeps_the_list_of_life_events(client_as, official):
    client = client_as(official)

    assert client.get(snippet_url("list")).status_code == 200
    response = client.post(
        snippet_url("add"), {"name": "Having a child", "description": "", "sort_order": "3"}
    )
    assert response.status_code == 302
    event = LifeEvent.objects.get()
    assert (event.name, event.sort_order) == ("Having a child", 3)
    response = client.post(
        snippet_url("edit", event.pk), {"name": "Having a baby", "description": "", "sort_order": "3"}
    )
    assert response.status_code == 302
    assert LifeEvent.objects.get().name == "Having a baby"
    assert "Having a baby" in visible_text(client.get(snippet_url("list")))


def test_an_official_translates_a_life_event(client_as, official):
    event = LifeEvent.objects.create(name="Losing a job")
    french = factories.french()
    url = reverse("simple_translation:submit_snippet_translation", args=["cms", "lifeevent", event.pk])

    response = client_as(official).post(url, {"locales": [french.pk]})

    assert response.status_code == 302
    copy = event.get_translation(french)
    response = client_as(official).post(
        snippet_url("edit", copy.pk), {"name": "Perdre son emploi", "description": "", "sort_order": "0"}
    )
    assert response.status_code == 302
    assert event.get_translation(french).name == "Perdre son emploi"


def test_a_moderator_cannot_reach_the_life_events(client_as):
    client = client_as(factories.moderator())
    event = LifeEvent.objects.create(name="Losing a job")

    # Wagtail's answer to a permission denied in its admin: back to the dashboard.
    for url in (snippet_url("list"), snippet_url("add"), snippet_url("edit", event.pk)):
        assert client.get(url)["Location"] == reverse("wagtailadmin_home"), url
    refused_writes(client, event)
    # Nothing in the admin's menu leads there either.
    assert snippet_url("list") not in client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.parametrize("signed_in", [True, False], ids=["citizen", "anonymous"])
def test_citizens_and_visitors_are_sent_to_sign_in(client_as, signed_in):
    client = client_as(factories.citizen() if signed_in else None)
    event = LifeEvent.objects.create(name="Losing a job")

    for url in (snippet_url("list"), snippet_url("add"), snippet_url("edit", event.pk)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("wagtailadmin_login"))
    refused_writes(client, event)


def refused_writes(client, event) -> None:
    """Adding, changing, deleting or translating a life event: each refused, the list as it was."""
    client.post(snippet_url("add"), {"name": "Moving house", "description": "", "sort_order": "0"})
    client.post(snippet_url("edit", event.pk), {"name": "Sacked", "description": "", "sort_order": "0"})
    client.post(snippet_url("delete", event.pk))
    translate = reverse("simple_translation:submit_snippet_translation", args=["cms", "lifeevent", event.pk])
    client.post(translate, {"locales": [factories.french().pk]})
    assert list(LifeEvent.objects.values_list("name", flat=True)) == ["Losing a job"]
