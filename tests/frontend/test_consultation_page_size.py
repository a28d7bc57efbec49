"""A consultation with many proposals: the page costs the same queries whatever their number, and every
proposal stays within reach through the page links, without JavaScript."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals.models import Visibility
from tests.support import factories
from tests.support.factories import published_many as publish
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    client.get(url)  # the first request fills the per-process caches (Wagtail's site, content types)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("viewer", ["anonymous", "citizen"])
def test_queries_do_not_grow_with_the_number_of_proposals(
    client_for, consultation, citizen, viewer, django_assert_max_num_queries
):
    client = client_for(citizen if viewer == "citizen" else None)
    publish(consultation, 3, supporter=citizen)
    few = queries_for(client, consultation.url)

    publish(consultation, 60, first=4, supporter=citizen)  # three pages, each card a different author

    for url in (consultation.url, f"{consultation.url}?page=3", f"{consultation.url}?status=accepted"):
        client.get(url)
        with django_assert_max_num_queries(few):
            response = client.get(url)
        assert response.status_code == 200
    assert "Page 3 of 4" in visible_text(client.get(f"{consultation.url}?page=3"))


def page_links(response) -> dict[str, str]:
    """The pagination's links, by what a screen reader announces (the label, else the text)."""
    nav = re.search(r'<nav class="pagination".*?</nav>', response.content.decode(), flags=re.S)
    assert nav, "the page has no pagination"
    links = re.findall(r'<a href="([^"]+)"(?: rel="\w+")?(?: aria-label="([^"]+)")?>([^<]+)</a>', nav[0])
    return {label or text: href.replace("&amp;", "&") for href, label, text in links}


def test_a_citizen_reaches_the_thousandth_proposal_in_one_step(client_for, consultation, citizen):
    publish(consultation, 1000, authors=10, supporter=citizen)
    client = client_for(citizen)

    first = client.get(consultation.url)
    assert "Page 1 of 50" in visible_text(first)
    links = page_links(first)
    assert set(links) == {"Next", "Page 50 of 50"}

    last = client.get(consultation.url + links["Page 50 of 50"])

    text = visible_text(last)
    assert "Page 50 of 50" in text
    assert "Idea 1000" in text and "Idea 981" in text and "Idea 980" not in text
    assert set(page_links(last)) == {"Page 1 of 50", "Previous"}


def test_next_links_list_every_proposal_once(client, consultation):
    publish(consultation, 95, authors=5)
    factories.ProposalFactory(consultation=consultation, title="Idea waiting", visibility=Visibility.PENDING)
    factories.ProposalFactory(consultation=consultation, title="Idea hidden", visibility=Visibility.HIDDEN)

    seen, url = [], consultation.url
    while url:
        response = client.get(url)
        seen += re.findall(r'data-role="title">(Idea [^<]+)</a>', response.content.decode())
        following = page_links(response).get("Next")
        url = consultation.url + following if following else None

    assert seen == [f"Idea {n}" for n in range(1, 96)]


def test_page_links_keep_the_filters(client, consultation):
    publish(consultation, 100, authors=5)

    response = client.get(consultation.url, {"ordering": "-created", "page": 3})

    assert page_links(response) == {
        "Page 1 of 5": "?ordering=-created&page=1",
        "Previous": "?ordering=-created&page=2",
        "Next": "?ordering=-created&page=4",
        "Page 5 of 5": "?ordering=-created&page=5",
    }
