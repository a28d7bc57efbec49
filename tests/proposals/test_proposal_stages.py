"""The stage of the journey a proposal is about: named at submission (the consultation's own only), kept,
filtered on, and carried by the live event that announces the proposal."""

import pytest
from django.utils import translation

from cms.models import ConsultationStage
from cocreate.exceptions import ServiceError
from proposals import selectors
from proposals.account_data import account_export
from proposals.models import Proposal
from proposals.services import proposal_submit
from tests.support import factories
from tests.support.broadcasts import broadcast_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey():
    return factories.consultation(stages=("Apply online", "Wait for the decision"))


def published_event(callbacks) -> dict:
    """The one event the captured after-commit callbacks would broadcast."""
    [event] = broadcast_events(callbacks)
    return event


def submit(author, consultation, **fields):
    fields = {"title": "Let people book a call back", "summary": "No queue.", "body": "Details.", **fields}
    return proposal_submit(author=author, consultation=consultation, **fields)


def test_a_stage_of_the_consultation_is_kept(citizen, journey):
    stage = journey.stages.get(slug="wait-for-the-decision")
    proposal = submit(citizen, journey, stage=stage)
    assert Proposal.objects.get(pk=proposal.pk).stage == stage


def test_no_stage_is_about_none(citizen, journey):
    assert Proposal.objects.get(pk=submit(citizen, journey).pk).stage is None


def test_a_stage_of_another_consultation_is_refused_and_nothing_is_written(citizen, journey):
    # The same slug in another consultation is still another consultation's stage.
    foreign = factories.consultation(stages=("Apply online",)).stages.get()
    with pytest.raises(ServiceError) as error:
        submit(citizen, journey, stage=foreign)
    assert list(error.value.fields) == ["stage"]
    assert not Proposal.objects.exists()


def test_the_published_event_carries_the_stage(citizen, journey, django_capture_on_commit_callbacks):
    stage = journey.stages.get(slug="apply-online")
    with django_capture_on_commit_callbacks() as callbacks:
        submit(citizen, journey, stage=stage)
    published = published_event(callbacks)
    assert published["type"] == "proposal.published"
    assert (published["proposal"]["stage"], published["proposal"]["stage_slug"]) == (
        "Apply online",
        "apply-online",
    )


def test_the_event_of_a_proposal_without_a_stage_says_none(
    citizen, journey, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        submit(citizen, journey)
    published = published_event(callbacks)
    assert (published["proposal"]["stage"], published["proposal"]["stage_slug"]) == (None, None)


def test_the_list_filters_by_stage(journey):
    apply, wait = journey.stages.order_by("sort_order")
    factories.ProposalFactory(consultation=journey, stage=apply, title="On applying")
    factories.ProposalFactory(consultation=journey, stage=wait, title="On waiting")
    factories.ProposalFactory(consultation=journey, title="On nothing in particular")

    def titles(**filters):
        proposals = selectors.proposal_list(consultation_id=journey.pk, user=None, **filters)
        return sorted(p.title for p in proposals)

    assert titles(stage="apply-online") == ["On applying"]
    assert titles(stage="wait-for-the-decision") == ["On waiting"]
    assert len(titles()) == 3
    assert titles(stage="apply-online", category="online") == []


def test_stage_names_follow_the_readers_language(journey):
    apply = journey.stages.get(slug="apply-online")
    proposal = factories.ProposalFactory(consultation=journey, stage=apply)
    translated = factories.translation(journey, factories.french(), title="Parcours")
    ConsultationStage.objects.filter(page=translated, slug="apply-online").update(name="Déposer en ligne")
    translated.save_revision().publish()

    with translation.override("fr"):
        assert selectors.stage_names_of([proposal.pk]) == {proposal.pk: "Déposer en ligne"}
    with translation.override("en"):
        assert selectors.stage_names_of([proposal.pk]) == {proposal.pk: "Apply online"}


def test_the_authors_data_export_names_the_stage(citizen, journey):
    submit(citizen, journey, stage=journey.stages.get(slug="apply-online"), title="About applying")
    submit(citizen, journey, title="About nothing")

    proposals = account_export(user=citizen)["proposals"]

    assert [(p["title"], p["stage"]) for p in proposals] == [
        ("About applying", "Apply online"),
        ("About nothing", None),
    ]
