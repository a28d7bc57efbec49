"""A consultation published in English and in French: the same address shows each reader the page in their
language when it exists (the original otherwise), and it stays one consultation whatever the language it
is read in: one set of proposals, one live stream, one entry in the API and the open data."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset

from cms.models import ConsultationCategory, ConsultationPage
from proposals.live.consumers import _snapshot
from proposals.models import Proposal
from tests.support import factories
from tests.support.forms import page_form
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db

FRENCH_TITLE = "Repenser le parcours de l’allocation chômage"
FRENCH_INTRO = "Dites-nous comment le parcours devrait fonctionner."


@pytest.fixture
def reader(client_as):
    def make(language: str, user=None):
        """A browser whose language switcher is set to `language` (the cookie /i18n/setlang/ sets)."""
        client = client_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return make


@pytest.fixture
def french():
    return factories.french()


@pytest.fixture
def translated(consultation, french) -> ConsultationPage:
    return factories.translation(
        consultation, french, title=FRENCH_TITLE, intro=FRENCH_INTRO, service="Allocation chômage"
    )


def content_block(response) -> str:
    """The opening tag of the block holding the page's own texts (title and intro)."""
    return re.search(r'<div class="page-intro"[^>]*>', response.content.decode()).group(0)


def test_same_address_shows_each_reader_their_language(reader, consultation, translated):
    assert translated.url == consultation.url  # no language prefix, the same slug

    english = reader("en").get(consultation.url)
    assert english.status_code == 200
    assert consultation.title in visible_text(english) and FRENCH_TITLE not in visible_text(english)
    assert 'lang="en"' in content_block(english)

    french_page = reader("fr").get(consultation.url)
    text = visible_text(french_page)
    assert french_page.status_code == 200
    assert FRENCH_TITLE in text and FRENCH_INTRO in text and consultation.title not in text
    assert "Participer" in text  # the interface in French too
    assert '<html lang="fr"' in french_page.content.decode() and 'lang="fr"' in content_block(french_page)


def test_without_a_translation_a_french_reader_reads_the_original_in_a_french_interface(
    reader, consultation, french
):
    # The list is translated (so Wagtail routes French readers through the French tree), the consultation
    # not: the original is served rather than a 404.
    other = factories.consultation(title="Parking permits", slug="parking")
    factories.translation(other, french, title="Cartes de stationnement")

    response = reader("fr").get(consultation.url)

    assert response.status_code == 200
    text = visible_text(response)
    assert consultation.title in text and "Participer" in text
    html = response.content.decode()
    # The page is in French, its texts in English: the block holding them says so for screen readers.
    assert '<html lang="fr"' in html and 'lang="en"' in content_block(response)


def test_a_french_reader_of_a_site_without_any_french_page_reads_the_original(reader, consultation):
    response = reader("fr").get(consultation.url)
    assert response.status_code == 200
    assert consultation.title in visible_text(response) and 'lang="en"' in content_block(response)


def test_unpublishing_the_translation_falls_back_to_the_original(reader, consultation, translated):
    assert FRENCH_TITLE in visible_text(reader("fr").get(consultation.url))

    translated.unpublish()

    response = reader("fr").get(consultation.url)
    assert response.status_code == 200
    assert consultation.title in visible_text(response) and FRENCH_TITLE not in visible_text(response)


def test_a_draft_translation_is_not_shown(reader, consultation, french):
    factories.translation(consultation, french, publish=False, title=FRENCH_TITLE)
    assert FRENCH_TITLE not in visible_text(reader("fr").get(consultation.url))


def test_unpublishing_the_consultation_hides_its_translation_too(reader, consultation, translated):
    consultation.unpublish()
    assert reader("fr").get(consultation.url).status_code == 404


