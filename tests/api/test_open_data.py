"""GET /api/v1/consultations/{id}/export.json and .../export.csv: a live, public consultation's published
proposals as open data, without personal data; GET /api/v1/consultations/journeys.json and .csv: what the
check-ins of every live, public consultation's stages add up to, nothing below the minimum."""

import csv
import io
import json
import urllib.request

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from wagtail.models import PageViewRestriction, Site

from cms.models import ConsultationStage
from proposals.journey_selectors import MIN_CHECKINS
from proposals.models import Comment, OfficialResponse, Proposal, Status, Visibility
from proposals.open_data import CHUNK
from proposals.services import checkin_save, response_publish
from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for, make_user

pytestmark = pytest.mark.django_db

FORMATS = ("json", "csv")
# The contract, column by column: the proposal's own fields, then (CSV) its responses' count and the latest.
PROPOSAL_COLUMNS = [
    *["id", "title", "summary", "category", "stage", "stage_name", "status", "supports", "comments"],
    "created_at",
    *["threshold_reached_at", "response_due_at", "responded_at", "url"],
]
RESPONSE_COLUMNS = [
    *["responses", "response_decision", "response_department"],
    *["response_published_at", "response_body"],
]


def url(consultation_id, fmt: str) -> str:
    return f"/api/v1/consultations/{consultation_id}/export.{fmt}"


