"""GET /api/v1/consultations/{id}/what-changed/: the What changed page's figures for anyone, of live, public
consultations only: each stage's steps, the day that splits its check-ins, both sides and the tests; nothing
of a stage's check-ins below the minimum, no median or histogram of a side below it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from proposals.models import Visibility
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for, make_user
from tests.support.what_changed import changed_journey, checked_in, step

pytestmark = pytest.mark.django_db


def url(consultation_id) -> str:
    return f"/api/v1/consultations/{consultation_id}/what-changed/"


@pytest.fixture
def journey():
    return changed_journey()


def read(client, consultation, **headers) -> dict:
    response = client.get(url(consultation.pk), **headers)
    assert response.status_code == 200, response.content
    return response.json()


def test_each_stage_with_its_steps_sides_and_tests(api, journey):
    data = read(api, journey.consultation)

    assert data["consultation"] == journey.consultation.pk
    assert (data["test"], data["minimum"], data["significance"]) == ("mann_whitney_u", 5, 0.05)
    find_out, apply, wait, paid = data["stages"]
    assert [s["name"] for s in data["stages"]] == ["Find out", "Apply", "Wait", "Paid"]

    assert apply["split_on"] == journey.done_on.isoformat()
    assert apply["split_by"] == journey.steps.form.pk
    assert [m["title"] for m in apply["milestones"]] == ["Form shortened"]
    assert apply["milestones"][0]["proposal"] == {
        "id": journey.steps.form.proposal_id,
        "title": "Shorter form",
        "url": f"/proposals/{journey.steps.form.proposal_id}/",
    }
    assert (apply["milestones"][0]["state"], apply["milestones"][0]["state_label"]) == ("done", "Done")
    assert apply["withheld"] is None
    assert apply["before"] == {
        "checkins": 6,
        "frustration_median": 4.0,
        "motivation_median": 2.0,
        "frustration": [0, 0, 0, 6, 0],
        "motivation": [0, 6, 0, 0, 0],
    }
    assert apply["after"]["checkins"] == 5
    assert apply["frustration"]["outcome"] == "difference"
    assert apply["frustration"]["direction"] == "down"
    # scipy's figures for these histograms: statistic 30.0 (6 × 5, every "before" above every "after").
    assert apply["frustration"]["u"] == 30.0
    assert apply["frustration"]["p"] == pytest.approx(0.0022366244452098707, rel=1e-9)
    assert apply["motivation"]["direction"] == "up"

    assert find_out["frustration"]["outcome"] == "no_clear_difference"
    assert find_out["frustration"]["p"] == pytest.approx(0.3513511013830296, rel=1e-9)  # scipy's
    assert find_out["motivation"] == {
        "outcome": "no_clear_difference",
        "direction": None,
        "u": 50.0,
        "z": None,
        "p": 1.0,
    }

    assert wait["before"] == {
        "checkins": 3,
        "frustration_median": None,
        "motivation_median": None,
        "frustration": None,
        "motivation": None,
    }, "three people: their count only"
    assert wait["after"]["frustration_median"] == 1.0
    assert wait["frustration"] == {
        "outcome": "not_enough",
        "direction": None,
        "u": None,
        "z": None,
        "p": None,
    }

    assert paid["split_on"] is None and paid["withheld"] is None
    assert (paid["before"], paid["after"], paid["frustration"], paid["motivation"]) == (None,) * 4
    assert [(m["title"], m["state"], m["done_on"]) for m in paid["milestones"]] == [
        ("Payments on Fridays", "planned", None)
    ]
    assert [m["title"] for m in data["across"]] == ["Phone line open"]


def test_nothing_of_a_stage_with_fewer_than_five_check_ins(api):
    consultation = factories.consultation(stages=("Apply",))
    apply = consultation.stages.get()
    today = consultation.opens_at.date()
    step(factories.ProposalFactory(consultation=consultation, stage=apply), "Form shortened", done_on=today)
    checked_in(consultation, apply, today - timedelta(days=1), 2, frustration=5, motivation=1)
    checked_in(consultation, apply, today + timedelta(days=1), 2, frustration=1, motivation=5)

    (stage,) = read(api, consultation)["stages"]

    assert stage["withheld"] == "too_few_checkins"
    assert stage["split_on"] == today.isoformat()
    assert (stage["before"], stage["after"], stage["frustration"], stage["motivation"]) == (None,) * 4


def test_steps_of_unpublished_proposals_are_left_out(api):
    consultation = factories.consultation(stages=("Apply",))
    apply = consultation.stages.get()
    for visibility in (Visibility.HIDDEN, Visibility.PENDING):
        hidden = factories.ProposalFactory(consultation=consultation, stage=apply, visibility=visibility)
        step(hidden, f"Step of a {visibility} proposal", done_on=consultation.opens_at.date())
    step(factories.ProposalFactory(consultation=consultation, stage=None, visibility=Visibility.HIDDEN), "No")

    data = read(api, consultation)

    assert data["stages"][0]["milestones"] == [] and data["stages"][0]["split_on"] is None
    assert data["across"] == []


def test_names_and_states_in_the_requests_language(api, journey):
    data = read(api, journey.consultation, HTTP_ACCEPT_LANGUAGE="fr")
    assert data["stages"][1]["milestones"][0]["state_label"] == "Faite"
    assert data["stages"][3]["milestones"][0]["state_label"] == "Planifiée"


@pytest.mark.parametrize("role", ROLES)
def test_a_private_or_unpublished_consultation_is_not_found_for_anyone(role, journey):
    client = client_for(make_user(role))
    consultation = journey.consultation
    PageViewRestriction.objects.create(page=consultation, restriction_type=PageViewRestriction.LOGIN)
    assert_error(client.get(url(consultation.pk)), 404, "not_found")
    PageViewRestriction.objects.all().delete()
    consultation.unpublish()
    assert_error(client.get(url(consultation.pk)), 404, "not_found")


def test_ids_that_are_no_live_consultation_are_not_found(api, journey):
    french = factories.translation(journey.consultation, factories.french())
    assert_error(api.get(url(french.pk)), 404, "not_found")  # a translation: its consultation's id is used
    assert_error(api.get(url(factories.site_root().pk)), 404, "not_found")
    assert_error(api.get(url(10**9)), 404, "not_found")


def test_the_queries_do_not_grow_with_the_numbers(api):
    consultation = factories.consultation(stages=("One", "Two"))
    one, two = consultation.stages.order_by("sort_order")
    today = consultation.opens_at.date()
    step(factories.ProposalFactory(consultation=consultation, stage=one), "First", done_on=today)
    read(api, consultation)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            read(api, consultation)
        return len(captured)

    small = queries()
    for stage in (one, two):
        for k in range(3):
            proposal = factories.ProposalFactory(consultation=consultation, stage=stage)
            step(proposal, f"Done {k}", done_on=today - timedelta(days=k))
            step(proposal, f"Planned {k}", planned_for=today + timedelta(days=k))
            checked_in(consultation, stage, today - timedelta(days=k), 3, frustration=1 + k, motivation=3)
    step(factories.ProposalFactory(consultation=consultation, stage=None), "Across", done_on=today)
    assert queries() == small
