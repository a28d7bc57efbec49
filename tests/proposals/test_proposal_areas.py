"""Areas in the services: a proposal names one of its consultation's areas (any other refused, nothing
written), its author changes it within the edit rules; a citizen declares their area once per set in use,
changes or removes it, and only their own."""

import pytest

from cms.models import AreaSet
from cocreate.exceptions import NotAllowed, NotFound, ServiceError
from proposals.models import DeclaredArea, Proposal, ProposalVersion
from proposals.services import (
    declared_area_remove,
    declared_area_set,
    draft_save,
    proposal_edit,
    proposal_submit,
)
from tests.support import factories
from tests.support.broadcasts import broadcast_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def districts(consultation):
    return factories.area_set("North", "South", consultations=[consultation])


@pytest.fixture
def elsewhere():
    """Another consultation's area set."""
    return factories.area_set("Harbour", name="Elsewhere", consultations=[factories.consultation()])


def submit(author, consultation, **fields):
    fields = {"title": "More benches", "summary": "Somewhere to sit.", "body": "Details.", **fields}
    return proposal_submit(author=author, consultation=consultation, **fields)


def test_a_proposal_names_one_of_its_consultations_areas(citizen, consultation, districts):
    north = districts.areas.get(name="North")

    proposal = submit(citizen, consultation, area=north)

    assert Proposal.objects.get(pk=proposal.pk).area == north


@pytest.mark.parametrize("has_set", [True, False], ids=["other-set", "no-set"])
def test_another_consultations_area_is_refused_and_nothing_is_written(
    citizen, consultation, elsewhere, has_set
):
    if has_set:
        factories.area_set("North", consultations=[consultation])

    with pytest.raises(ServiceError) as error:
        submit(citizen, consultation, area=elsewhere.areas.get())

    assert error.value.http_status == 400 and list(error.value.fields) == ["area"]
    assert not Proposal.objects.exists()


def test_the_published_event_carries_the_area(
    citizen, consultation, districts, django_capture_on_commit_callbacks
):
    north = districts.areas.get(name="North")
    with django_capture_on_commit_callbacks() as callbacks:
        submit(citizen, consultation, area=north)
    [event] = broadcast_events(callbacks)
    assert event["proposal"]["area_id"] == north.pk


def test_its_author_moves_it_to_another_area_without_a_new_version(citizen, consultation, districts):
    north, south = districts.areas.all()
    proposal = submit(citizen, consultation, area=north)

    proposal_edit(actor=citizen, proposal=proposal, area=south)
    assert Proposal.objects.get(pk=proposal.pk).area == south
    proposal_edit(actor=citizen, proposal=proposal, area=None)
    assert Proposal.objects.get(pk=proposal.pk).area is None
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 1


def test_an_edit_that_leaves_the_area_out_keeps_it(citizen, consultation, districts):
    north = districts.areas.get(name="North")
    proposal = submit(citizen, consultation, area=north)

    proposal_edit(actor=citizen, proposal=proposal, title="More benches in the park")

    assert Proposal.objects.get(pk=proposal.pk).area == north


def test_an_edit_to_a_foreign_area_is_refused_and_changes_nothing(
    citizen, consultation, districts, elsewhere
):
    north = districts.areas.get(name="North")
    proposal = submit(citizen, consultation, area=north)

    with pytest.raises(ServiceError) as error:
        proposal_edit(actor=citizen, proposal=proposal, area=elsewhere.areas.get(), title="Changed")

    assert list(error.value.fields) == ["area"]
    stored = Proposal.objects.get(pk=proposal.pk)
    assert (stored.area, stored.title) == (north, "More benches")


def test_only_its_author_moves_a_proposal(citizen, consultation, districts):
    north, south = districts.areas.all()
    proposal = submit(citizen, consultation, area=north)

    with pytest.raises(NotAllowed):
        proposal_edit(actor=factories.citizen(), proposal=proposal, area=south)

    assert Proposal.objects.get(pk=proposal.pk).area == north


def test_a_draft_keeps_only_an_area_of_its_consultation(citizen, consultation, districts, elsewhere):
    north = districts.areas.get(name="North")

    kept = draft_save(author=citizen, consultation=consultation, title="Benches", area=north)
    dropped = draft_save(
        author=citizen, consultation=consultation, title="Benches", area=elsewhere.areas.get()
    )

    assert (kept.area, dropped.area) == (north, None)


# Declared areas


def test_a_citizen_declares_changes_and_removes_their_area(citizen, districts):
    north, south = districts.areas.all()

    declared_area_set(user=citizen, area_set_id=districts.pk, area_id=north.pk)
    declared_area_set(user=citizen, area_set_id=districts.pk, area_id=south.pk)
    assert list(DeclaredArea.objects.values_list("user", "area")) == [(citizen.pk, south.pk)]

    assert declared_area_set(user=citizen, area_set_id=districts.pk, area_id=None) is None
    assert not DeclaredArea.objects.exists()
    assert declared_area_remove(user=citizen, area_set_id=districts.pk) is False


def test_an_area_of_another_set_is_refused(citizen, districts, elsewhere):
    with pytest.raises(ServiceError) as error:
        declared_area_set(user=citizen, area_set_id=districts.pk, area_id=elsewhere.areas.get().pk)

    assert error.value.http_status == 400 and list(error.value.fields) == ["area"]
    assert not DeclaredArea.objects.exists()


def test_a_set_no_live_consultation_uses_takes_no_declaration(citizen):
    unused = factories.area_set("North", name="Unused")
    offline = factories.consultation()
    offline_set = factories.area_set("South", name="Offline", consultations=[offline])
    offline.unpublish()

    for area_set in (unused, offline_set):
        with pytest.raises(NotFound):
            declared_area_set(user=citizen, area_set_id=area_set.pk, area_id=area_set.areas.get().pk)
    assert not DeclaredArea.objects.exists()
    assert AreaSet.objects.count() == 2


def test_each_citizen_declares_only_their_own(citizen, districts):
    neighbour = factories.citizen()
    north, south = districts.areas.all()
    declared_area_set(user=neighbour, area_set_id=districts.pk, area_id=north.pk)

    declared_area_set(user=citizen, area_set_id=districts.pk, area_id=south.pk)
    declared_area_remove(user=citizen, area_set_id=districts.pk)

    assert list(DeclaredArea.objects.values_list("user", "area")) == [(neighbour.pk, north.pk)]
