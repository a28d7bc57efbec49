"""A merged proposal's page, without JavaScript: a link to it sends its reader to the proposal it went into,
which says where they came from, credits the authors of the duplicates, and tells the merge in its
history; lists and search no longer show the duplicate."""

import pytest
from django.urls import reverse

from proposals.models import Proposal
from tests.support import factories
from tests.support.pages import visible_text
from votes.merging import proposals_merge
from votes.services import support_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(official):
    page = factories.consultation()
    target = factories.ProposalFactory(consultation=page, title="Longer opening hours")
    source = factories.ProposalFactory(
        consultation=page,
        title="Open <b>later</b>",
        author=factories.citizen(first_name="Zoé", last_name="Martin", display_name="Zoé M."),
    )
    for _ in range(2):
        support_add(user=factories.citizen(), proposal=source)
    proposals_merge(actor=official, target=target, sources=[source], reason="The same idea.")
    return target, source


def detail_url(proposal) -> str:
    return reverse("proposal_detail", args=[proposal.pk])


def test_a_link_to_the_duplicate_leads_to_the_proposal_it_went_into(client_for, merged):
    target, source = merged
    response = client_for().get(detail_url(source))
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(target)}?merged_from={source.pk}"
    page = client_for().get(response["Location"])
    text, html = visible_text(page), page.content.decode()
    assert "You followed a link to “Open <b>later</b>”" in text and "Open &lt;b&gt;later&lt;/b&gt;" in html
    assert "Its supports, followers and comments are here." in text


def test_the_proposal_credits_the_duplicates_authors_and_tells_the_merge(client_for, merged):
    target, _source = merged
    text = visible_text(client_for().get(detail_url(target)))
    assert "You followed a link" not in text
    assert "Merged into this proposal" in text and "proposed by Zoé M." in text
    assert "a duplicate was merged into it, with 2 supports it did not have" in text
    assert "The same idea." in text


def test_a_stranger_arrival_parameter_says_nothing(client_for, merged):
    target, _source = merged
    other = factories.ProposalFactory(consultation=target.consultation)
    for came_from in (other.pk, "abc", ""):
        text = visible_text(client_for().get(f"{detail_url(target)}?merged_from={came_from}"))
        assert "You followed a link" not in text


def test_the_duplicate_leaves_the_consultations_list(client_for, merged):
    target, source = merged
    html = client_for().get(target.consultation.url).content.decode()
    assert detail_url(target) in html and detail_url(source) not in html


def test_in_french(client_for, merged):
    target, source = merged
    client = client_for(HTTP_ACCEPT_LANGUAGE="fr")
    text = visible_text(client.get(f"{detail_url(target)}?merged_from={source.pk}"))
    assert "Vous avez suivi un lien vers" in text and "Fusionnées dans cette proposition" in text
    assert "proposée par Zoé M." in text


def test_the_api_says_where_a_duplicate_went(client_for, merged):
    target, source = merged
    body = client_for().get(f"/api/v1/proposals/{source.pk}/").json()
    assert (body["merged_into"], body["supports"]) == (target.pk, 0)
    assert Proposal.objects.get(pk=target.pk).supports_count == 2
