"""The OpenAPI schema describes the public contract, and only that; the docs page renders."""

import pytest
from django.core.management import call_command
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.permissions import IsAuthenticated

from cocreate.exceptions import _DRF_CODES
from cocreate.schema import error_codes, usual_codes
from tests.support import contract

pytestmark = pytest.mark.django_db

CONTRACT = {
    "/api/v1/consultations/": {"get"},
    "/api/v1/consultations/{id}/": {"get"},
    "/api/v1/consultations/{id}/proposals/": {"get"},
    "/api/v1/proposals/": {"post"},
    "/api/v1/proposals/{id}/": {"get", "patch"},
    "/api/v1/proposals/{id}/support/": {"post", "delete"},
    "/api/v1/proposals/{id}/withdraw/": {"post"},
    "/api/v1/proposals/{id}/moderation/": {"post"},
    "/api/v1/proposals/{id}/status/": {"post"},
    "/api/v1/proposals/{id}/responses/": {"post"},
    "/api/v1/proposals/{id}/attachments/": {"post"},
    "/api/v1/proposals/{id}/attachments/{attachment_id}/": {"delete"},
    "/api/v1/proposals/{id}/flag/": {"post"},
    "/api/v1/proposals/{id}/history/": {"get"},
    "/api/v1/proposals/{id}/milestones/": {"get", "post"},
    "/api/v1/milestones/{id}/": {"patch"},
    "/api/v1/proposals/{id}/supports-by-day/": {"get"},
    "/api/v1/proposals/{id}/supports-by-area/": {"get"},
    "/api/v1/comments/{id}/flag/": {"post"},
    "/api/v1/search/": {"get"},
    "/api/v1/proposals/similar/": {"get"},
    "/api/v1/proposals/{id}/follow/": {"post", "delete"},
    "/api/v1/proposals/{id}/versions/": {"get"},
    "/api/v1/proposals/{id}/coauthors/": {"get", "post"},
    "/api/v1/proposals/{id}/coauthors/{coauthor_id}/": {"delete"},
    "/api/v1/me/coauthor-invitations/": {"get"},
    "/api/v1/me/coauthor-invitations/{id}/accept/": {"post"},
    "/api/v1/me/coauthor-invitations/{id}/decline/": {"post"},
    "/api/v1/me/drafts/": {"get", "post"},
    "/api/v1/me/drafts/{id}/": {"get", "patch", "delete"},
    "/api/v1/me/drafts/{id}/submit/": {"post"},
    "/api/v1/me/export/": {"get"},
    "/api/v1/me/delete/": {"post"},
    "/api/v1/me/email-settings/": {"get", "put"},
    "/api/v1/notifications/": {"get"},
    "/api/v1/notifications/read/": {"post"},
    "/api/v1/proposals/{id}/comments/": {"get", "post"},
    "/api/v1/comments/{id}/": {"get", "patch", "delete"},
    "/api/v1/comments/{id}/moderation/": {"post"},
    "/api/v1/comments/{id}/helpful/": {"post", "delete"},
    "/api/v1/moderation/queue/": {"get"},
    "/api/v1/moderation/proposals/{id}/invalidations/": {"get", "post"},
    "/api/v1/moderation/proposals/{id}/merge/": {"post"},
    "/api/v1/moderation/proposals/{id}/support-reviews/": {"get"},
    "/api/v1/moderation/support-reviews/{id}/decision/": {"post"},
    "/api/v1/proposals/{id}/support/review/": {"post"},
    "/api/v1/moderation/proposals/{id}/supports-review/": {"get"},
    "/api/v1/moderation/accounts/{id}/": {"get"},
    "/api/v1/moderation/accounts/{id}/block/": {"post"},
    "/api/v1/moderation/accounts/{id}/unblock/": {"post"},
    "/api/v1/proposals/{id}/dismiss-flags/": {"post"},
    "/api/v1/comments/{id}/dismiss-flags/": {"post"},
    "/api/v1/awaiting-responses/": {"get"},
    "/api/v1/consultations/{id}/dashboard/": {"get"},
    "/api/v1/consultations/{id}/export.json": {"get"},
    "/api/v1/consultations/{id}/export.csv": {"get"},
    "/api/v1/consultations/{id}/stages/": {"get"},
    "/api/v1/consultations/{id}/checkins/": {"get"},
    "/api/v1/consultations/{id}/checkins/{stage_slug}/": {"put", "delete"},
    "/api/v1/checkins/{id}/moderation/": {"post"},
    "/api/v1/consultations/{id}/journey/": {"get"},
    "/api/v1/consultations/{id}/areas/": {"get"},
    "/api/v1/consultations/{id}/what-changed/": {"get"},
    "/api/v1/consultations/journeys.json": {"get"},
    "/api/v1/consultations/journeys.csv": {"get"},
    "/api/v1/me/areas/": {"get"},
    "/api/v1/me/areas/{area_set_id}/": {"put", "delete"},
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


# Path parameters that name an item by its slug (the same in every language), not by an id.
SLUGS_IN_PATHS = {"stage_slug"}


def test_ids_in_paths_are_integers(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    expected = "string" if parameter["name"] in SLUGS_IN_PATHS else "integer"
                    assert parameter["schema"]["type"] == expected, (path, method, parameter)


def test_the_proposal_list_documents_filters_and_pagination(schema):
    operation = schema["paths"]["/api/v1/consultations/{id}/proposals/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"ordering", "status", "category", "stage", "page"} <= names
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


def api_endpoints():
    """(method, schema path, view callback) of every public operation."""
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        if path.startswith(contract.API_PREFIX):
            yield method.lower(), normalise(path), callback


def signed_in_only(callback) -> bool:
    return any(issubclass(p, IsAuthenticated) for p in getattr(callback.cls, "permission_classes", ()))


def test_every_error_a_view_can_raise_is_in_its_schema():
    """Read from the source (contract.view_errors): each domain error the view, or anything it calls, may
    raise or answer is documented for that operation with its status and code. A service's own check of
    sign-in (403 `not_authenticated`) is unreachable behind IsAuthenticated, which answers 401 first."""
    paths = contract.schema()["paths"]
    missing = []
    for method, path, callback in api_endpoints():
        responses = paths[path][method]["responses"]
        errors = contract.view_errors(callback, method)
        if signed_in_only(callback):
            errors.discard((403, "not_authenticated"))
        missing += [
            f"{method.upper()} {path}: {status} `{code}`"
            for status, code in sorted(errors)
            if code not in error_codes(responses.get(str(status), {}))
        ]
    assert not missing, "Errors raised but not in the schema:\n" + "\n".join(missing)


def test_the_source_walk_follows_services_and_helpers():
    """The check above sees what a service raises through its helpers (votes.services._check_may_change),
    what a subclass's target finder raises (ProposalDismissFlagsView.find_target), and the error bodies a
    view answers itself (search's 503)."""
    support = {method: callback for method, path, callback in api_endpoints() if path.endswith("/support/")}
    assert {
        (403, "email_unverified"),
        (404, "not_found"),
        (409, "consultation_closed"),
    } <= contract.view_errors(support["post"], "post")
    found = {path: contract.view_errors(callback, method) for method, path, callback in api_endpoints()}
    assert {(404, "not_found"), (409, "no_open_flags")} <= found["/api/v1/proposals/{id}/dismiss-flags/"]
    assert (503, "search_unavailable") in found["/api/v1/search/"]


def test_every_error_code_in_the_schema_is_one_the_code_answers(schema):
    """No stale or misspelt code in the schema: each documented (status, code) is one some view raises,
    or one of the common errors (cocreate.schema) that DRF, the exception handler or the server answer."""
    raised = set().union(
        *(contract.view_errors(callback, method) for method, _path, callback in api_endpoints())
    )
    raised |= {(cls.status_code, code) for cls, code in _DRF_CODES.items()}
    documented = {
        (int(status), code)
        for operations in schema["paths"].values()
        for method, operation in operations.items()
        if method in METHODS
        for status, response in operation["responses"].items()
        for code in error_codes(response)
    }
    unknown = {(status, code) for status, code in documented - raised if code not in usual_codes(str(status))}
    assert not unknown, f"Documented codes no code answers: {sorted(unknown)}"


def test_every_error_response_lists_its_codes(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert error_codes(response), (path, method, status)


def test_the_comment_edit_requires_its_text(schema):
    """PATCH /comments/{id}/ is validated whole: without `body` it is a 400, so the schema requires it."""
    operation = schema["paths"]["/api/v1/comments/{id}/"]["patch"]
    assert operation["requestBody"]["required"] is True
    assert contract.required_inputs(operation) == {"id", "body"}
