"""The site in French: pages, forms, messages and API errors follow the visitor's language, the switcher
goes back to English, and the French catalogue covers every string marked for translation.

French typography: a no-break space (NB) before ":" and inside « », a narrow one (NNB) before ; ! ?.
"""

import ast
import json
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from proposals import services
from proposals.models import Status
from tests.support import factories
from tests.support.pages import NB, NNB, visible_text_with_nbsp

CATALOGUE = Path(settings.BASE_DIR) / "frontend" / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# What `makemessages` is run with (see the catalogue's own test below): everything but these.
NOT_SCANNED = {".git", ".venv", "node_modules", "static_collected", "tests", "bench", "media", "locale"}


def set_language(client: Client, code: str, next_url: str = "/"):
    """What the switcher in the page header does."""
    return client.post(reverse("set_language"), {"language": code, "next": next_url})


@pytest.fixture(params=["switcher", "accept-language"])
def french(request):
    """A client reading the site in French, either chosen with the switcher or sent by the browser."""

    def make(user=None) -> Client:
        if request.param == "switcher":
            client = Client()
            assert set_language(client, "fr").status_code == 302
        else:
            client = Client(headers={"accept-language": "fr-FR,fr;q=0.9,en;q=0.5"})
        if user is not None:
            client.force_login(user)
        return client

    return make


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "the page has no <html lang>"
    return match[1]


def in_french(value, format_name: str) -> str:
    """As the page shows it: a moment in the site's time zone (in Paris it is already tomorrow from 23:00
    UTC in winter), in French."""
    with translation.override("fr"):
        return formats.date_format(timezone.localtime(value), format_name)


# Pages


@pytest.mark.django_db
def test_home_page_in_french(french, consultation):
    response = french().get("/")

    text = visible_text_with_nbsp(response)
    assert response.status_code == 200
    assert html_lang(response) == "fr"
    assert response["Content-Language"] == "fr"
    assert "Aller au contenu principal" in text
    assert "Les services publics se réinventent avec les personnes qui les utilisent." in text
    assert "Se connecter" in text and "Créer un compte" in text
    assert f"Ouverte jusqu’au {in_french(consultation.closes_at, 'DATE_FORMAT')}" in text
    assert "Skip to main content" not in text and "Sign in" not in text
    # The switcher offers the other language, English, not the one being read.
    switcher = re.search(r'<form class="language-form".*?</form>', response.content.decode(), re.S).group(0)
    assert 'value="en" lang="en"' in switcher and 'value="fr"' not in switcher


@pytest.mark.django_db
def test_consultation_page_in_french(french, consultation):
    factories.ProposalFactory(consultation=consultation, title="Un suivi de mon dossier en ligne")

    response = french().get(consultation.url)

    text = visible_text_with_nbsp(response)
    assert html_lang(response) == "fr"
    assert "Participer" in text
    assert "Lorsqu’une proposition atteint 100 soutiens, l’équipe responsable y apporte une réponse" in text
    assert "Connectez-vous pour déposer et soutenir des propositions." in text
    assert "Trier par" in text and "Les plus soutenues" in text and "Ouverte au soutien" in text
    assert "Un suivi de mon dossier en ligne" in text and "Soutenir" in text
    assert "Taking part" not in text


@pytest.mark.django_db
def test_consultation_page_gives_live_updates_their_french_text(french, consultation):
    """live.js has no strings of its own: it reads them from the page."""
    response = french().get(consultation.url)

    match = re.search(r'<script id="live-config" type="application/json">(.*?)</script>', response.text)
    config = json.loads(match[1])
    assert config["supports_label"] == {"one": "soutien", "other": "soutiens"}
    assert config["t"]["updates"] == {
        "one": "et %(n)s autre mise à jour",
        "other": "et %(n)s autres mises à jour",
    }
    assert config["status_labels"][Status.UNDER_REVIEW] == "En cours d’examen"
    assert config["t"]["new_proposal"] == f"Nouvelle proposition{NB}: %(title)s"
    assert config["t"]["reconnecting"] == f"Mises à jour en direct interrompues{NB}: reconnexion…"


@pytest.mark.django_db
def test_empty_consultation_in_french(french, consultation):
    text = visible_text_with_nbsp(french().get(consultation.url))

    assert f"Pas encore de proposition. La vôtre pourrait être la première{NNB}!" in text


