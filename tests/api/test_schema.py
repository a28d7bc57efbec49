"""The OpenAPI schema describes the public contract, and only that; the docs page renders."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

CONTRACT = {
    "/api/v1/consultations/": {"get"},
    "/api/v1/consultations/{id}/": {"get"},
    "/api/v1/consultations/{id}/proposals/": {"get"},
    "/api/v1/proposals/": {"post"},
    "/api/v1/proposals/{id}/": {"get"},
    "/api/v1/proposals/{id}/support/": {"post", "delete"},
    "/api/v1/proposals/{id}/moderation/": {"post"},
    "/api/v1/proposals/{id}/status/": {"post"},
    "/api/v1/proposals/{id}/responses/": {"post"},
    "/api/v1/proposals/{id}/flag/": {"post"},
    "/api/v1/proposals/{id}/history/": {"get"},
    "/api/v1/proposals/{id}/supports-by-day/": {"get"},
    "/api/v1/comments/{id}/flag/": {"post"},
    "/api/v1/search/": {"get"},
    "/api/v1/proposals/similar/": {"get"},
    "/api/v1/proposals/{id}/follow/": {"post", "delete"},
    "/api/v1/me/export/": {"get"},
    "/api/v1/me/delete/": {"post"},
    "/api/v1/notifications/": {"get"},
    "/api/v1/notifications/read/": {"post"},
    "/api/v1/proposals/{id}/comments/": {"get", "post"},
    "/api/v1/comments/{id}/": {"get", "patch", "delete"},
    "/api/v1/comments/{id}/moderation/": {"post"},
    "/api/v1/moderation/queue/": {"get"},
    "/api/v1/proposals/{id}/dismiss-flags/": {"post"},
    "/api/v1/comments/{id}/dismiss-flags/": {"post"},
    "/api/v1/awaiting-responses/": {"get"},
    "/api/v1/consultations/{id}/dashboard/": {"get"},
    "/api/v1/consultations/{id}/export.json": {"get"},
    "/api/v1/consultations/{id}/export.csv": {"get"},
}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def normalise(path: str) -> str:
    return path.replace("{pk}", "{id}")


def test_the_schema_lists_exactly_the_contract(schema):
    assert schema["openapi"].startswith("3.")
    paths = {normalise(p): {m for m in ops if m in METHODS} for p, ops in schema["paths"].items()}
    assert paths == CONTRACT


def test_only_public_paths(schema):
    assert all(path.startswith("/api/v1/") for path in schema["paths"])


def test_ids_in_paths_are_integers(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"]["type"] == "integer", (path, method, parameter)


def test_the_proposal_list_documents_filters_and_pagination(schema):
    operation = schema["paths"]["/api/v1/consultations/{id}/proposals/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"ordering", "status", "category", "page"} <= names
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/PaginatedProposalListList")


def test_the_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_the_docs_page_renders(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/api/schema/" in html
    assert "cdn." not in html  # the UI is served from our own static files


def test_the_workflow_endpoints_document_their_roles_errors_and_pages(schema):
    paths = schema["paths"]
    queue = paths["/api/v1/moderation/queue/"]["get"]
    assert {"page", "page_size"} <= {p["name"] for p in queue["parameters"]}
    assert queue["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PaginatedQueueItemList"
    )
    awaiting = paths["/api/v1/awaiting-responses/"]["get"]
    assert {"consultation", "page"} <= {p["name"] for p in awaiting["parameters"]}
    for path, method, codes in (
        ("/api/v1/moderation/queue/", "get", {"200", "401", "403"}),
        ("/api/v1/awaiting-responses/", "get", {"200", "400", "401", "403", "404"}),
        ("/api/v1/consultations/{id}/dashboard/", "get", {"200", "401", "403", "404"}),
        ("/api/v1/proposals/{id}/dismiss-flags/", "post", {"200", "400", "401", "403", "404", "409", "429"}),
        ("/api/v1/comments/{id}/dismiss-flags/", "post", {"200", "400", "401", "403", "404", "409", "429"}),
    ):
        assert codes <= set(paths[path][method]["responses"]), (path, codes)
    dashboard = schema["components"]["schemas"]["ConsultationDashboard"]
    assert dashboard["properties"]["median_time_to_respond"]["nullable"] is True
    assert {"by_status", "awaiting_response", "overdue", "supports_per_day"} <= set(dashboard["properties"])
