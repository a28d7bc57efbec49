"""The petition promise for officials over HTTP: GET /api/v1/awaiting-responses/ and
GET /api/v1/consultations/{id}/dashboard/. Each role both ways; the same proposals, order and figures as
the admin's pages (cms.backoffice.selectors reads both)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cms.backoffice.selectors import awaiting_queue, consultation_figures
from proposals.models import Status, Visibility
from tests.support import factories
from tests.support.api import assert_error
from tests.support.factories import answered, awaiting, support_on
from tests.support.pages import chart_table, figure, listing_titles

pytestmark = pytest.mark.django_db

AWAITING = "/api/v1/awaiting-responses/"


def dashboard(consultation) -> str:
    return f"/api/v1/consultations/{consultation.pk}/dashboard/"


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- who may read them -------------------------------------------------------------------------------------


@pytest.fixture(params=["awaiting", "dashboard"])
def endpoint(request, consultation):
    return AWAITING if request.param == "awaiting" else dashboard(consultation)


def test_anonymous_is_401(api, endpoint):
    assert_error(api.get(endpoint), 401, "not_authenticated")


@pytest.mark.parametrize("role", ["unverified_citizen", "citizen", "moderator"])
def test_citizens_and_moderators_are_403(as_role, endpoint, role):
    _user, client = as_role(role)
    error = assert_error(client.get(endpoint), 403, "forbidden")
    assert "Only officials" in error["message"]


@pytest.mark.parametrize("role", ["official", "superuser"])
def test_officials_and_admins_read_them(as_role, endpoint, role):
    _user, client = as_role(role)
    assert client.get(endpoint).status_code == 200


def test_a_moderator_is_refused_before_any_look_up(as_role):
    _user, client = as_role("moderator")
    assert_error(client.get("/api/v1/consultations/999999/dashboard/"), 403, "forbidden")
    assert_error(client.get(AWAITING, {"consultation": 999999}), 403, "forbidden")


def test_writes_are_not_allowed(as_role, endpoint):
    _user, client = as_role("official")
    assert_error(client.post(endpoint, {}, format="json"), 405, "method_not_allowed")


# --- the responses awaited ---------------------------------------------------------------------------------


def test_every_consultation_overdue_first_as_in_the_admin(as_role, queue):  # noqa: F811
    user, client = as_role("official")
    response = client.get(AWAITING)
    assert response.status_code == 200
    results = response.json()["results"]
    expected = ["Nine days late", "A day late", "Due in two days", "Due in twenty days"]
    assert [p["title"] for p in results] == expected
    assert [p["title"] for p in results] == listing_titles(
        admin_client(user).get(reverse("cms_promises:awaiting"))
    )
    assert [p["id"] for p in results] == list(awaiting_queue().values_list("id", flat=True))
    assert [p["overdue"] for p in results] == [True, True, False, False]
    assert {p["consultation"] for p in results} == {
        queue["late"].consultation_id,
        queue["later"].consultation_id,
    }
    assert results[0]["threshold"] == queue["very late"].consultation.support_threshold


def test_one_consultation(as_role, queue, consultation):  # noqa: F811
    _user, client = as_role("official")
    results = client.get(AWAITING, {"consultation": consultation.pk}).json()["results"]
    assert [p["title"] for p in results] == ["Nine days late", "Due in twenty days"]


def test_an_unknown_consultation_is_404_and_a_bad_one_400(as_role):
    _user, client = as_role("official")
    assert_error(client.get(AWAITING, {"consultation": 999999}), 404, "not_found")
    for value in ("nope", "0", "99999999999"):
        assert_error(client.get(AWAITING, {"consultation": value}), 400, "invalid", fields=["consultation"])


def test_paginated(as_role, queue):  # noqa: F811
    _user, client = as_role("official")
    first = client.get(AWAITING, {"page_size": 3}).json()
    assert (first["count"], len(first["results"])) == (4, 3)
    assert [p["title"] for p in client.get(AWAITING, {"page_size": 3, "page": 2}).json()["results"]] == [
        "Due in twenty days"
    ]


# --- one consultation's dashboard --------------------------------------------------------------------------


@pytest.fixture
def figures(consultation):
    """Known data: counts by status and visibility, promises awaited, overdue and answered, supports."""
    for status, n in ((Status.OPEN, 3), (Status.UNDER_REVIEW, 1), (Status.REJECTED, 2)):
        for _ in range(n):
            factories.ProposalFactory(consultation=consultation, status=status)
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING, published_at=None)
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN, status=Status.OPEN)
    awaiting(consultation, due_in_days=-3)
    awaiting(consultation, due_in_days=4)
    for days in (2, 4, 10):
        answered(consultation, after=timedelta(days=days))
    first = factories.ProposalFactory(consultation=consultation)
    support_on(first, date(2026, 3, 1), 2)
    support_on(first, date(2026, 3, 3), 4)
    other = factories.consultation(title="Elsewhere")  # counts nowhere here
    answered(other, after=timedelta(days=1))
    support_on(factories.ProposalFactory(consultation=other), date(2026, 3, 2), 5)


def test_the_figures_of_known_data(as_role, consultation, figures):
    _user, client = as_role("official")
    response = client.get(dashboard(consultation))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["consultation"] == consultation.pk
    assert [(s["status"], s["count"]) for s in data["by_status"]] == [
        ("open", 4),  # three, and the one with supports
        ("awaiting_response", 2),
        ("under_review", 1),
        ("accepted", 3),
        ("rejected", 2),
        ("implemented", 0),
    ]
    assert data["by_status"][0]["label"] == "Open for support"
    assert (data["pending"], data["hidden"]) == (1, 1)
    assert (data["reached"], data["awaiting_response"], data["overdue"], data["answered"]) == (5, 2, 1, 3)
    assert data["median_time_to_respond"] == timedelta(days=4).total_seconds()
    assert data["supports_per_day"] == [
        {"date": "2026-03-01", "supports": 2},
        {"date": "2026-03-02", "supports": 0},
        {"date": "2026-03-03", "supports": 4},
    ]


def test_the_same_figures_as_the_admins_dashboard(as_role, consultation, figures):
    user, client = as_role("official")
    data = client.get(dashboard(consultation)).json()
    page = admin_client(user).get(reverse("cms_promises:dashboard", args=[consultation.pk]))
    assert (figure(page, "awaiting"), figure(page, "overdue")) == (
        str(data["awaiting_response"]),
        str(data["overdue"]),
    )
    assert figure(page, "median") == "4 days (over 3 responses)"
    assert chart_table(page) == [(d["date"], d["supports"]) for d in data["supports_per_day"]]
    # Both read one function: its figures are the API's.
    selected = consultation_figures(consultation_id=consultation.pk)
    assert page.context["figures"] == selected
    assert [(s["status"], s["count"]) for s in data["by_status"]] == list(selected.statuses.items())
    assert (data["pending"], data["hidden"], data["answered"]) == (selected.pending, selected.hidden, 3)


def test_nothing_yet(as_role, consultation):
    _user, client = as_role("official")
    data = client.get(dashboard(consultation)).json()
    assert data["median_time_to_respond"] is None
    assert data["supports_per_day"] == []
    assert {s["count"] for s in data["by_status"]} == {0}
    assert (data["awaiting_response"], data["overdue"], data["pending"]) == (0, 0, 0)


def test_any_consultation_even_offline(as_role):
    _user, client = as_role("official")
    offline = factories.consultation(title="Draft")
    offline.live = False
    offline.save()
    assert client.get(dashboard(offline)).status_code == 200


def test_an_unknown_consultation_is_404(as_role):
    _user, client = as_role("official")
    assert_error(client.get("/api/v1/consultations/999999/dashboard/"), 404, "not_found")


def test_ids_too_large_for_the_database_are_404(as_role):
    _user, client = as_role("official")
    assert_error(client.get("/api/v1/consultations/99999999999999999999/dashboard/"), 404, "not_found")


def test_a_fixed_number_of_queries(as_role, consultation):
    _user, client = as_role("official")

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    awaiting(consultation, due_in_days=1)
    answered(consultation, after=timedelta(days=1))
    support_on(factories.ProposalFactory(consultation=consultation), date(2026, 3, 1), 1)
    urls = (AWAITING, dashboard(consultation))
    for url in urls:
        queries(url)  # the first fills caches (the roles on the user object)
    few = {url: queries(url) for url in urls}
    for days in (1, 2, 3):
        awaiting(factories.consultation(), due_in_days=days)
        awaiting(consultation, due_in_days=-days)
        answered(consultation, after=timedelta(days=days))
        support_on(factories.ProposalFactory(consultation=consultation), date(2026, 3, days), 2)
    assert {url: queries(url) for url in few} == few
