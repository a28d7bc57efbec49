"""A list filtered by a stage of the journey, kept live: a proposal about that stage arrives with the stage
named in the reader's language; one about another stage stays out."""

import pytest
from playwright.sync_api import expect

from tests.support import factories
from tests.support.browser import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_proposal_arriving_live_in_a_list_filtered_by_stage(new_page, server_api):
    consultation = factories.consultation(stages=("Apply online", "Wait for the decision"))
    translation = factories.translation(consultation, factories.french(), title="Parcours")
    for stage in translation.stages.all():
        stage.name = {"apply-online": "Déposer en ligne", "wait-for-the-decision": "Attendre"}[stage.slug]
        stage.save(update_fields=["name"])
    translation.save_revision().publish()
    watching = new_page(user=factories.citizen(), label="french", language="fr")
    watching.goto(f"{consultation.url}?stage=apply-online")
    wait_live(watching)
    expect(watching.get_by_label("Étape du parcours", exact=True)).to_have_value("apply-online")
    post = server_api(factories.citizen())

    def submit(title: str, stage: str) -> int:
        body = {"title": title, "summary": "Un résumé.", "body": "Le détail.", "stage": stage}
        created = post("POST", "/api/v1/proposals/", {"consultation": consultation.pk, **body})
        assert created.status == 201, created.body
        return created.body["id"]

    waiting = submit("Dire où en est la décision", "wait-for-the-decision")
    applying = submit("Enregistrer le formulaire en cours", "apply-online")

    arrived = watching.locator(f"article.proposal-card[data-proposal-id='{applying}']")
    expect(arrived.locator("[data-role=stage]")).to_be_visible()
    expect(arrived.locator("[data-role=stage]")).to_have_text("Étape\u00a0: Déposer en ligne")
    expect(arrived.locator("[data-role=category]")).to_be_hidden()
    # The other stage's proposal is not in this list (it was published first, so it had its chance).
    expect(watching.locator(f"article.proposal-card[data-proposal-id='{waiting}']")).to_have_count(0)