@pytest.mark.django_db
def test_proposal_page_in_french(french, consultation, citizen, official):
    citizen.display_name = "Awa"
    citizen.save()
    proposal = factories.ProposalFactory(consultation=consultation, author=citizen, title="Des rendez-vous")
    services.proposal_set_status(actor=official, proposal=proposal, status=Status.UNDER_REVIEW)
    response_ = services.response_publish(
        actor=official, proposal=proposal, body="Nous allons essayer.", decision=Status.ACCEPTED
    )

    response = french().get(reverse("proposal_detail", args=[proposal.pk]))

    text = visible_text_with_nbsp(response)
    assert html_lang(response) == "fr"
    assert "Proposée par Awa" in text
    assert "Réponses officielles" in text and "Réponse officielle" in text
    assert f"Décision{NB}: Acceptée" in text
    assert f"Publiée le {in_french(response_.published_at, 'DATE_FORMAT')}" in text
    assert "Historique du statut" in text
    changed_on = in_french(
        proposal.audit_entries.status_changes().earliest("created_at").created_at, "DATE_FORMAT"
    )
    assert f"{changed_on}{NB}: de «{NB}Ouverte au soutien{NB}» à «{NB}En cours d’examen{NB}»" in text
    assert "À 100 soutiens, une réponse officielle est attendue dans un délai de 30 jours." in text
    assert "Fil d’Ariane" in response.text  # the breadcrumb's label, for screen readers


@pytest.mark.django_db
def test_a_nameless_official_is_named_in_the_readers_language(consultation):
    """One stored row, read in English and in French: nothing of the official's language is stored."""
    official = factories.official(first_name="", last_name="", display_name="")
    proposal = factories.ProposalFactory(consultation=consultation)
    with translation.override("fr"):
        services.response_publish(actor=official, proposal=proposal, body="Oui.", decision=Status.ACCEPTED)
    page, api = reverse("proposal_detail", args=[proposal.pk]), f"/api/v1/proposals/{proposal.pk}/"
    english, french = Client(headers={"accept-language": "en"}), Client(headers={"accept-language": "fr"})

    assert (
        proposal.responses.get().author_name == ""
        and proposal.audit_entries.status_changes().get().reason == ""
    )
    assert '<span class="response__author">Official</span>' in english.get(page).text
    assert '<span class="response__author">Agent public</span>' in french.get(page).text
    assert english.get(api).json()["responses"][0]["author_name"] == "Official"
    assert french.get(api).json()["responses"][0]["author_name"] == "Agent public"


@pytest.mark.django_db
def test_submission_form_in_french(french, citizen, consultation):
    response = french(citizen).get(reverse("proposal_submit", args=[consultation.pk]))

    html, text = response.content.decode(), visible_text_with_nbsp(response)
    assert html_lang(response) == "fr"
    assert "<h1>Déposer une proposition</h1>" in html
    assert '<label for="id_title">Titre</label>' in html
    assert "Dites ce que vous proposez en une phrase courte. 140 caractères au maximum." in text
    assert "Catégorie (facultatif)" in text and "Aucune catégorie" in text
    assert 'data-template="%(count)s sur %(max)s caractères"' in html
    assert "Envoyer la proposition" in text and "Annuler" in text


@pytest.mark.django_db
def test_submission_errors_in_french(french, citizen, consultation):
    data = {"title": "", "summary": "x" * 501, "body": "y" * 10_001}

    response = french(citizen).post(reverse("proposal_submit", args=[consultation.pk]), data)

    text = visible_text_with_nbsp(response)
    assert response.status_code == 200
    assert "Veuillez corriger les points suivants" in text
    assert "Ce champ est obligatoire." in text
    assert f"Trop long{NB}: 501 caractères, pour 500 au maximum." in text
    # Numbers grouped as French groups them, as in the help text and the counter.
    assert f"Trop long{NB}: 10{NNB}001 caractères, pour 10{NNB}000 au maximum." in text
    # The error summary names each field, with the French no-break space before the colon.
    assert f"Titre{NB}: Ce champ est obligatoire." in text
    assert "Titre :" not in text and "Titre:" not in text


@pytest.mark.django_db
def test_error_summary_in_english_has_no_space_before_the_colon(client, citizen, consultation):
    client.force_login(citizen)
    data = {"title": "", "summary": "A summary.", "body": "Some details."}

    response = client.post(reverse("proposal_submit", args=[consultation.pk]), data)

    assert "Title: This field is required." in visible_text_with_nbsp(response)


