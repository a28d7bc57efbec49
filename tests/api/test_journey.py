"""GET /api/v1/consultations/{id}/journey/: the journey map of a live, public consultation, stage by stage:
the figures its check-ins add up to from the minimum on (nothing of them below it), its most supported
published proposals, and the breaking point."""

import pytest
from wagtail.models import PageViewRestriction

from cms.models import ConsultationStage
from proposals.journey_selectors import MIN_CHECKINS
from proposals.models import Status, Visibility
from proposals.services import checkin_save
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for, make_user

pytestmark = pytest.mark.django_db

STAGES = ("Find out", "Apply online", "Wait for the decision")


def url(consultation_id) -> str:
    return f"/api/v1/consultations/{consultation_id}/journey/"


@pytest.fixture
def journey():
    return factories.consultation(stages=STAGES)


def stage(consultation, n: int) -> ConsultationStage:
    return consultation.stages.order_by("sort_order")[n]


def check_in(consultation, n: int, *scores: tuple[int, int, bool]) -> None:
    """One check-in by a new citizen on stage `n` for each (frustration, motivation, gave_up)."""
    for frustration, motivation, gave_up in scores:
        checkin_save(
            author=factories.citizen(),
            consultation=consultation,
            stage_id=stage(consultation, n).pk,
            frustration=frustration,
            motivation=motivation,
            gave_up=gave_up,
        )


def read(client, consultation, **headers) -> dict:
    response = client.get(url(consultation.pk), **headers)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_figures_are_what_the_check_ins_say(api, journey):
    check_in(journey, 0, (1, 5, True), (2, 4, False), (2, 3, False), (4, 3, False), (5, 1, True))
    check_in(journey, 1, *[(4, 2, True)] * 3, *[(5, 1, False)] * 3)  # six: medians of the middle two

    data = read(api, journey)

    assert data["consultation"] == journey.pk and data["minimum"] == MIN_CHECKINS == 5
    assert [s["name"] for s in data["stages"]] == list(STAGES)
    assert [s["slug"] for s in data["stages"]] == ["find-out", "apply-online", "wait-for-the-decision"]
    first, second, third = data["stages"]
    assert first["id"] == stage(journey, 0).pk
    assert first["shown"] is True and first["withheld"] is None
    figures = first["figures"]
    assert figures["checkins"] == 5
    assert figures["frustration"] == [1, 2, 0, 1, 1]
    assert figures["motivation"] == [1, 0, 2, 1, 1]
    assert figures["frustration_median"] == 2.0
    assert figures["motivation_median"] == 3.0
    assert figures["gave_up_share"] == 0.4
    assert figures["frustration_overtakes"] is False
    assert second["figures"]["frustration_median"] == 4.5
    assert second["figures"]["motivation_median"] == 1.5
    assert second["figures"]["gave_up_share"] == 0.5
    assert second["figures"]["frustration_overtakes"] is True
    assert third["shown"] is False and third["figures"] is None


def test_four_check_ins_tell_nothing_and_the_fifth_shows_them(api, journey):
    check_in(journey, 0, *[(5, 1, True)] * 4)

    data = read(api, journey)

    first = data["stages"][0]
    assert first["shown"] is False
    assert first["withheld"] == "too_few_checkins"
    assert first["figures"] is None
    assert data["breaking_point"] is None  # its frustration is not told either
    assert set(first) == {"id", "slug", "name", "description", "shown", "withheld", "figures", "proposals"}

    check_in(journey, 0, (5, 1, True))

    first = read(api, journey)["stages"][0]
    assert first["shown"] is True and first["withheld"] is None
    assert first["figures"]["checkins"] == 5
    assert first["figures"]["frustration"] == [0, 0, 0, 0, 5]


def test_the_breaking_point_is_the_first_shown_stage_where_frustration_wins(api, journey):
    check_in(journey, 0, *[(2, 4, False)] * 5)
    check_in(journey, 1, *[(4, 2, False)] * 5)
    check_in(journey, 2, *[(5, 1, True)] * 6)

    data = read(api, journey)

    assert data["breaking_point"] == "apply-online"
    assert [s["figures"]["frustration_overtakes"] for s in data["stages"]] == [False, True, True]


def test_no_breaking_point_while_motivation_holds(api, journey):
    check_in(journey, 0, *[(3, 3, False)] * 5)  # equal medians: frustration has not overtaken

    assert read(api, journey)["breaking_point"] is None


