"""A consultation's funnel: how many proposals were submitted, published, reached the support threshold and
were answered; counted in one query, shown on the consultation's page (English and French) and in its API."""

import re

import pytest
from django.utils import timezone

from proposals.models import Proposal, Status, Visibility
from proposals.selectors import Funnel, consultation_funnel
from tests.support import factories
from tests.support.pages import visible_text
from votes.merging import proposals_merge

pytestmark = pytest.mark.django_db

FRENCH = {"accept-language": "fr-FR,fr;q=0.9"}


def proposals(consultation, n: int = 1, **fields) -> None:
    for _ in range(n):
        factories.ProposalFactory(consultation=consultation, **fields)


def reached(**fields) -> dict:
    now = timezone.now()
    return {"threshold_reached_at": now, "response_due_at": now, "status": Status.AWAITING_RESPONSE, **fields}


@pytest.fixture
def consultation():
    """2 pending, 1 hidden, 6 published: 3 past the threshold, 2 of them answered, and 1 answered before."""
    page = factories.consultation()
    proposals(page, 2, visibility=Visibility.PENDING, published_at=None)
    proposals(page, 1, visibility=Visibility.HIDDEN)
    proposals(page, 2)
    proposals(page, 1, **reached())
    proposals(page, 2, **reached(responded_at=timezone.now(), status=Status.ACCEPTED))
    proposals(page, 1, responded_at=timezone.now(), status=Status.UNDER_REVIEW)
    # A hidden proposal that had reached the threshold and been answered counts as submitted only.
    proposals(page, 1, visibility=Visibility.HIDDEN, **reached(responded_at=timezone.now()))
    proposals(factories.consultation(title="Another one"), 3, **reached(responded_at=timezone.now()))
    return page


def test_the_funnel_counts_each_step(consultation):
    assert consultation_funnel(consultation=consultation) == Funnel(
        submitted=10, published=6, reached=3, answered=3
    )


def test_a_merged_duplicate_counts_as_submitted_only(consultation):
    # Before, the two duplicates still counted as published (a list showing 4 said 6), the answered one
    # as answered too.
    listed = Proposal.objects.filter(consultation=consultation, visibility=Visibility.PUBLISHED)
    target = listed.get(status=Status.AWAITING_RESPONSE, responded_at=None)
    duplicates = [listed.filter(status=Status.OPEN).first(), listed.filter(status=Status.ACCEPTED).first()]
    proposals_merge(actor=factories.official(), target=target, sources=duplicates, reason="The same.")
    assert consultation_funnel(consultation=consultation) == Funnel(
        submitted=10, published=4, reached=2, answered=2
    )


def test_without_a_threshold_there_is_no_such_step():
    page = factories.consultation(support_threshold=0)
    proposals(page, 2)

    assert consultation_funnel(consultation=page) == Funnel(
        submitted=2, published=2, reached=None, answered=0
    )


@pytest.mark.parametrize("many", [1, 25])
def test_one_query_however_many_proposals(django_assert_num_queries, many):
    page = factories.consultation()
    proposals(page, many, **reached(responded_at=timezone.now()))
    proposals(page, many, visibility=Visibility.PENDING, published_at=None)

    with django_assert_num_queries(1):
        funnel = consultation_funnel(consultation=page)

    assert (funnel.submitted, funnel.answered) == (2 * many, many)


def steps(response) -> dict[str, tuple[str, int, float]]:
    """Each step as a reader sees it (label and number) and the length of its bar."""
    html = response.content.decode()
    section = re.search(r'<section class="panel" aria-labelledby="funnel-heading".*?</section>', html, re.S)
    return {
        key: (re.sub(r"\s+", " ", label).strip(), int(count), float(share))
        for key, label, count, share in re.findall(
            r'data-step="(\w+)">\s*<span class="funnel__label"><span>([^<]*)</span> '
            r'<span class="funnel__count">(\d+)</span></span>\s*<svg[^>]*aria-hidden="true"[^>]*>'
            r'<rect width="([\d.]+)"',
            section.group(0),
        )
    }


@pytest.mark.parametrize(
    ("headers", "heading", "labels"),
    [
        (
            {"accept-language": "en"},
            "Proposals so far",
            [
                "Submitted",
                "Published",
                "Reached the threshold of 100 supports",
                "Answered by an official response",
            ],
        ),
        (
            FRENCH,
            "Les propositions jusqu’ici",
            [
                "Déposées",
                "Publiées",
                "Ont atteint le seuil de 100 soutiens",
                "Ont reçu une réponse officielle",
            ],
        ),
    ],
)
def test_the_consultation_page_shows_the_funnel(client, consultation, headers, heading, labels):
    response = client.get(consultation.url, headers=headers)

    numbers = [("submitted", 10, 100.0), ("published", 6, 60.0), ("reached", 3, 30.0), ("answered", 3, 30.0)]
    assert steps(response) == {
        key: (label, n, share) for (key, n, share), label in zip(numbers, labels, strict=True)
    }
    assert heading in visible_text(response)
    section = re.search(r'aria-labelledby="funnel-heading".*?</section>', response.content.decode(), re.S)
    assert " style=" not in section.group(0)


def test_a_consultation_without_threshold_says_so(client):
    page = factories.consultation(support_threshold=0)
    proposals(page, 1)

    response = client.get(page.url)

    assert set(steps(response)) == {"submitted", "published", "answered"}
    assert "This consultation sets no support threshold" in visible_text(response)


def test_a_consultation_without_proposals_says_so(client):
    page = factories.consultation()

    response = client.get(page.url)

    assert steps(response) == {}
    assert "No proposals submitted yet." in visible_text(response)


def test_the_api_gives_the_funnel_of_one_consultation(api, consultation):
    detail = api.get(f"/api/v1/consultations/{consultation.pk}/")
    listed = api.get("/api/v1/consultations/")

    assert detail.json()["funnel"] == {"submitted": 10, "published": 6, "reached": 3, "answered": 3}
    assert all("funnel" not in item for item in listed.json())


def test_the_api_funnel_without_a_threshold(api):
    page = factories.consultation(support_threshold=0)

    assert api.get(f"/api/v1/consultations/{page.pk}/").json()["funnel"] == {
        "submitted": 0,
        "published": 0,
        "reached": None,
        "answered": 0,
    }
