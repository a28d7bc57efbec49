"""Areas in the database: a name once per set, a citizen's declared area once per set and always one of
that set's areas, whatever the code that writes it."""

import pytest
from django.db import IntegrityError, transaction

from cms.models import Area
from proposals.models import DeclaredArea, Proposal
from tests.support import factories


@pytest.mark.django_db
def test_an_area_name_is_once_per_set():
    districts = factories.area_set("North", "South")

    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.create(area_set=districts, name="North", slug="north-2", geometry=factories.square(0, 0))
    other = factories.area_set("North", name="Other")
    assert other.areas.get().name == "North"


@pytest.mark.django_db
def test_a_citizen_declares_one_area_per_set():
    districts = factories.area_set("North", "South")
    north, south = districts.areas.all()
    citizen = factories.citizen()
    DeclaredArea.objects.create(user=citizen, area_set=districts, area=north)

    with pytest.raises(IntegrityError), transaction.atomic():
        DeclaredArea.objects.create(user=citizen, area_set=districts, area=south)
    assert DeclaredArea.objects.get(user=citizen).area == north


@pytest.mark.django_db
def test_a_declared_area_is_one_of_the_set_it_is_declared_for():
    districts, other = factories.area_set("North"), factories.area_set("Elsewhere", name="Other")

    with pytest.raises(IntegrityError), transaction.atomic():
        DeclaredArea.objects.create(user=factories.citizen(), area_set=districts, area=other.areas.get())
    assert not DeclaredArea.objects.exists()


@pytest.mark.django_db
def test_deleting_an_area_leaves_its_proposals_without_one_and_removes_its_declarations():
    districts = factories.area_set("North", "South")
    north = districts.areas.get(name="North")
    proposal = factories.ProposalFactory(area=north)
    DeclaredArea.objects.create(user=factories.citizen(), area_set=districts, area=north)

    north.delete()

    assert Proposal.objects.get(pk=proposal.pk).area is None
    assert not DeclaredArea.objects.exists()