def body_of(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def download_json(client, consultation) -> dict:
    response = client.get(url(consultation.pk, "json"))
    assert response["Content-Type"] == "application/json"
    return json.loads(body_of(response))


def download_csv(client, consultation) -> list[dict]:
    response = client.get(url(consultation.pk, "csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="consultation-{consultation.pk}-proposals.csv"'
    )
    text = body_of(response)
    assert not text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def people(db):
    author = factories.citizen(
        username="zelda_author", first_name="Zelda", last_name="Fitzgerald", email="zelda@private.example"
    )
    official = factories.official(
        username="grace_official",
        first_name="Grace",
        last_name="Hopper",
        email="grace@city.example",
        department="Employment Services",
    )
    return author, official


@pytest.fixture
def answered(consultation, people):
    """A published proposal with two official responses, and pending and hidden ones with a response each."""
    author, official = people
    proposal = factories.ProposalFactory(
        consultation=consultation,
        author=author,
        title="Fewer forms",
        summary="One form instead of five.",
        category=consultation.categories.get(),
    )
    response_publish(actor=official, proposal=proposal, body="We are looking into it.")
    response_publish(actor=official, proposal=proposal, body="Done by spring.", decision=Status.ACCEPTED)
    Comment.objects.create(
        proposal=proposal, author=author, body="A comment with my life story.", visibility=Visibility.HIDDEN
    )
    for visibility in (Visibility.PENDING, Visibility.HIDDEN):
        other = factories.ProposalFactory(
            consultation=consultation, author=author, visibility=visibility, title=f"Secret {visibility}"
        )
        OfficialResponse.objects.create(
            proposal=other, author=official, author_name="Grace Hopper", body=f"Unseen answer {visibility}"
        )
    proposal.refresh_from_db()
    return proposal


def test_the_json_download_holds_the_consultation_and_its_published_proposals(api, consultation, answered):
    plain = factories.ProposalFactory(consultation=consultation, category=None, title="Plain one")
    factories.ProposalFactory(title="In another consultation")

    data = download_json(api, consultation)

    assert data["consultation"] == {
        "id": consultation.pk,
        "title": consultation.title,
        "service": "Unemployment benefit",
        "opens_at": consultation.opens_at.isoformat().replace("+00:00", "Z"),
        "closes_at": consultation.closes_at.isoformat().replace("+00:00", "Z"),
        "support_threshold": 100,
        "response_deadline_days": 30,
        "url": f"http://testserver{consultation.url}",
    }
    assert [p["title"] for p in data["proposals"]] == ["Fewer forms", "Plain one"]
    first, second = data["proposals"]
    assert list(first) == [*PROPOSAL_COLUMNS, "responses"]
    assert first["id"] == answered.pk
    assert first["summary"] == "One form instead of five."
    assert first["category"] == "Online"
    assert first["status"] == "accepted"
    assert first["supports"] == answered.supports_count
    assert first["url"] == f"http://testserver/proposals/{answered.pk}/"
    assert first["responded_at"] == answered.responded_at.isoformat().replace("+00:00", "Z")
    assert [(r["decision"], r["body"], r["department"]) for r in first["responses"]] == [
        (None, "We are looking into it.", "Employment Services"),
        ("accepted", "Done by spring.", "Employment Services"),
    ]
    assert set(first["responses"][0]) == {"decision", "body", "department", "published_at"}
    assert second["id"] == plain.pk and second["category"] is None and second["responses"] == []


def test_the_csv_has_one_row_per_published_proposal_with_the_latest_response(api, consultation, answered):
    factories.ProposalFactory.create_batch(3, consultation=consultation)

    rows = download_csv(api, consultation)

    assert len(rows) == 4
    row = rows[0]
    assert list(row) == [*PROPOSAL_COLUMNS, *RESPONSE_COLUMNS]
    latest = answered.responses.last()
    assert row["id"] == str(answered.pk)
    assert row["title"] == "Fewer forms"
    assert row["category"] == "Online"
    assert row["status"] == "accepted"
    assert row["responses"] == "2"
    assert row["response_decision"] == "accepted"
    assert row["response_body"] == "Done by spring."
    assert row["response_published_at"] == latest.published_at.isoformat().replace("+00:00", "Z")
    assert row["created_at"] == answered.created_at.isoformat().replace("+00:00", "Z")
    assert rows[1]["responses"] == "0" and rows[1]["response_body"] == ""


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted(api, consultation):
    factories.ProposalFactory(consultation=consultation, title='=HYPERLINK("http://evil.example")')

    (row,) = download_csv(api, consultation)

    assert row["title"] == '\'=HYPERLINK("http://evil.example")'


@pytest.mark.parametrize("fmt", FORMATS)
def test_nothing_personal_and_nothing_unpublished(api, consultation, answered, people, fmt):
    text = body_of(api.get(url(consultation.pk, fmt)))

    assert "Fewer forms" in text
    for user in people:
        for secret in (user.username, user.email, user.first_name, user.last_name, user.get_full_name()):
            assert secret not in text, secret
    for secret in ("Secret pending", "Secret hidden", "Unseen answer", "life story"):
        assert secret not in text


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("role", ROLES)
def test_a_draft_or_restricted_consultation_is_not_found_for_anyone(consultation, role, fmt):
    factories.ProposalFactory(consultation=consultation)
    client = client_for(make_user(role))
    assert client.get(url(consultation.pk, fmt)).status_code == 200

    PageViewRestriction.objects.create(page=consultation, restriction_type=PageViewRestriction.LOGIN)
    assert_error(client.get(url(consultation.pk, fmt)), 404, "not_found")

    PageViewRestriction.objects.all().delete()
    consultation.unpublish()
    assert_error(client.get(url(consultation.pk, fmt)), 404, "not_found")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_consultation_under_a_restricted_page_is_not_found(api, consultation, fmt):
    PageViewRestriction.objects.create(
        page=consultation.get_parent(), restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    assert_error(api.get(url(consultation.pk, fmt)), 404, "not_found")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("pk", ["999999", str(10**30), "0"])
def test_unknown_ids(api, consultation, pk, fmt):
    assert_error(api.get(url(pk, fmt)), 404, "not_found")


@pytest.mark.parametrize("fmt", FORMATS)
def test_another_page_type_is_not_a_consultation(api, fmt):
    assert_error(api.get(url(factories.site_root().pk, fmt)), 404, "not_found")


@pytest.mark.parametrize("fmt", FORMATS)
def test_only_reads(api, consultation, fmt):
    assert_error(api.post(url(consultation.pk, fmt)), 405, "method_not_allowed")


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_queries_do_not_grow_with_the_proposals(
    api, consultation, official, django_assert_max_num_queries, fmt
):
    def add(n: int):
        for proposal in factories.ProposalFactory.create_batch(n, consultation=consultation):
            response_publish(actor=official, proposal=proposal, body="Noted.")

    add(2)
    with django_assert_max_num_queries(8) as few:
        body_of(api.get(url(consultation.pk, fmt)))
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body_of(api.get(url(consultation.pk, fmt)))


def test_the_schema_documents_both_downloads_and_their_media_types(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    as_json = schema["paths"]["/api/v1/consultations/{id}/export.json"]["get"]
    as_csv = schema["paths"]["/api/v1/consultations/{id}/export.csv"]["get"]
    assert as_json["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ConsultationExport"
    )
    assert set(as_csv["responses"]["200"]["content"]) == {"text/csv"}
    for operation in (as_json, as_csv):
        assert "application/json" in operation["responses"]["404"]["content"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_consultation_larger_than_a_chunk_comes_whole_and_in_order(api, consultation, monkeypatch, fmt):
    monkeypatch.setattr("proposals.open_data.CHUNK", 2)
    ids = [p.pk for p in factories.ProposalFactory.create_batch(5, consultation=consultation)]

    if fmt == "json":
        found = [p["id"] for p in download_json(api, consultation)["proposals"]]
    else:
        found = [int(row["id"]) for row in download_csv(api, consultation)]

    assert found == sorted(ids)


@pytest.mark.parametrize("fmt", FORMATS)
def test_served_over_asgi_the_download_is_sent_as_it_is_read(api, consultation, monkeypatch, fmt):
    """Under ASGI, Django would read a synchronous iterator whole before sending a byte."""
    monkeypatch.setattr("proposals.open_data.CHUNK", 2)
    factories.ProposalFactory.create_batch(5, consultation=consultation)

    async def download():
        response = await AsyncClient().get(url(consultation.pk, fmt))
        return response, [part async for part in response.streaming_content]

    response, parts = async_to_sync(download)()

    assert response.status_code == 200 and response.is_async
    # One part per chunk of two proposals, after the head (JSON: and the tail) or the CSV's header row.
    assert len(parts) == {"json": 5, "csv": 4}[fmt]
    assert b"".join(parts).decode() == body_of(api.get(url(consultation.pk, fmt)))


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_through_the_production_server_the_csv_arrives_whole_in_chunks(asgi_server):
    """uvicorn, as in production, with pooled database connections: the rows are read in the request's
    thread while the response is being sent, more than one chunk of them."""
    consultation = factories.consultation()
    Proposal.objects.bulk_create(
        factories.ProposalFactory.build_batch(CHUNK + 1, consultation=consultation, author=None)
    )
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN)

    with urllib.request.urlopen(asgi_server.http_url(url(consultation.pk, "csv")), timeout=10) as response:
        assert response.headers["Transfer-Encoding"] == "chunked"  # sent as it is read, no length known
        rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8"))))

    assert len(rows) == CHUNK + 1


def test_a_consultation_under_no_site_has_no_address_rather_than_the_downloads(api, consultation):
    Site.objects.all().delete()

    assert download_json(api, consultation)["consultation"]["url"] is None


# The journeys of every live, public consultation: GET /api/v1/consultations/journeys.json and .csv.

JOURNEY_COLUMNS = [
    *["consultation_id", "consultation_title", "stage_position", "stage_slug", "stage_name"],
    *["checkins", "frustration_median", "motivation_median", "gave_up_share"],
    *[f"frustration_{n}" for n in range(1, 6)],
    *[f"motivation_{n}" for n in range(1, 6)],
    "breaking_point",
]
FIGURE_COLUMNS = JOURNEY_COLUMNS[5:-1]


def journeys(fmt: str) -> str:
    return f"/api/v1/consultations/journeys.{fmt}"


def check_in(consultation, position: int, *scores: tuple[int, int, bool]) -> None:
    """One check-in by a new citizen on the stage at `position` (1 first) for each (frustration,
    motivation, gave_up)."""
    stage = consultation.stages.order_by("sort_order")[position - 1]
    for frustration, motivation, gave_up in scores:
        checkin_save(
            author=factories.citizen(),
            consultation=consultation,
            stage_id=stage.pk,
            frustration=frustration,
            motivation=motivation,
            gave_up=gave_up,
        )


def download_journeys(client, fmt: str):
    response = client.get(journeys(fmt))
    assert response["Content-Disposition"] == f'attachment; filename="consultation-journeys.{fmt}"'
    text = body_of(response)
    if fmt == "json":
        assert response["Content-Type"] == "application/json"
        return json.loads(text)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def journeys_to_read(db):
    """Two consultations: the first with a stage below the minimum between two shown ones, the second with
    its breaking point at its second stage."""
    first = factories.consultation(stages=("Find out", "Apply online", "Wait"), title="Benefits")
    second = factories.consultation(stages=("Register", "Pay"), title="Housing")
    check_in(first, 1, (1, 5, True), (2, 4, False), (2, 3, False), (4, 3, False), (5, 1, True))
    check_in(first, 2, *[(5, 1, True)] * 4)  # too few: nothing of them is given
    check_in(first, 3, *[(3, 3, False)] * 6)
    check_in(second, 1, *[(2, 4, False)] * 5)
    check_in(second, 2, *[(4, 2, False), (5, 1, True)] * 3)
    return first, second


def test_the_json_holds_every_journey_with_what_its_check_ins_add_up_to(api, journeys_to_read):
    first, second = journeys_to_read

    data = download_journeys(api, "json")

    assert data["minimum"] == MIN_CHECKINS == 5
    assert [(c["id"], c["title"], c["breaking_point"]) for c in data["consultations"]] == [
        (first.pk, "Benefits", None),
        (second.pk, "Housing", "pay"),
    ]
    find_out, apply, wait = data["consultations"][0]["stages"]
    assert find_out == {
        "position": 1,
        "slug": "find-out",
        "name": "Find out",
        "figures": {
            "checkins": 5,
            "frustration_median": 2.0,
            "motivation_median": 3.0,
            "gave_up_share": 0.4,
            "frustration": [1, 2, 0, 1, 1],
            "motivation": [1, 0, 2, 1, 1],
        },
        "breaking_point": False,
    }
    assert apply == {
        "position": 2,
        "slug": "apply-online",
        "name": "Apply online",
        "figures": None,
        "breaking_point": False,
    }
    assert wait["figures"]["checkins"] == 6 and wait["breaking_point"] is False
    register, pay = data["consultations"][1]["stages"]
    assert (register["breaking_point"], pay["breaking_point"]) == (False, True)
    assert pay["figures"]["frustration_median"] == 4.5 and pay["figures"]["gave_up_share"] == 0.5


def test_the_csv_has_a_row_per_stage_and_empty_figures_below_the_minimum(api, journeys_to_read):
    first, second = journeys_to_read

    rows = download_journeys(api, "csv")

    assert list(rows[0]) == JOURNEY_COLUMNS
    assert [(row["consultation_id"], row["stage_position"], row["stage_slug"]) for row in rows] == [
        (str(first.pk), "1", "find-out"),
        (str(first.pk), "2", "apply-online"),
        (str(first.pk), "3", "wait"),
        (str(second.pk), "1", "register"),
        (str(second.pk), "2", "pay"),
    ]
    find_out, apply = rows[0], rows[1]
    assert find_out["consultation_title"] == "Benefits" and find_out["stage_name"] == "Find out"
    assert [find_out[column] for column in FIGURE_COLUMNS] == [
        *["5", "2.0", "3.0", "0.4"],
        *["1", "2", "0", "1", "1"],
        *["1", "0", "2", "1", "1"],
    ]
    assert [apply[column] for column in FIGURE_COLUMNS] == [""] * len(FIGURE_COLUMNS)  # not even a count
    assert [row["breaking_point"] for row in rows] == ["false", "false", "false", "false", "true"]


def test_the_csv_and_the_json_agree(api, journeys_to_read):
    data = download_journeys(api, "json")
    rows = download_journeys(api, "csv")

    def as_cells(value) -> str:
        return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)

    flattened = []
    for consultation in data["consultations"]:
        for stage in consultation["stages"]:
            figures = stage["figures"] or {}
            flattened.append(
                [
                    consultation["id"],
                    consultation["title"],
                    stage["position"],
                    stage["slug"],
                    stage["name"],
                    *[figures.get(name) for name in FIGURE_COLUMNS[:4]],
                    *figures.get("frustration", [None] * 5),
                    *figures.get("motivation", [None] * 5),
                    stage["breaking_point"],
                ]
            )
    assert [[as_cells(value) for value in row] for row in flattened] == [list(row.values()) for row in rows]


def test_four_check_ins_are_not_counted_and_the_fifth_gives_the_figures(api):
    consultation = factories.consultation(stages=("Apply",))
    check_in(consultation, 1, *[(5, 1, True)] * 4)

    (row,) = download_journeys(api, "csv")
    assert row["checkins"] == "" and row["frustration_5"] == "" and row["breaking_point"] == "false"
    (stage,) = download_journeys(api, "json")["consultations"][0]["stages"]
    assert stage["figures"] is None

    check_in(consultation, 1, (5, 1, True))

    (row,) = download_journeys(api, "csv")
    assert row["checkins"] == "5" and row["frustration_5"] == "5" and row["breaking_point"] == "true"


@pytest.mark.parametrize("fmt", FORMATS)
def test_private_and_unpublished_consultations_are_left_out(api, journeys_to_read, fmt):
    first, second = journeys_to_read
    restricted = factories.consultation(stages=("Secret stage",), title="Restricted one")
    check_in(restricted, 1, *[(4, 2, False)] * 5)
    PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.LOGIN)
    first.unpublish()
    french = factories.translation(second, factories.french(), title="Logement")

    text = body_of(api.get(journeys(fmt)))

    assert "Housing" in text and "Register" in text
    for absent in ("Benefits", "Find out", "Restricted one", "Secret stage", "Logement"):
        assert absent not in text, absent
    ids = (
        [c["id"] for c in json.loads(text)["consultations"]]
        if fmt == "json"
        else sorted({int(row["consultation_id"]) for row in csv.DictReader(io.StringIO(text))})
    )
    assert ids == [second.pk] and french.pk not in ids


def test_stages_keep_the_original_names_whatever_the_reader_s_language(api, journeys_to_read):
    _first, second = journeys_to_read
    french = factories.translation(second, factories.french(), title="Logement")
    ConsultationStage.objects.filter(page=french, slug="register").update(name="S'inscrire")

    data = json.loads(body_of(api.get(journeys("json"), HTTP_ACCEPT_LANGUAGE="fr")))

    assert data["consultations"][1]["title"] == "Housing"
    assert data["consultations"][1]["stages"][0]["name"] == "Register"


def test_journey_text_a_spreadsheet_would_run_as_a_formula_is_quoted(api):
    consultation = factories.consultation(title="=1+1", stages=("@SUM(A1)",))
    ConsultationStage.objects.filter(page=consultation).update(slug="-apply")

    (row,) = download_journeys(api, "csv")

    assert row["consultation_title"] == "'=1+1"
    assert row["stage_name"] == "'@SUM(A1)"
    assert row["stage_slug"] == "'-apply"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_journeys_queries_do_not_grow_with_consultations_and_check_ins(
    api, journeys_to_read, django_assert_max_num_queries, fmt
):
    with django_assert_max_num_queries(6) as few:
        body_of(api.get(journeys(fmt)))
    more = factories.consultation(stages=("One", "Two", "Three"), title="More")
    check_in(more, 2, *[(3, 3, False)] * 7)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body_of(api.get(journeys(fmt)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_journeys_only_read(citizen, fmt):
    assert_error(client_for(citizen).post(journeys(fmt)), 405, "method_not_allowed")


def test_the_schema_documents_both_journey_downloads(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    as_json = schema["paths"]["/api/v1/consultations/journeys.json"]["get"]
    as_csv = schema["paths"]["/api/v1/consultations/journeys.csv"]["get"]
    assert as_json["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/JourneysExport"
    )
    assert set(as_csv["responses"]["200"]["content"]) == {"text/csv"}
    assert all(column in as_csv["responses"]["200"]["description"] for column in JOURNEY_COLUMNS)
