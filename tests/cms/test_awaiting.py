"""The responses awaited: the officials' queue in the Wagtail admin and the API's `?awaiting_response=true`.
Overdue first, then the soonest due; answered, unreached and unpublished proposals are not in it."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cms.backoffice.dashboard import OfficialsMenuItem, deadline_text
from proposals.services import response_publish
from tests.support import factories
from tests.support.factories import admin_only_user, promised
from tests.support.pages import listing_titles, visible_text

pytestmark = pytest.mark.django_db

AWAITING = reverse("cms_promises:awaiting")
LOGIN = reverse("wagtailadmin_login")


# --- who gets in -------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client_as):
    response = client_as(None).get(AWAITING)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_citizen_has_no_admin_access(client_as, citizen):
    response = client_as(citizen).get(AWAITING)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_moderator_is_refused(client_as, moderator, queue):
    response = client_as(moderator).get(AWAITING)
    assert response.status_code == 403
    assert "Nine days late" not in response.content.decode()


def test_an_admin_user_without_a_role_is_refused(client_as, queue):
    assert client_as(admin_only_user()).get(AWAITING).status_code == 403


@pytest.mark.parametrize("role", ["official", "admin"])
def test_officials_and_admins_see_the_queue(client_as, queue, role):
    user = factories.official() if role == "official" else factories.citizen(is_superuser=True, is_staff=True)
    assert client_as(user).get(AWAITING).status_code == 200


@pytest.mark.parametrize("role", ["citizen", "moderator", "official", "admin"])
def test_the_menu_item_is_shown_to_officials_and_admins_only(role):
    user = {
        "citizen": factories.citizen,
        "moderator": factories.moderator,
        "official": factories.official,
        "admin": lambda: factories.citizen(is_superuser=True),
    }[role]()
    request = RequestFactory().get("/cms/")
    request.user = user
    item = OfficialsMenuItem("Awaiting response", AWAITING, name="awaiting")
    assert item.is_shown(request) is (role in ("official", "admin"))


def test_the_official_sees_the_menu_item_in_the_admin(client_as, official, moderator):
    assert AWAITING in client_as(official).get(reverse("wagtailadmin_home")).content.decode()
    assert AWAITING not in client_as(moderator).get(reverse("wagtailadmin_home")).content.decode()


def test_the_admin_home_tells_officials_what_is_awaited(client_as, official, moderator, queue):
    home = reverse("wagtailadmin_home")
    text = visible_text(client_as(official).get(home))
    assert "Responses promised to citizens 4 responses awaited, 2 overdue See the responses awaited" in text
    assert "Responses promised to citizens" not in visible_text(client_as(moderator).get(home))


# --- what it shows -----------------------------------------------------------------------------------------


def test_overdue_first_then_soonest_due_and_nothing_else(client_as, official, queue):
    response = client_as(official).get(AWAITING)
    assert listing_titles(response) == [
        "Nine days late",
        "A day late",
        "Due in two days",
        "Due in twenty days",
    ]
    text = visible_text(response)
    assert "4 responses awaited, 2 overdue." in text
    assert "Overdue by 10 days" in text or "Overdue by 9 days" in text  # calendar days, by the clock
    assert re.search(r"Due in two days Housing allowance \S.* (2|3) days left 101", text)


def test_each_row_links_to_where_the_official_responds(client_as, official, queue):
    html = client_as(official).get(AWAITING).content.decode()
    late = queue["very late"]
    assert f'href="{reverse("cms_proposals:detail", args=[late.pk])}?next=' in html
    assert f'href="{reverse("cms_promises:dashboard", args=[late.consultation_id])}"' in html


def test_one_consultation_at_a_time(client_as, official, queue, consultation):
    response = client_as(official).get(AWAITING, {"consultation": consultation.pk})
    assert listing_titles(response) == ["Nine days late", "Due in twenty days"]
    assert client_as(official).get(AWAITING, {"consultation": "nope"}).status_code == 404


def test_an_answer_takes_a_proposal_out_of_the_queue(client_as, official, queue):
    response_publish(actor=official, proposal=queue["very late"], body="Sorry for the wait: yes.")
    assert "Nine days late" not in listing_titles(client_as(official).get(AWAITING))


def test_nothing_awaited_says_so(client_as, official):
    assert "No response is awaited" in visible_text(client_as(official).get(AWAITING))


def test_the_queue_reads_a_fixed_number_of_queries(client_as, official, consultation):
    client = client_as(official)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(AWAITING).status_code == 200
        return len(captured)

    promised(consultation, due_in_days=1, title="One")
    queries()
    few = queries()
    for i in range(5):
        promised(factories.consultation(title=f"Consultation {i}"), due_in_days=i - 2, title=f"More {i}")
    assert queries() == few


@pytest.mark.parametrize(
    ("days", "expected"),
    [(-3, "Overdue by 3 days"), (-1, "Overdue by 1 day"), (1, "1 day left"), (12, "12 days left")],
)
def test_deadline_text_counts_calendar_days(days, expected):
    now = timezone.now().replace(hour=12)
    assert deadline_text(now + timedelta(days=days), now) == expected


# --- the API -----------------------------------------------------------------------------------------------


def api_list(api, consultation, **params):
    return api.get(f"/api/v1/consultations/{consultation.pk}/proposals/", params)


def test_the_api_lists_the_responses_awaited_overdue_first(api, consultation, queue):
    response = api_list(api, consultation, awaiting_response="true")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [p["title"] for p in results] == ["Nine days late", "Due in twenty days"]
    assert [p["overdue"] for p in results] == [True, False]
    first = results[0]
    assert first["threshold"] == consultation.support_threshold
    assert first["response_due_at"] is not None and first["responded_at"] is None
    assert first["threshold_reached_at"] is not None


def test_without_the_filter_every_proposal_carries_its_promise(api, consultation, queue):
    results = {p["title"]: p for p in api_list(api, consultation).json()["results"]}
    assert results["Not reached"]["response_due_at"] is None and results["Not reached"]["overdue"] is False
    assert results["Answered already"]["responded_at"] is not None
    assert results["Answered already"]["overdue"] is False
    assert api_list(api, consultation, awaiting_response="false").json()["count"] == len(results)


def test_the_api_refuses_a_bad_value(api, consultation):
    response = api_list(api, consultation, awaiting_response="perhaps")
    assert response.status_code == 400
    assert "awaiting_response" in response.json()["error"]["fields"]


def test_a_proposal_carries_its_promise(api, consultation, queue):
    late = queue["very late"]
    data = api.get(f"/api/v1/proposals/{late.pk}/").json()
    assert data["threshold"] == consultation.support_threshold
    assert data["overdue"] is True
    assert parse_datetime(data["response_due_at"]) == late.response_due_at
