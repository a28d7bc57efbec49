"""Every operation that takes a body, sent an empty one: the fields it refuses as missing are exactly those
its schema marks as required (the answer itself is checked against the schema, as every answer of the API
tests is: see conftest.py and contract.py)."""

import pytest

from cms.models import ConsultationStage
from proposals.models import Comment
from proposals.services import checkin_save
from tests.support import contract, factories
from tests.support.api import client_for

pytestmark = pytest.mark.django_db

BODY_OPERATIONS = sorted(
    (path, method)
    for path, operations in contract.schema()["paths"].items()
    for method, operation in operations.items()
    if "requestBody" in operation
)


def concrete(path: str, *, proposal, comment) -> str:
    """The schema's path with the id of an existing item of its kind."""
    if "{stage_slug}" in path:
        stage = ConsultationStage.objects.create(page=proposal.consultation, name="Apply", slug="apply")
        path = path.replace("{stage_slug}", stage.slug)
    if "{area_set_id}" in path:
        districts = factories.area_set("North", consultations=[proposal.consultation])
        return path.replace("{area_set_id}", str(districts.pk))
    if path.startswith("/api/v1/checkins/"):
        author = factories.citizen()
        stage = ConsultationStage.objects.create(page=proposal.consultation, name="Wait", slug="wait")
        checkin, _created = checkin_save(
            author=author,
            consultation=proposal.consultation,
            stage_id=stage.pk,
            frustration=3,
            motivation=3,
            gave_up=False,
            story="It took weeks.",
        )
        return path.replace("{id}", str(checkin.pk))
    if path.startswith("/api/v1/comments/"):
        return path.replace("{id}", str(comment.pk))
    if path.startswith("/api/v1/consultations/"):
        return path.replace("{id}", str(proposal.consultation_id))
    return path.replace("{id}", str(proposal.pk))


@pytest.mark.parametrize(("path", "method"), BODY_OPERATIONS, ids=[f"{m} {p}" for p, m in BODY_OPERATIONS])
def test_an_empty_body_is_refused_for_exactly_the_required_fields(path, method):
    # Someone who may do everything (a superuser moderates and responds), on items that exist, so that the
    # body is what is judged. Bodies are validated before the action: nothing is written.
    proposal = factories.ProposalFactory()
    comment = Comment.objects.create(proposal=proposal, author=factories.citizen(), body="A first comment.")
    client = client_for(factories.citizen(is_superuser=True, is_staff=True))

    operation = contract.schema()["paths"][path][method]
    # In the body's own media type: JSON, or a multipart form for an operation that takes a file.
    media = "json" if "application/json" in operation["requestBody"]["content"] else "multipart"
    response = getattr(client, method)(concrete(path, proposal=proposal, comment=comment), {}, format=media)

    # Whatever the message ("This field is required.", or one naming the choices), a field refused in an
    # empty body is one a client must send.
    refused = (
        set(response.json()["error"]["fields"]) - {"non_field_errors"}
        if response.status_code == 400
        else set()
    )
    path_parameters = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
    assert refused == contract.required_inputs(operation) - path_parameters, response.json()


def test_every_answer_of_a_test_is_recorded(api, answers_keep_the_schema):
    api.get("/api/v1/consultations/")
    api.post("/api/v1/proposals/1/support/")
    assert answers_keep_the_schema == [
        contract.Answer("get", "/api/v1/consultations/", 200),
        contract.Answer("post", "/api/v1/proposals/1/support/", 401, "not_authenticated"),
    ]


def test_the_check_tells_what_the_schema_does_not_say():
    support = "/api/v1/proposals/1/support/"
    assert contract.undocumented(contract.Answer("post", support, 409, "consultation_closed")) is None
    assert "not in its documented responses" in contract.undocumented(contract.Answer("post", support, 418))
    assert "not among its documented codes" in contract.undocumented(
        contract.Answer("post", support, 409, "edit_window_closed")
    )
    assert "says is optional" in contract.undocumented(
        contract.Answer("get", "/api/v1/proposals/similar/", 400, "invalid", ("summary",))
    )
    # A literal path is not taken for an id; an address or a method no operation has is the router's.
    assert contract.path_template("/api/v1/proposals/similar/") == "/api/v1/proposals/similar/"
    assert contract.undocumented(contract.Answer("get", "/api/v1/nothing/", 404, "not_found")) is None
    assert contract.undocumented(contract.Answer("put", support, 405, "method_not_allowed")) is None
