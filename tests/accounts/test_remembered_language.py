"""The language an account remembers (for its e-mails) comes from the site's pages, never from the API,
whether the request is served over WSGI or ASGI."""

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cocreate.accounts.services import token_create
from tests.support import factories

pytestmark = pytest.mark.django_db


def writes_to_users(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith('UPDATE "accounts_user"')]


def test_an_api_request_in_another_language_writes_nothing_to_the_account(citizen):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=citizen).key}")

    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            f"/api/v1/proposals/{factories.ProposalFactory().pk}/support/", HTTP_ACCEPT_LANGUAGE="fr"
        )

    assert response.status_code == 201
    assert writes_to_users(captured) == []
    citizen.refresh_from_db()
    assert citizen.language == ""


def test_an_api_request_over_asgi_writes_nothing_to_the_account(citizen):
    proposal = factories.ProposalFactory()
    headers = {"Authorization": f"Token {token_create(user=citizen).key}", "Accept-Language": "fr"}

    with CaptureQueriesContext(connection) as captured:
        response = async_to_sync(AsyncClient().post)(
            f"/api/v1/proposals/{proposal.pk}/support/", headers=headers
        )

    assert response.status_code == 201
    assert writes_to_users(captured) == []
    citizen.refresh_from_db()
    assert citizen.language == ""


def test_a_page_over_asgi_still_remembers_the_language(citizen):
    client = AsyncClient()
    client.force_login(citizen)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = async_to_sync(client.get)(reverse("account"))

    assert response.status_code == 200
    citizen.refresh_from_db()
    assert citizen.language == "fr"
