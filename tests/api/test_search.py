"""GET /api/v1/search/ and GET /api/v1/proposals/similar/: results for every viewer, bad input as a 400
in the common error body naming the field, and both in the schema."""

import pytest

from cms.models import ConsultationCategory
from proposals.models import Status, Visibility
from proposals.search import database
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for, make_user
from tests.support.search import hung_engine, stopped_engine, use_engine

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search/"
SIMILAR = "/api/v1/proposals/similar/"


@pytest.fixture
def proposals(consultation):
    online = ConsultationCategory.objects.get(page=consultation, slug="online")
    return {
        "tracker": factories.ProposalFactory(
            consultation=consultation,
            title="A <b>tracker</b> for the démarche",
            summary="See each step.",
            category=online,
            status=Status.UNDER_REVIEW,
            supports_count=7,
        ),
        "letters": factories.ProposalFactory(
            consultation=consultation, title="Plain letters", summary="Demarche in plain words."
        ),
        "pending": factories.ProposalFactory(
            consultation=consultation, title="Pending démarche", visibility=Visibility.PENDING
        ),
        "hidden": factories.ProposalFactory(
            consultation=consultation, title="Hidden démarche", visibility=Visibility.HIDDEN
        ),
    }


@pytest.mark.parametrize("role", ROLES)
def test_search_shows_published_proposals_to_everyone(role, proposals):
    response = client_for(make_user(role)).get(SEARCH, {"q": "demarche"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [hit["id"] for hit in body["results"]] == [proposals["tracker"].pk, proposals["letters"].pk]


def test_search_result_shape(api, consultation, proposals):
    response = api.get(SEARCH, {"q": "démarche", "consultation": consultation.pk, "page_size": 1})
    body = response.json()
    assert {k: body[k] for k in ("count", "count_is_lower_bound", "page", "page_size", "num_pages")} == {
        "count": 2,
        "count_is_lower_bound": False,
        "page": 1,
        "page_size": 1,
        "num_pages": 2,
    }
    (hit,) = body["results"]
    tracker = proposals["tracker"]
    assert hit["id"] == tracker.pk and hit["title"] == tracker.title
    assert hit["status"] == "under_review" and hit["category"] == "online" and hit["supports"] == 7
    assert hit["url"] == f"/proposals/{tracker.pk}/"
    assert hit["highlights"]["title"] == ["A &lt;b&gt;tracker&lt;/b&gt; for the <mark>démarche</mark>"]
    assert {(f["value"], f["count"]) for f in body["facets"]["status"]} == {("under_review", 1), ("open", 1)}
    assert body["facets"]["category"] == [{"value": "online", "label": "Online", "count": 1}]


def test_search_filters(api, consultation, proposals):
    other = factories.consultation(title="Housing", categories=("Online", "By post"))
    factories.ProposalFactory(consultation=other, title="Démarche elsewhere")
    assert api.get(SEARCH, {"q": "demarche"}).json()["count"] == 3
    assert api.get(SEARCH, {"q": "demarche", "consultation": consultation.pk}).json()["count"] == 2
    assert api.get(SEARCH, {"q": "demarche", "status": "under_review"}).json()["count"] == 1
    assert api.get(SEARCH, {"q": "demarche", "category": "online"}).json()["count"] == 1
    # A category of another consultation exists, just not in this one.
    assert api.get(SEARCH, {"q": "demarche", "category": "by-post"}).json()["count"] == 0


def test_search_says_when_its_count_is_a_lower_bound(api, proposals, monkeypatch):
    monkeypatch.setattr(database, "COUNT_WINDOW", 1)
    body = api.get(SEARCH, {"q": "demarche"}).json()
    assert body["count"] == 1 and body["count_is_lower_bound"] is True and body["num_pages"] == 1
    assert [hit["id"] for hit in body["results"]] == [proposals["letters"].pk]  # the most recent
    assert sum(f["count"] for f in body["facets"]["status"]) == 1


def test_search_without_results(api, proposals):
    body = api.get(SEARCH, {"q": "nothing like this"}).json()
    assert body["count"] == 0 and body["results"] == []
    assert body["facets"] == {"status": [], "category": [], "stage": []}


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "?!* ()"}, "q"),
        ({"q": "nul\x00byte"}, "q"),
        ({"q": "ok", "consultation": "abc"}, "consultation"),
        ({"q": "ok", "consultation": "1.5"}, "consultation"),
        ({"q": "ok", "consultation": "0"}, "consultation"),
        ({"q": "ok", "consultation": str(10**30)}, "consultation"),
        ({"q": "ok", "consultation": "999999"}, "consultation"),
        ({"q": "ok", "status": "nope"}, "status"),
        ({"q": "ok", "status": "pending"}, "status"),
        ({"q": "ok", "category": "nope"}, "category"),
        ({"q": "ok", "category": "Not a slug!"}, "category"),
        ({"q": "ok", "page": "0"}, "page"),
        ({"q": "ok", "page": "x"}, "page"),
        ({"q": "ok", "page": "100000"}, "page"),
        ({"q": "ok", "page_size": "1000"}, "page_size"),
    ],
)
def test_search_bad_input_is_a_400_naming_the_field(api, consultation, params, field):
    assert_error(api.get(SEARCH, params), 400, "invalid", fields=[field])


