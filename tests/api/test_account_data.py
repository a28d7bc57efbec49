"""GET /api/v1/me/export/ and POST /api/v1/me/delete/, for every role."""

import pytest
from django.contrib.auth import get_user_model

from tests.support import factories
from tests.support.api import ROLES, assert_error, client_for, make_user
from votes.models import Support
from votes.services import support_add

pytestmark = pytest.mark.django_db

EXPORT, DELETE = "/api/v1/me/export/", "/api/v1/me/delete/"
PASSWORD = "correct horse battery staple"


@pytest.mark.parametrize("role", ROLES)
def test_export_for_every_role(role):
    user = make_user(role)
    response = client_for(user).get(EXPORT)
    if user is None:
        assert_error(response, 401, "not_authenticated")
        return
    assert response.status_code == 200
    assert response.json()["account"]["username"] == user.username
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("role", ROLES)
def test_delete_for_every_role(role):
    user = make_user(role)
    response = client_for(user).post(DELETE, {"password": PASSWORD}, format="json")
    if user is None:
        assert_error(response, 401, "not_authenticated")
    elif role in ("moderator", "official", "superuser"):
        assert_error(response, 403, "account_has_role")
        assert get_user_model().objects.filter(pk=user.pk).exists()
    else:
        assert response.status_code == 204
        assert not get_user_model().objects.filter(pk=user.pk).exists()


def test_wrong_password_is_refused(citizen):
    response = client_for(citizen).post(DELETE, {"password": "nope"}, format="json")
    assert_error(response, 400, "wrong_confirmation", fields=["password"])


def test_counts_in_the_api_stay_right_after_supporters_leave(consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    supporters = [factories.citizen() for _ in range(3)]
    for person in supporters:
        support_add(user=person, proposal=proposal)
    for person in supporters[:2]:
        assert client_for(person).post(DELETE, {"password": PASSWORD}, format="json").status_code == 204

    body = client_for(None).get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert body["supports"] == Support.objects.filter(proposal=proposal).count() == 3
