"""Numbers of supports agree with their noun in each language: French uses the singular for 0 and 1
("0 soutien", "1 soutien", "2 soutiens"), English only for 1 ("0 supports", "1 support")."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.support import factories

FRENCH = {"accept-language": "fr-FR,fr;q=0.9"}
ENGLISH = {"accept-language": "en"}


def supports_shown(response, proposal) -> str:
    """The count and its label as the card or the page shows them: the count alone in its own element."""
    html = response.content.decode()
    holder = html.index(f'data-proposal-id="{proposal.pk}"')
    match = re.search(
        r'<span class="supports__count" data-role="supports-count">(\d+)</span> '
        r'<span data-role="supports-label">([^<]*)</span>',
        html[holder:],
    )
    assert match, "no supports count on the page"
    return f"{match[1]} {match[2]}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "count", "expected"),
    [
        (FRENCH, 0, "0 soutien"),
        (FRENCH, 1, "1 soutien"),
        (FRENCH, 2, "2 soutiens"),
        (ENGLISH, 0, "0 supports"),
        (ENGLISH, 1, "1 support"),
        (ENGLISH, 2, "2 supports"),
    ],
)
def test_supports_on_the_card_and_the_proposal_page(consultation, headers, count, expected):
    proposal = factories.ProposalFactory(consultation=consultation, supports_count=count)
    client = Client(headers=headers)

    card = client.get(consultation.url)
    page = client.get(reverse("proposal_detail", args=[proposal.pk]))

    assert supports_shown(card, proposal) == expected
    assert supports_shown(page, proposal) == expected
