"""The sign-in backends that read a person with their roles in one query took the place of Django's and
allauth's: sessions signed in before name the old ones and must stay signed in."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.urls import reverse

pytestmark = pytest.mark.django_db

OLD_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]


@pytest.mark.parametrize("old", OLD_BACKENDS)
def test_a_session_signed_in_before_the_new_backends_stays_signed_in(client, citizen, old):
    client.force_login(citizen, backend=old)

    assert client.get(reverse("account")).status_code == 200
    assert client.session[BACKEND_SESSION_KEY].startswith("cocreate.accounts.backends.")
    assert client.get(reverse("account")).status_code == 200


def test_a_session_naming_a_backend_that_was_never_ours_is_signed_out(client, citizen):
    client.force_login(citizen, backend="django.contrib.auth.backends.RemoteUserBackend")

    response = client.get(reverse("account"))

    assert response.status_code == 302 and "login" in response["Location"]
