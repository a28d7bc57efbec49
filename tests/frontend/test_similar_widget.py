"""The submission page carries what similar.js needs to suggest existing proposals: its script, a hidden
region above the submit button, and its strings and URLs in a json_script block, in the reader's language."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.support import factories

pytestmark = pytest.mark.django_db

NB = "\u00a0"


def submit_url(page) -> str:
    return reverse("proposal_submit", args=[page.pk])


def similar_config(response) -> dict:
    match = re.search(r'<script id="similar-config" type="application/json">(.*?)</script>', response.text)
    assert match, "the page has no similar-config block"
    return json.loads(match[1])


def test_submission_page_carries_the_widgets_urls_and_strings(client_for, citizen, consultation):
    response = client_for(citizen).get(submit_url(consultation))

    config = similar_config(response)
    assert config["consultation"] == consultation.pk
    assert config["similar_url"] == "/api/v1/proposals/similar/"
    assert config["support_url"] == "/api/v1/proposals/0/support/"
    assert config["min_letters"] == 3
    assert config["title_max"] == 140 and config["summary_max"] == 500
    assert config["supports_label"] == {"one": "support", "other": "supports"}
    assert config["status_labels"]["open"] == "Open for support"
    assert config["t"]["found"] == {
        "one": "%(count)s similar proposal already exists.",
        "other": "%(count)s similar proposals already exist.",
    }
    assert config["t"]["support"] == "Support"
    assert config["t"]["supported"] == "You support this"
    assert config["t"]["new_tab"] == "(opens in a new tab)"


def test_the_widget_urls_answer(client_for, citizen, consultation):
    """The URLs handed to the script are the API's: a similar proposal is found, and supported."""
    proposal = factories.ProposalFactory(
        consultation=consultation, title="Show where my application is", summary="A tracker."
    )
    client = client_for(citizen)
    config = similar_config(client.get(submit_url(consultation)))

    found = client.get(
        config["similar_url"], {"consultation": config["consultation"], "title": "where is my application"}
    )
    supported = client.post(config["support_url"].replace("/0/", f"/{proposal.pk}/"))

    assert [hit["id"] for hit in found.json()] == [proposal.pk]
    assert supported.status_code == 201 and supported.json()["supports"] == 1


def test_region_sits_hidden_above_the_submit_button(client_for, citizen, consultation):
    html = client_for(citizen).get(submit_url(consultation)).content.decode()

    region = re.search(r'<section class="similar"[^>]*>', html)
    assert region and " hidden" in region[0] and "data-similar" in region[0]
    assert 'aria-labelledby="similar-proposals-title"' in region[0]
    assert html.index('id="similar-proposals"') < html.index("Submit the proposal</button>")
    heading = re.search(r'<h2 id="similar-proposals-title" class="similar__title">(.*?)</h2>', html)
    assert heading[1] == "Similar proposals already exist: support one instead of splitting the support"
    assert '<script type="module" src="/static/frontend/similar.js"></script>' in html


def test_only_the_submission_page_loads_the_widget(consultation):
    html = Client().get(consultation.url).content.decode()

    assert "similar.js" not in html and "similar-config" not in html


def test_widget_strings_in_french(citizen, consultation):
    client = Client(headers={"accept-language": "fr"})
    client.force_login(citizen)

    response = client.get(submit_url(consultation))

    config = similar_config(response)
    assert config["t"]["found"] == {
        "one": "%(count)s proposition semblable existe déjà.",
        "other": "%(count)s propositions semblables existent déjà.",
    }
    assert config["t"]["supported"] == "Vous la soutenez"
    assert config["supports_label"] == {"one": "soutien", "other": "soutiens"}
    assert f"Des propositions semblables existent déjà{NB}: soutenez-en une" in response.text