def test_each_stage_lists_its_most_supported_published_proposals(api, journey):
    apply = stage(journey, 1)
    made = {
        supports: factories.ProposalFactory(consultation=journey, stage=apply, supports_count=supports)
        for supports in (5, 50, 20, 40)
    }
    hidden = factories.ProposalFactory(
        consultation=journey, stage=apply, supports_count=99, visibility=Visibility.HIDDEN, title="Hidden one"
    )
    pending = factories.ProposalFactory(
        consultation=journey, stage=apply, supports_count=98, visibility=Visibility.PENDING
    )
    factories.ProposalFactory(consultation=journey, stage=None, supports_count=999)
    made[50].status = Status.ACCEPTED
    made[50].save()

    data = read(api, journey)

    first, second, _third = data["stages"]
    assert first["proposals"] == []
    assert [p["id"] for p in second["proposals"]] == [made[50].pk, made[40].pk, made[20].pk]
    assert second["proposals"][0] == {
        "id": made[50].pk,
        "title": made[50].title,
        "status": "accepted",
        "status_label": "Accepted",
        "supports": 50,
        "url": f"/proposals/{made[50].pk}/",
    }
    ids = {p["id"] for s in data["stages"] for p in s["proposals"]}
    assert hidden.pk not in ids and pending.pk not in ids


def test_a_hidden_proposal_leaves_the_map(api, journey):
    proposal = factories.ProposalFactory(consultation=journey, stage=stage(journey, 0), supports_count=7)
    assert [p["id"] for p in read(api, journey)["stages"][0]["proposals"]] == [proposal.pk]

    proposal.visibility = Visibility.HIDDEN
    proposal.save()

    assert read(api, journey)["stages"][0]["proposals"] == []


def test_in_french_the_stages_have_their_french_names(api, journey):
    french = factories.translation(journey, factories.french(), title="Repenser le parcours")
    names = {"find-out": "S'informer", "apply-online": "Demander en ligne"}
    for slug, name in names.items():
        ConsultationStage.objects.filter(page=french, slug=slug).update(name=name, description=f"À {name}")
    factories.ProposalFactory(
        consultation=journey, stage=stage(journey, 0), supports_count=3, status=Status.ACCEPTED
    )

    data = read(api, journey, HTTP_ACCEPT_LANGUAGE="fr")

    assert [s["name"] for s in data["stages"]] == ["S'informer", "Demander en ligne", "Wait for the decision"]
    assert data["stages"][0]["description"] == "À S'informer"
    assert data["stages"][0]["proposals"][0]["status_label"] == "Acceptée"
    assert [s["name"] for s in read(api, journey)["stages"]] == list(STAGES)  # English readers: the original


def test_the_french_translation_s_id_is_not_a_consultation(api, journey):
    french = factories.translation(journey, factories.french(), title="Repenser le parcours")
    assert_error(api.get(url(french.pk)), 404, "not_found")


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_or_restricted_consultation_is_not_found_for_anyone(journey, role):
    check_in(journey, 0, *[(4, 2, False)] * 5)
    client = client_for(make_user(role))
    assert client.get(url(journey.pk)).status_code == 200

    PageViewRestriction.objects.create(page=journey, restriction_type=PageViewRestriction.LOGIN)
    assert_error(client.get(url(journey.pk)), 404, "not_found")

    PageViewRestriction.objects.all().delete()
    journey.unpublish()
    assert_error(client.get(url(journey.pk)), 404, "not_found")


@pytest.mark.parametrize("pk", ["999999", str(10**30), "0"])
def test_unknown_ids(api, journey, pk):
    assert_error(api.get(url(pk)), 404, "not_found")


def test_another_page_type_is_not_a_consultation(api):
    assert_error(api.get(url(factories.site_root().pk)), 404, "not_found")


def test_a_consultation_without_stages_has_an_empty_map(api, consultation):
    assert read(api, consultation) == {
        "consultation": consultation.pk,
        "minimum": MIN_CHECKINS,
        "breaking_point": None,
        "stages": [],
    }


def test_only_reads(citizen, journey):
    assert_error(client_for(citizen).post(url(journey.pk)), 405, "method_not_allowed")


def test_the_queries_do_not_grow_with_the_check_ins_and_proposals(
    api, journey, django_assert_max_num_queries
):
    check_in(journey, 0, *[(3, 3, False)] * 5)
    with django_assert_max_num_queries(10) as few:
        read(api, journey)
    check_in(journey, 1, *[(3, 3, False)] * 6)
    for n in range(3):
        factories.ProposalFactory.create_batch(4, consultation=journey, stage=stage(journey, n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        read(api, journey)


def test_the_schema_documents_the_map_and_its_404(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/consultations/{id}/journey/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Journey")
    assert "application/json" in operation["responses"]["404"]["content"]
    stage_schema = schema["components"]["schemas"]["JourneyStage"]
    assert stage_schema["properties"]["figures"]["nullable"] is True
