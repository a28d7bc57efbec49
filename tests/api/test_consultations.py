"""GET /api/v1/consultations/ and /api/v1/consultations/{id}/proposals/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals.models import Status, Visibility
from tests.support import factories
from tests.support.api import ROLES, assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_live_consultations(as_role, role):
    open_one = factories.consultation(title="Open one")
    closed = factories.consultation(title="Closed one", open_now=False)
    upcoming = factories.consultation(
        title="Upcoming one",
        opens_at=timezone.now() + timedelta(days=2),
        closes_at=timezone.now() + timedelta(days=9),
    )
    draft = factories.consultation(title="Draft one")
    draft.unpublish()
    _user, client = as_role(role)

    response = client.get("/api/v1/consultations/")

    assert response.status_code == 200
    states = {c["id"]: c["state"] for c in response.json()}
    assert states == {open_one.pk: "open", closed.pk: "closed", upcoming.pk: "upcoming"}


def test_consultation_detail(api, consultation):
    response = api.get(f"/api/v1/consultations/{consultation.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == consultation.pk
    assert body["title"] == consultation.title
    assert body["moderation_mode"] == "post"
    assert body["categories"] == [{"name": "Online", "slug": "online"}]


@pytest.mark.parametrize("suffix", ["", "proposals/"])
def test_a_draft_consultation_does_not_exist(api, consultation, suffix):
    consultation.unpublish()
    assert_error(api.get(f"/api/v1/consultations/{consultation.pk}/{suffix}"), 404, "not_found")


@pytest.mark.parametrize("pk", ["999999", str(10**30), "-1", "0", "abc", "1.5"])
@pytest.mark.parametrize("suffix", ["", "proposals/"])
def test_unknown_consultation_ids(api, consultation, pk, suffix):
    assert_error(api.get(f"/api/v1/consultations/{pk}/{suffix}"), 404, "not_found")


def test_a_consultation_is_not_a_proposal_list_of_another_page_type(api):
    index = factories.site_root()
    assert_error(api.get(f"/api/v1/consultations/{index.pk}/"), 404, "not_found")


# Proposal lists


def proposals_url(consultation, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/consultations/{consultation.pk}/proposals/" + (f"?{query}" if query else "")


@pytest.mark.parametrize("role", ROLES)
def test_pending_and_hidden_never_appear_in_lists(as_role, consultation, role):
    user, client = as_role(role)
    published = factories.ProposalFactory(consultation=consultation)
    own_pending = factories.ProposalFactory(
        consultation=consultation, visibility=Visibility.PENDING, published_at=None, author=user
    )
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN, author=user)
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN)
    factories.ProposalFactory()  # another consultation

    response = client.get(proposals_url(consultation))

    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [published.pk]
    assert response.json()["count"] == 1
    assert own_pending.pk not in [p["id"] for p in response.json()["results"]]


def test_ordering_by_supports_then_newest(api, consultation):
    low = factories.ProposalFactory(consultation=consultation, supports_count=1)
    high = factories.ProposalFactory(consultation=consultation, supports_count=9)
    middle = factories.ProposalFactory(consultation=consultation, supports_count=5)

    default = api.get(proposals_url(consultation)).json()["results"]
    by_supports = api.get(proposals_url(consultation, ordering="-supports")).json()["results"]
    newest = api.get(proposals_url(consultation, ordering="-created")).json()["results"]

    assert [p["id"] for p in default] == [high.pk, middle.pk, low.pk]
    assert [p["id"] for p in by_supports] == [high.pk, middle.pk, low.pk]
    assert [p["id"] for p in newest] == [middle.pk, high.pk, low.pk]
    assert [p["supports"] for p in default] == [9, 5, 1]


def test_filter_by_status_and_category(api):
    consultation = factories.consultation(categories=("Online", "By phone"))
    online, phone = consultation.categories.order_by("sort_order")
    accepted_online = factories.ProposalFactory(
        consultation=consultation, status=Status.ACCEPTED, category=online
    )
    open_phone = factories.ProposalFactory(consultation=consultation, category=phone)
    accepted_phone = factories.ProposalFactory(
        consultation=consultation, status=Status.ACCEPTED, category=phone
    )

    def ids(**params):
        response = api.get(proposals_url(consultation, **params))
        assert response.status_code == 200
        return {p["id"] for p in response.json()["results"]}

    assert ids(status="accepted") == {accepted_online.pk, accepted_phone.pk}
    assert ids(category="by-phone") == {open_phone.pk, accepted_phone.pk}
    assert ids(status="accepted", category="online") == {accepted_online.pk}
    assert ids(status="rejected") == set()
    assert ids() == {accepted_online.pk, open_phone.pk, accepted_phone.pk}  # an empty filter is a 400


def test_list_items_carry_the_public_fields(api, consultation):
    proposal = factories.ProposalFactory(
        consultation=consultation, category=consultation.categories.get(), author__display_name="Sam"
    )
    [item] = api.get(proposals_url(consultation)).json()["results"]
    assert item["id"] == proposal.pk
    assert item["consultation"] == consultation.pk
    assert item["category"] == "online"
    assert item["author_name"] == "Sam"
    assert item["status"] == "open"
    assert "body" not in item
    assert "moderation_reason" not in item


def test_pagination(api, consultation):
    for supports in range(25):
        factories.ProposalFactory(consultation=consultation, supports_count=supports)

    first = api.get(proposals_url(consultation)).json()
    second = api.get(proposals_url(consultation, page=2)).json()
    small = api.get(proposals_url(consultation, page_size=10, page=3)).json()

    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["previous"] is None and "page=2" in first["next"]
    assert len(second["results"]) == 5 and second["next"] is None
    assert [p["supports"] for p in small["results"]] == [4, 3, 2, 1, 0]
    seen = [p["id"] for p in first["results"] + second["results"]]
    assert len(set(seen)) == 25


@pytest.mark.parametrize("page", ["3", str(10**30)])
def test_a_page_past_the_end_is_not_found(api, consultation, page):
    factories.ProposalFactory(consultation=consultation)
    assert_error(api.get(proposals_url(consultation, page=page)), 404, "not_found")


@pytest.mark.parametrize("page", ["0", "-1", "abc", ""])
def test_a_page_that_is_no_page_number_is_refused(api, consultation, page):
    factories.ProposalFactory(consultation=consultation)
    assert_error(api.get(proposals_url(consultation, page=page)), 400, "invalid", fields=["page"])


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "done"}, "status"),
        ({"status": "OPEN"}, "status"),
        ({"ordering": "title"}, "ordering"),
        ({"ordering": "supports"}, "ordering"),
    ],
)
def test_unknown_filter_values_are_refused(api, consultation, params, field):
    factories.ProposalFactory(consultation=consultation)
    assert_error(api.get(proposals_url(consultation, **params)), 400, "invalid", fields=[field])


def test_an_unknown_category_is_refused(api, consultation):
    factories.ProposalFactory(consultation=consultation, category=consultation.categories.get())
    other = factories.consultation(categories=("By post",))
    assert_error(api.get(proposals_url(consultation, category="nope")), 400, "invalid", fields=["category"])
    assert_error(
        api.get(proposals_url(consultation, category="by-post")), 400, "invalid", fields=["category"]
    )
    assert other.pk  # its category exists, but not in this consultation


def test_list_queries_do_not_grow_with_the_page(api, consultation, django_assert_max_num_queries):
    for _ in range(20):
        factories.ProposalFactory(consultation=consultation, category=consultation.categories.get())
    api.get(proposals_url(consultation))  # warm the site-root cache
    with django_assert_max_num_queries(8):
        response = api.get(proposals_url(consultation))
    assert len(response.json()["results"]) == 20
