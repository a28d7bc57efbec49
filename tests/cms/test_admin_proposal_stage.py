"""The stage of the journey a proposal is about, where officials read proposals in the admin: the
consultation's list and the proposal's page."""

import re

import pytest
from django.urls import reverse

from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey():
    return factories.consultation(stages=("Apply online", "Wait for the decision"))


def test_the_consultation_tab_names_each_proposals_stage(client_as, moderator, journey):
    factories.ProposalFactory(consultation=journey, stage=journey.stages.get(slug="apply-online"), title="A")
    factories.ProposalFactory(consultation=journey, title="B")

    response = client_as(moderator).get(reverse("cms_proposals:index"), {"consultation": journey.pk})

    assert response.status_code == 200
    assert visible_text(response).count("Stage: ") == 1
    assert "Stage: Apply online" in visible_text(response)


def test_the_proposals_page_names_its_stage(client_as, moderator, journey):
    about = factories.ProposalFactory(consultation=journey, stage=journey.stages.get(slug="apply-online"))
    plain = factories.ProposalFactory(consultation=journey)

    def detail(proposal) -> str:
        return client_as(moderator).get(reverse("cms_proposals:detail", args=[proposal.pk])).content.decode()

    assert re.search(r"<dt>Stage of the journey</dt><dd>Apply online</dd>", detail(about))
    assert "Stage of the journey" not in detail(plain)
