import pytest
from django.core.handlers.base import BaseHandler

from tests.support import contract
from tests.support.api import client_for, make_user


@pytest.fixture
def as_role(db):
    """as_role("moderator") -> (user, client); the user is None for "anonymous"."""

    def make(role: str):
        user = make_user(role)
        return user, client_for(user)

    return make


@pytest.fixture(autouse=True)
def answers_keep_the_schema(monkeypatch):
    """Every answer an API test gets from the public API is one its OpenAPI schema documents (status,
    error code, required fields; see contract.py): a test that makes a view answer something new fails
    until the view's extend_schema says so. Recorded in Django's request handler, under every client."""
    answers = []
    get_response = BaseHandler.get_response

    def recorded(handler, request):
        response = get_response(handler, request)
        answers.append(contract.Answer.of(request, response))
        return response

    monkeypatch.setattr(BaseHandler, "get_response", recorded)
    yield answers
    problems = sorted({problem for answer in answers if (problem := contract.undocumented(answer))})
    assert not problems, "Answers the OpenAPI schema does not document:\n" + "\n".join(problems)