def test_the_translation_shows_the_consultations_proposals_and_stream(
    reader, citizen, consultation, translated
):
    proposal = factories.ProposalFactory(consultation=consultation, title="A tracker for my claim")
    factories.ProposalFactory(consultation=consultation, visibility="pending", published_at=None)

    response = reader("fr", user=citizen).get(consultation.url)
    html = response.content.decode()

    assert FRENCH_TITLE in visible_text(response)
    assert proposal.title in visible_text(response)
    assert f'data-live-consultation="{consultation.pk}"' in html
    assert f'data-live-consultation="{translated.pk}"' not in html
    assert reverse("proposal_submit", args=[consultation.pk]) in html
    assert reverse("consultation-export-csv", args=[consultation.pk]) in html
    assert f"/{translated.pk}/" not in html


def test_the_translation_shows_the_consultations_rules_not_its_own_copies(reader, consultation, translated):
    # Changed on the original after the translation was made: the French page follows.
    consultation.support_threshold = 250
    consultation.moderation_mode = "pre"
    consultation.save_revision().publish()

    text = visible_text(reader("fr").get(consultation.url))

    assert "250" in text  # the threshold
    assert "L’équipe de modération lit chaque nouvelle proposition" in text


def test_a_proposal_submitted_in_french_goes_to_the_consultation(reader, citizen, consultation, translated):
    client = reader("fr", user=citizen)
    form = {"title": "Un suivi de mon dossier", "summary": "Chaque étape.", "body": "Moins d’appels."}

    # Through the form the French page links to, and through the translation's own id (an old link).
    client.post(reverse("proposal_submit", args=[consultation.pk]), form)
    client.post(reverse("proposal_submit", args=[translated.pk]), {**form, "title": "Un autre suivi"})

    assert list(Proposal.objects.values_list("consultation_id", flat=True)) == [consultation.pk] * 2
    # The form names the consultation in the reader's language.
    assert FRENCH_TITLE in visible_text(client.get(reverse("proposal_submit", args=[consultation.pk])))
    english = reader("en", user=citizen).get(reverse("proposal_submit", args=[consultation.pk]))
    assert FRENCH_TITLE not in visible_text(english) and consultation.title in visible_text(english)


def test_the_consultation_list_shows_each_consultation_once_in_the_readers_language(
    reader, consultation, translated
):
    other = factories.consultation(title="Parking permits", slug="parking")

    english = visible_text(reader("en").get("/"))
    french_page = reader("fr").get("/")
    french = visible_text(french_page)

    assert consultation.title in english and FRENCH_TITLE not in english and other.title in english
    assert FRENCH_TITLE in french and consultation.title not in french and other.title in french
    assert french.count("Allocation chômage") == 1
    # Each card's texts say their language: the untranslated one's are English in a French page.
    html = french_page.content.decode()
    assert re.search(r'<h3 [^>]*lang="fr">\s*<a [^>]*>' + FRENCH_TITLE, html)
    assert re.search(r'<h3 [^>]*lang="en">\s*<a [^>]*>Parking permits', html)


def test_api_lists_each_consultation_once_with_its_translations(api, consultation, translated):
    listed = api.get("/api/v1/consultations/").json()

    assert [c["id"] for c in listed] == [consultation.pk]
    assert listed[0]["language"] == "en"
    assert listed[0]["translations"] == [{"language": "fr", "title": FRENCH_TITLE, "url": translated.url}]
    # A translation's id is no consultation of its own: its proposals, export and stream are the original's.
    assert api.get(f"/api/v1/consultations/{translated.pk}/").status_code == 404
    assert api.get(f"/api/v1/consultations/{translated.pk}/proposals/").status_code == 404
    assert api.get(f"/api/v1/consultations/{translated.pk}/export.json").status_code == 404
    assert api.get(f"/api/v1/consultations/{consultation.pk}/export.json").status_code == 200
    # The stream's first read (the function database_sync_to_async wraps: run here, in the test's
    # transaction): none for the translation's id.
    assert _snapshot.func(translated.pk) is None
    assert _snapshot.func(consultation.pk)["consultation"] == consultation.pk