def test_search_a_category_of_another_consultation_is_a_400(api, consultation):
    other = factories.consultation(title="Housing", categories=("By post",))
    response = api.get(SEARCH, {"q": "ok", "consultation": consultation.pk, "category": "by-post"})
    assert_error(response, 400, "invalid", fields=["category"])
    assert api.get(SEARCH, {"q": "ok", "consultation": other.pk, "category": "by-post"}).status_code == 200


def test_search_an_unpublished_consultation_is_a_400(api, consultation):
    consultation.unpublish()
    assert_error(
        api.get(SEARCH, {"q": "ok", "consultation": consultation.pk}), 400, "invalid", ["consultation"]
    )


def test_search_accepts_a_query_of_200_characters_and_any_syntax(api, proposals):
    assert api.get(SEARCH, {"q": "démarche " * 22 + "x"}).status_code == 200
    for query in ['"unterminated', "-tracker", "a -b or", "'; drop table x; --", "tracker:*", "(démarche"]:
        assert api.get(SEARCH, {"q": query}).status_code == 200, query


def test_search_is_read_only(citizen, consultation):
    assert_error(client_for(citizen).post(SEARCH, {"q": "x"}), 405, "method_not_allowed")


# Similar proposals


@pytest.mark.parametrize("role", ROLES)
def test_similar_for_everyone(role, consultation, proposals):
    response = client_for(make_user(role)).get(
        SIMILAR, {"consultation": consultation.pk, "title": "Tracker of my démarche"}
    )
    assert response.status_code == 200
    body = response.json()
    assert [hit["id"] for hit in body][:1] == [proposals["tracker"].pk]
    assert proposals["pending"].pk not in [hit["id"] for hit in body]
    assert proposals["hidden"].pk not in [hit["id"] for hit in body]
    assert set(body[0]) == {"id", "title", "summary", "status", "supports", "url", "score"}


def test_similar_limit_and_nothing_similar(api, consultation, proposals):
    params = {"consultation": consultation.pk, "title": "demarche", "limit": 1}
    assert len(api.get(SIMILAR, params).json()) == 1
    assert api.get(SIMILAR, {"consultation": consultation.pk, "title": "zzz qqq"}).json() == []


def test_similar_is_not_taken_for_a_proposal_id(api, consultation):
    # The router's proposals/{pk}/ comes after this route.
    assert_error(api.get(SIMILAR), 400, "invalid", fields=["consultation", "title"])


@pytest.mark.parametrize(
    "params, field",
    [
        ({"consultation": ..., "title": "x"}, "consultation"),
        ({"consultation": "abc", "title": "x"}, "consultation"),
        ({"consultation": "999999", "title": "x"}, "consultation"),
        ({"consultation": str(10**30), "title": "x"}, "consultation"),
        ({"title": ""}, "title"),
        ({"title": "x" * 141}, "title"),
        ({"title": "x", "summary": "x" * 501}, "summary"),
        ({"title": "x", "limit": "0"}, "limit"),
        ({"title": "x", "limit": "11"}, "limit"),
    ],
)
def test_similar_bad_input_is_a_400_naming_the_field(api, consultation, params, field):
    params = {k: v for k, v in {"consultation": consultation.pk, **params}.items() if v is not ...}
    assert_error(api.get(SIMILAR, params), 400, "invalid", fields=[field])


def test_both_are_in_the_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    search = schema["paths"]["/api/v1/search/"]["get"]
    assert {p["name"] for p in search["parameters"]} >= {"q", "consultation", "status", "category", "page"}
    similar = schema["paths"]["/api/v1/proposals/similar/"]["get"]
    assert {p["name"] for p in similar["parameters"]} >= {"consultation", "title", "summary", "limit"}
    assert "SearchPage" in str(search["responses"]["200"])


# A search engine that cannot answer


def assert_unavailable(response) -> None:
    error = assert_error(response, 503, "search_unavailable")
    assert "try again" in error["message"]
    assert int(response["Retry-After"]) > 0


def test_search_and_similar_answer_503_when_the_engine_is_down(api, settings, osmem_server, consultation):
    use_engine(settings, stopped_engine(osmem_server))
    assert_unavailable(api.get(SEARCH, {"q": "tracker"}))
    assert_unavailable(api.get(SIMILAR, {"consultation": consultation.pk, "title": "A payment tracker"}))


def test_search_answers_503_when_the_engine_hangs(api, settings, monkeypatch):
    from proposals.search import engine

    monkeypatch.setattr(engine, "REQUEST_TIMEOUT", 0.5)  # the production 5 s, shortened for the test
    with hung_engine() as url:
        use_engine(settings, url)
        assert_unavailable(api.get(SEARCH, {"q": "tracker"}))


def test_bad_input_is_still_a_400_when_the_engine_is_down(api, settings, osmem_server):
    use_engine(settings, stopped_engine(osmem_server))
    assert_error(api.get(SEARCH, {"q": "?!"}), 400, "invalid", fields=["q"])
