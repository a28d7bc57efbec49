"""The API fuzzed from its own OpenAPI schema (schemathesis): for every operation, bounded and reproducible
examples, sent anonymously and as a verified citizen with a token. No response may be a server error, use
a status code or a content type the schema does not document, or have a body that breaks the schema."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from proposals.models import Comment
from tests.support import factories

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


pytestmark = pytest.mark.django_db

# The schema as the app serves it, loaded when the module is collected (no database needed for it).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def something_to_find(db):
    """A consultation, published proposals and a comment, for the generated ids to find. And the test's
    transaction kept across requests: Django's WSGI handler closes the connection at the end of each
    request, which the test client prevents the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    proposal = factories.ProposalFactory(consultation=factories.consultation())
    factories.ProposalFactory(consultation=proposal.consultation)
    Comment.objects.create(proposal=proposal, author=factories.citizen(), body="A first comment.")
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def citizen_token(db) -> str:
    return Token.objects.create(user=factories.citizen()).key


bounded = settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@schema.parametrize()
@bounded
def test_api_keeps_its_contract_for_anyone(case):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@bounded
def test_api_keeps_its_contract_for_a_verified_citizen(case, citizen_token):
    case.call_and_validate(headers={"Authorization": f"Token {citizen_token}"}, checks=CHECKS)
