"""Language of parts (WCAG 3.1.2): a proposal's and a comment's text carry the language it was written in,
whatever the language of the page around it; the interface around them stays in the reader's."""

import re

import pytest
from django.urls import reverse

from proposals.models import Comment, Visibility
from tests.support import factories

pytestmark = pytest.mark.django_db

FRENCH = {"accept-language": "fr-FR,fr;q=0.9"}


@pytest.fixture
def proposal(consultation):
    return factories.ProposalFactory(
        consultation=consultation,
        language="fr",
        title="Un formulaire qu’on peut reprendre plus tard",
        summary="Enregistrer la demande en cours.",
        body="Premier paragraphe.",
    )


def tag_around(html: str, text: str) -> str:
    """The opening tag of the element in the page's body that directly holds `text`."""
    body = html[html.index("<body") :]
    match = re.search(r"(<[a-z0-9]+\b[^>]*>)\s*(?:<p>)?" + re.escape(text), body)
    assert match, f"{text!r} not on the page"
    return match.group(1)


def test_a_french_proposal_on_an_english_page(client, proposal):
    html = client.get(reverse("proposal_detail", args=[proposal.pk])).content.decode()

    assert '<html lang="en"' in html
    assert 'lang="fr"' in tag_around(html, "Un formulaire qu’on peut reprendre plus tard")
    assert 'lang="fr"' in tag_around(html, "Enregistrer la demande en cours.")
    assert 'lang="fr"' in tag_around(html, "Premier paragraphe.")
    # The interface around the text is not marked French.
    assert "lang=" not in tag_around(html, "Official responses")


def test_an_english_proposal_on_a_french_page(client, consultation):
    proposal = factories.ProposalFactory(consultation=consultation, language="en", title="Save halfway")

    html = client.get(reverse("proposal_detail", args=[proposal.pk]), headers=FRENCH).content.decode()

    assert '<html lang="fr"' in html
    assert 'lang="en"' in tag_around(html, "Save halfway")


def test_cards_carry_their_proposals_language(client, consultation, proposal):
    factories.ProposalFactory(
        consultation=consultation, language="en", title="Save halfway", summary="In English."
    )

    response = client.get(consultation.url)
    html = re.sub(r"<template\b.*?</template>", "", response.content.decode(), flags=re.S)

    assert 'lang="fr"' in tag_around(html, "Un formulaire qu’on peut reprendre plus tard")
    assert 'lang="fr"' in tag_around(html, "Enregistrer la demande en cours.")
    assert 'lang="en"' in tag_around(html, "Save halfway")
    assert 'lang="en"' in tag_around(html, "In English.")


def test_the_card_template_for_live_cards_claims_no_language(client, consultation, proposal):
    html = client.get(consultation.url).content.decode()
    template = re.search(r'<template id="proposal-card-template">(.*?)</template>', html, re.S).group(1)

    assert "lang=" not in template


def test_comments_carry_their_language(client, proposal):
    for language, body in [("fr", "Bonne idée."), ("en", "Good idea.")]:
        Comment.objects.create(
            proposal=proposal,
            author=factories.citizen(),
            body=body,
            language=language,
            visibility=Visibility.PUBLISHED,
        )

    html = client.get(reverse("proposal_detail", args=[proposal.pk])).content.decode()

    assert 'lang="fr"' in tag_around(html, "Bonne idée.")
    assert 'lang="en"' in tag_around(html, "Good idea.")