def test_api_takes_no_proposal_for_a_translations_id(api_as, citizen, consultation, translated):
    body = {
        "consultation": translated.pk,
        "title": "A tracker",
        "summary": "Each step.",
        "body": "Fewer calls.",
    }
    response = api_as(citizen).post("/api/v1/proposals/", body, format="json")

    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_search_finds_the_french_page_by_french_words_once(reader, consultation, french, settings):
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    # The service is left untranslated: a word of it matches both pages.
    factories.translation(consultation, french, title=FRENCH_TITLE, intro=FRENCH_INTRO)

    def consultations_found(language: str, q: str) -> str:
        html = reader(language).get(reverse("search"), {"q": q}).content.decode()
        return (
            html.split('id="consultations-heading"')[1].split("</section>")[0]
            if "consultations-heading" in html
            else ""
        )

    assert FRENCH_TITLE in consultations_found("fr", "fonctionner")
    assert consultations_found("fr", "parking") == ""
    # Found in both languages: listed once, in the reader's.
    french_hits = consultations_found("fr", "unemployment")
    assert french_hits.count("search-hit__title") == 1 and FRENCH_TITLE in french_hits
    english_hits = consultations_found("en", "unemployment")
    assert english_hits.count("search-hit__title") == 1 and consultation.title in english_hits


def translate_url(page) -> str:
    return reverse("simple_translation:submit_page_translation", args=[page.pk])


def test_an_official_translates_a_consultation_in_the_cms(client_as, consultation, french):
    official = factories.official()  # after the site root exists: page permissions on the list
    client = client_as(official)
    index = consultation.get_parent()

    # The list first (Wagtail offers a language only once the parent page is in it), then the consultation.
    assert client.post(translate_url(index), {"locales": [french.pk]}).status_code == 302
    assert client.post(translate_url(consultation), {"locales": [french.pk]}).status_code == 302

    translation = consultation.get_translation(french)
    assert not translation.live  # a copy for the official to translate, then publish
    # Officials may edit and publish in the French tree too (it is not under the English list).
    permissions = translation.permissions_for_user(official)
    assert permissions.can_edit() and permissions.can_publish()
    assert client.get(reverse("wagtailadmin_pages:edit", args=[translation.pk])).status_code == 200


def test_a_moderator_cannot_translate(client_as, consultation, french):
    moderator = factories.moderator()
    response = client_as(moderator).post(translate_url(consultation.get_parent()), {"locales": [french.pk]})

    # Wagtail's answer to a permission denied in its admin: back to the dashboard, with a message.
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert not consultation.get_parent().has_translation(french)
    assert client_as(moderator).get(translate_url(consultation))["Location"] == reverse("wagtailadmin_home")