@pytest.mark.django_db
def test_submission_thanks_in_french(french, citizen, consultation):
    data = {"title": "Un guichet le samedi", "summary": "Ouvrir le samedi matin.", "body": "Pour ceux qui…"}

    response = french(citizen).post(reverse("proposal_submit", args=[consultation.pk]), data, follow=True)

    assert f"Merci{NB}: votre proposition est publiée." in visible_text_with_nbsp(response)


@pytest.mark.django_db
def test_sign_in_page_in_french(french):
    response = french().get(reverse("account_login"))

    text = visible_text_with_nbsp(response)
    assert response.status_code == 200
    assert html_lang(response) == "fr"
    assert "Mot de passe" in text  # allauth's own French
    assert "Créer un compte" in text and "Aller au contenu principal" in text  # the site's layout
    assert "Password" not in text


@pytest.mark.django_db
def test_rate_limit_page_in_french():
    with translation.override("fr"):
        html = render_to_string("429.html", {"retry_after": 30})

    assert '<html lang="fr">' in html
    assert "<h1>Trop de demandes</h1>" in html
    assert "Veuillez patienter 30 secondes, puis réessayer." in html


# API errors follow the language of the session, or of the request


@pytest.mark.django_db
def test_api_validation_error_in_french(french, citizen, consultation):
    response = french(citizen).post("/api/v1/proposals/", {}, content_type="application/json")

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["message"] == "La requête contient des champs invalides."
    assert error["fields"]["title"] == ["Ce champ est obligatoire."]


@pytest.mark.django_db
def test_api_service_errors_in_french(french, consultation):
    unverified = factories.unverified_citizen()
    proposal = factories.ProposalFactory(consultation=consultation)
    closed = factories.consultation(open_now=False, title="Terminée")
    client = french(unverified)

    support = client.post(f"/api/v1/proposals/{proposal.pk}/support/")
    submit = french(factories.citizen()).post(
        "/api/v1/proposals/",
        {"consultation": closed.pk, "title": "Titre", "summary": "Résumé", "body": "Texte"},
        content_type="application/json",
    )

    assert support.status_code == 403
    assert support.json()["error"]["message"] == (
        "Confirmez votre adresse e-mail avant de soutenir des propositions."
    )
    assert submit.status_code == 409
    assert (
        submit.json()["error"]["message"] == "Cette consultation n’accepte pas de propositions en ce moment."
    )


@pytest.mark.django_db
def test_api_errors_stay_in_english_for_an_english_session(client, citizen, consultation):
    client.force_login(citizen)

    response = client.post("/api/v1/proposals/", {}, content_type="application/json")

    assert response.json()["error"]["message"] == "The request has invalid fields."


# The switcher


@pytest.mark.django_db
def test_switcher_goes_back_to_english(client, consultation):
    set_language(client, "fr", consultation.url)
    assert html_lang(client.get(consultation.url)) == "fr"

    back = set_language(client, "en", consultation.url)
    response = client.get(back["Location"])

    assert back.status_code == 302 and back["Location"] == consultation.url
    assert html_lang(response) == "en"
    assert "Taking part" in visible_text_with_nbsp(response) and "Participer" not in visible_text_with_nbsp(
        response
    )


@pytest.mark.django_db
def test_switcher_choice_wins_over_the_browser(consultation):
    client = Client(headers={"accept-language": "fr"})
    set_language(client, "en")

    response = client.get("/")

    assert html_lang(response) == "en"
    assert "Skip to main content" in visible_text_with_nbsp(response)


