"""GET /api/v1/moderation/queue/: the admin's moderation queue over HTTP, for each role both ways; the same
items in the same order as the admin's page (one selector reads both), paginated."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import Proposal, Visibility
from proposals.moderation_selectors import moderation_queue, queue_items
from tests.support import factories
from tests.support.api import assert_error
from tests.support.factories import a_comment, aged, reported

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/moderation/queue/"


@pytest.fixture
def waiting(consultation):
    """Four items waiting, and what must stay out; returns the expected (kind, id) order."""
    pending = aged(factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING), 5)
    flagged = factories.ProposalFactory(consultation=consultation, title="Open the offices on Saturdays")
    reported(flagged, "spam", age=9)
    reported(flagged, "abuse", "spam", age=1)  # the oldest open report counts
    comment = a_comment(flagged, body="<script>alert(1)</script> Nobody reads this.")
    reported(comment, "abuse", age=7)
    pending_comment = aged(a_comment(flagged, visibility=Visibility.PENDING), 3)
    # Out of the queue: a published proposal without reports, one whose reports were dealt with, a
    # deleted comment that was reported.
    factories.ProposalFactory(consultation=consultation)
    dealt_with = factories.ProposalFactory(consultation=consultation)
    for flag in reported(dealt_with, "spam"):
        flag.resolved_at = flag.created_at
        flag.save()
    gone = a_comment(flagged)
    reported(gone, "abuse")
    type(gone).objects.filter(pk=gone.pk).update(deleted_at=gone.created_at)
    return [
        ("proposal", flagged.pk),
        ("comment", comment.pk),
        ("proposal", pending.pk),
        ("comment", pending_comment.pk),
    ]


def rows(response) -> list[tuple[str, int]]:
    assert response.status_code == 200, response.content
    return [(item["kind"], item["id"]) for item in response.json()["results"]]


# --- who may read it ---------------------------------------------------------------------------------------


def test_anonymous_is_401(api, waiting):
    assert_error(api.get(QUEUE), 401, "not_authenticated")


@pytest.mark.parametrize("role", ["unverified_citizen", "citizen"])
def test_citizens_are_403(as_role, waiting, role):
    _user, client = as_role(role)
    error = assert_error(client.get(QUEUE), 403, "forbidden")
    assert "moderators" in error["message"]


@pytest.mark.parametrize("role", ["moderator", "official", "superuser"])
def test_moderators_officials_and_admins_read_it_oldest_first(as_role, waiting, role):
    _user, client = as_role(role)
    response = client.get(QUEUE)
    assert rows(response) == waiting
    assert response.json()["count"] == 4


def test_writes_are_not_allowed(as_role):
    _user, client = as_role("moderator")
    assert_error(client.post(QUEUE, {}, format="json"), 405, "method_not_allowed")


# --- the same queue as the admin's -------------------------------------------------------------------------


def test_the_same_items_in_the_same_order_as_the_admins_page(as_role, waiting):
    user, client = as_role("moderator")
    admin = Client()
    admin.force_login(user)
    page = admin.get(reverse("cms_proposals:index"))
    assert page.status_code == 200
    on_the_admin_page = [(entry.kind, entry.item.pk) for entry in page.context["items"]]
    from_the_selector = [(entry.kind, entry.item.pk) for entry in queue_items(moderation_queue())]
    assert rows(client.get(QUEUE)) == on_the_admin_page == from_the_selector == waiting


def test_each_item_says_what_it_is_who_wrote_it_where_and_why_it_waits(as_role, consultation, waiting):
    _user, client = as_role("moderator")
    items = client.get(QUEUE).json()["results"]
    proposal, comment, pending = items[0], items[1], items[2]

    flagged = Proposal.objects.get(pk=proposal["id"])
    assert (proposal["title"], proposal["text"]) == ("Open the offices on Saturdays", flagged.summary)
    assert proposal["author_name"] == flagged.author.public_name
    assert proposal["consultation"] == {"id": consultation.pk, "title": consultation.title}
    assert proposal["visibility"] == "published"
    assert proposal["open_flags"] == 3
    assert proposal["reasons"] == [
        {"reason": "spam", "label": "Spam or advertising", "count": 2},
        {"reason": "abuse", "label": "Abusive, hateful or threatening", "count": 1},
    ]
    assert sorted(report["reason"] for report in proposal["reports"]) == ["abuse", "spam", "spam"]

    # A comment's text is returned as it was written: escaping is the reader's job, as for every text.
    assert comment["text"] == "<script>alert(1)</script> Nobody reads this."
    assert comment["proposal"] == proposal["id"]
    assert comment["title"] == "Open the offices on Saturdays"
    assert (comment["open_flags"], comment["reasons"][0]["reason"]) == (1, "abuse")

    assert (pending["visibility"], pending["open_flags"], pending["reasons"]) == ("pending", 0, [])
    assert pending["queued_at"] == pending["created_at"]


def test_a_deleted_account_has_no_name(as_role, consultation):
    _user, client = as_role("moderator")
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING, author=None)
    assert client.get(QUEUE).json()["results"][0]["author_name"] == ""


def test_acting_on_an_item_takes_it_out_of_the_queue(as_role, waiting):
    _user, client = as_role("moderator")
    _kind, pk = waiting[0]
    url = f"/api/v1/proposals/{pk}/dismiss-flags/"
    assert client.post(url, {}, format="json").status_code == 200
    assert rows(client.get(QUEUE)) == waiting[1:]


def test_paginated_in_order(as_role, waiting):
    _user, client = as_role("official")
    first = client.get(QUEUE, {"page_size": 3})
    assert rows(first) == waiting[:3]
    assert first.json()["count"] == 4 and first.json()["next"]
    assert rows(client.get(QUEUE, {"page_size": 3, "page": 2})) == waiting[3:]
    assert_error(client.get(QUEUE, {"page": 9}), 404, "not_found")


def test_an_empty_queue(as_role):
    _user, client = as_role("moderator")
    assert client.get(QUEUE).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_a_fixed_number_of_queries(as_role, consultation):
    _user, client = as_role("moderator")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured)

    def more() -> None:
        flagged = factories.ProposalFactory(consultation=consultation)
        reported(flagged, "spam", "abuse")
        reported(a_comment(flagged), "off_topic")
        a_comment(flagged, visibility=Visibility.PENDING)
        factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING)

    more()
    queries()  # the first fills caches (the roles on the user object)
    few = queries()
    for _ in range(3):
        more()
    assert queries() == few