def test_a_translations_participation_settings_are_the_originals_in_the_editor(
    client_as, consultation, translated
):
    official = factories.official()
    consultation.support_threshold = 250
    consultation.save_revision().publish()

    html = client_as(official).get(reverse("wagtailadmin_pages:edit", args=[translated.pk])).content.decode()
    threshold = re.search(r'<input[^>]*name="support_threshold"[^>]*>', html).group(0)
    assert "disabled" in threshold and 'value="250"' in threshold
    assert f"Set on the original page, “{consultation.title}”" in html

    # Whatever is posted for them, a translation published from the editor takes the original's settings.
    data = page_form(title=FRENCH_TITLE, slug=translated.slug, support_threshold="3", moderation_mode="pre")
    response = client_as(official).post(reverse("wagtailadmin_pages:edit", args=[translated.pk]), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    translated.refresh_from_db()
    assert translated.live and translated.title == FRENCH_TITLE
    assert (translated.support_threshold, translated.moderation_mode) == (250, consultation.moderation_mode)
    # The original itself is edited as before.
    form_class = ConsultationPage.get_edit_handler().get_form_class()
    assert not form_class(instance=consultation, for_user=official).fields["support_threshold"].disabled


def name_french_category(translated: ConsultationPage, slug: str, name: str) -> None:
    """What an official does in the translation's editor: the category's name translated, then published."""
    category = translated.categories.get(slug=slug)
    category.name = name
    category.save(update_fields=["name"])
    translated.save_revision().publish()


def test_categories_are_named_in_the_readers_language_wherever_they_show(
    reader, citizen, consultation, translated
):
    name_french_category(translated, "online", "En ligne")
    category = consultation.categories.get(slug="online")
    proposal = factories.ProposalFactory(consultation=consultation, category=category)
    french, english = reader("fr", user=citizen), reader("en", user=citizen)

    page = french.get(consultation.url)
    assert re.search(r'<option value="online"[^>]*>En ligne</option>', page.content.decode())
    assert '<span class="tag" data-role="category">En ligne</span>' in page.content.decode()
    detail = french.get(proposal.get_absolute_url()).content.decode()
    assert '<span class="tag">En ligne</span>' in detail
    # The breadcrumb back to the consultation names it in French too.
    assert f'lang="fr">{FRENCH_TITLE}</a>' in detail
    submit = french.get(reverse("proposal_submit", args=[consultation.pk])).content.decode()
    assert re.search(rf'<option value="{category.pk}"[^>]*>En ligne</option>', submit)

    for response in (english.get(consultation.url), english.get(proposal.get_absolute_url())):
        assert "En ligne" not in response.content.decode() and "Online" in visible_text(response)
    # The proposal stays filed under the consultation's category, in the data and the API.
    assert proposal.category.name == "Online"


def test_a_french_reader_filters_by_category_with_the_same_address(reader, consultation, translated):
    name_french_category(translated, "online", "En ligne")
    online = factories.ProposalFactory(
        consultation=consultation, category=consultation.categories.get(slug="online"), title="Filed online"
    )
    factories.ProposalFactory(consultation=consultation, title="Filed nowhere")

    text = visible_text(reader("fr").get(consultation.url, {"category": "online"}))

    assert online.title in text and "Filed nowhere" not in text


def test_a_category_without_a_french_name_keeps_the_originals(reader, consultation, translated):
    # Added to the original after the translation was made: the French page names it as the original does.
    by_phone = ConsultationCategory.objects.create(page=consultation, name="By phone", slug="by-phone")
    factories.ProposalFactory(consultation=consultation, category=by_phone)

    html = reader("fr").get(consultation.url).content.decode()

    assert '<span class="tag" data-role="category">By phone</span>' in html


def test_a_translations_category_slugs_are_the_originals_in_the_editor(client_as, consultation, translated):
    official = factories.official()
    url = reverse("wagtailadmin_pages:edit", args=[translated.pk])
    [copied] = translated.categories.all()

    html = client_as(official).get(url).content.decode()
    slug = re.search(r'<input[^>]*name="categories-0-slug"[^>]*>', html).group(0)
    assert "disabled" in slug and 'value="online"' in slug

    # A slug posted anyway is ignored; the name is the translation's.
    category = {"id": copied.pk, "name": "En ligne", "slug": "en-ligne"}
    data = page_form(
        title=FRENCH_TITLE, slug=translated.slug, categories=inline_formset([category], initial=1)
    )
    response = client_as(official).post(url, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert list(translated.categories.values_list("slug", "name")) == [("online", "En ligne")]
    # On the original, slugs are edited as before.
    html = (
        client_as(official).get(reverse("wagtailadmin_pages:edit", args=[consultation.pk])).content.decode()
    )
    assert "disabled" not in re.search(r'<input[^>]*name="categories-0-slug"[^>]*>', html).group(0)


def test_search_results_name_categories_in_the_readers_language(reader, consultation, translated):
    name_french_category(translated, "online", "En ligne")
    online = consultation.categories.get(slug="online")
    factories.ProposalFactory(consultation=consultation, category=online, title="A tracker for my claim")
    # Another consultation's "online", which has no French page: its name stays, beside the French one.
    other = factories.consultation(title="Parking permits", slug="parking")
    elsewhere = other.categories.get(slug="online")
    factories.ProposalFactory(consultation=other, category=elsewhere, title="Tracker")

    french = reader("fr").get(reverse("search"), {"q": "tracker"}).content.decode()
    english = reader("en").get(reverse("search"), {"q": "tracker"}).content.decode()

    assert french.count('<span class="tag">En ligne</span>') == 1
    assert french.count('<span class="tag">Online</span>') == 1
    # The facet counts both under one slug: named in French, the only name French pages give it.
    assert re.search(r'category=online">En ligne \(2\)</a>', french)
    assert "En ligne" not in english
    assert re.search(r'category=online">Online \(2\)</a>', english)