# The catalogue


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list: one item per plural form)
    and flags. Obsolete entries (`#~`) are left out: they are not compiled."""
    entries, entry, key = [], None, None

    def close():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            close()
            entry, key = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(key, int):
                entry["msgstr"][key] += value
            else:
                entry[key] += value
        else:
            keyword, value = line.split(" ", 1)
            index = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            key = int(index[1]) if index else (0 if keyword == "msgstr" else keyword)
            if isinstance(key, int):
                entry["msgstr"][key] = ast.literal_eval(value)
            else:
                entry[key] = ast.literal_eval(value)
    close()
    for item in entries:
        item["msgstr"] = [item["msgstr"][i] for i in sorted(item["msgstr"])]
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%%|%\(\w+\)[sd]|%[sd]|\{\w*\}|</?\w+[^>]*>", text))


def test_catalogue_header_is_french_and_final():
    header = next(e for e in parse_po(CATALOGUE) if e["msgid"] == "")

    assert "fuzzy" not in header["flags"]
    assert "Language: fr\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n > 1);\n" in header["msgstr"][0]


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = [e for e in parse_po(CATALOGUE) if e["msgid"]]

    assert len(entries) > 250
    untranslated = [e["msgid"] for e in entries if not all(s.strip() for s in e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"no French for: {untranslated}"
    assert not fuzzy, f"fuzzy, to be checked: {fuzzy}"
    assert all(len(e["msgstr"]) == 2 for e in entries if "msgid_plural" in e)


def test_translations_keep_placeholders_and_markup():
    for entry in parse_po(CATALOGUE):
        if not entry["msgid"]:
            continue
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        for source, text in zip(sources, entry["msgstr"], strict=False):
            assert placeholders(text) == placeholders(source), (source, text)


def test_no_plain_space_before_french_punctuation():
    for entry in parse_po(CATALOGUE):
        for text in entry["msgstr"] if entry["msgid"] else []:
            assert not re.search(r" [:;?!»]|« ", text), text


def test_compiled_catalogue_is_the_current_one():
    """The committed .mo gives exactly the .po's text: nobody edited one without compiling the other."""
    with translation.override("fr"):
        for entry in parse_po(CATALOGUE):
            if not entry["msgid"]:
                continue
            context = entry.get("msgctxt")
            if "msgid_plural" in entry:
                for n, expected in ((1, entry["msgstr"][0]), (2, entry["msgstr"][1])):
                    got = (
                        translation.npgettext(context, entry["msgid"], entry["msgid_plural"], n)
                        if context
                        else translation.ngettext(entry["msgid"], entry["msgid_plural"], n)
                    )
                    assert got == expected, entry["msgid"]
            else:
                got = (
                    translation.pgettext(context, entry["msgid"])
                    if context
                    else translation.gettext(entry["msgid"])
                )
                assert got == entry["msgstr"][0], entry["msgid"]


def test_every_marked_string_is_in_the_catalogue(tmp_path, monkeypatch):
    """Extract the strings afresh, as `makemessages` does, from a copy of the sources: a string marked for
    translation in a template or in Python without a French text in the catalogue fails here. Needs
    GNU gettext's xgettext, as `makemessages` does."""
    assert shutil.which("xgettext"), "GNU gettext (xgettext, msgmerge) is needed to check the catalogue"
    sources, out = tmp_path / "src", tmp_path / "locale"
    shutil.copytree(
        settings.BASE_DIR,
        sources,
        ignore=lambda folder, names: [
            n
            for n in names
            if n in NOT_SCANNED
            or n == "__pycache__"
            or (Path(folder, n).is_file() and Path(n).suffix not in {".py", ".html", ".txt"})
        ],
    )
    monkeypatch.chdir(sources)

    with override_settings(LOCALE_PATHS=[str(out)]):
        call_command("makemessages", locale=["fr"], verbosity=0, stdout=StringIO())

    extracted = {(e.get("msgctxt"), e["msgid"]) for e in parse_po(out / "fr" / "LC_MESSAGES" / "django.po")}
    translated = {
        (e.get("msgctxt"), e["msgid"]) for e in parse_po(CATALOGUE) if e["msgid"] and all(e["msgstr"])
    }
    missing = sorted(msgid for context, msgid in extracted - translated if msgid)
    assert not missing, f"marked for translation but not in the French catalogue: {missing}"


def test_our_short_words_leave_the_admins_and_allauths_alone():
    """Words with a meaning of our own carry a context, so Wagtail, Django and allauth keep their French."""
    with translation.override("fr"):
        assert translation.gettext("Change") == "Modifier"
        assert translation.gettext("Submitted") == "Soumis"
        assert translation.pgettext("submit the chosen language", "Change") == "Changer"
        assert translation.pgettext("when a proposal was submitted", "Submitted") == "Dépôt"


@pytest.mark.django_db
def test_language_switcher_button_in_french(french, consultation):
    """The header offers the other language in its own words, its purpose said in the page's language."""
    html = french().get("/").text
    to_english = r'<button type="submit" name="language" value="en" lang="en"[^>]*>(.*?)</button>'
    button = re.search(to_english, html)
    assert button, "no button switching to English"
    assert button.group(1) == f'<span class="visually-hidden" lang="fr">Langue{NB}: </span>English'
    assert 'value="fr"' not in re.search(r'<form class="language-form".*?</form>', html, re.S).group(0)
