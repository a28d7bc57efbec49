"""The sign-in backends: Django's and allauth's, each reading a session's user with their roles and whether
they confirmed an address in one query (selectors.user_with_roles), as the API's token authentication does.
Without it a signed-in page sent three: the user, their role groups and their addresses, the last two
from the first permission check that asked."""

from allauth.account import auth_backends
from django.contrib.auth import BACKEND_SESSION_KEY, backends
from django.core.exceptions import ValidationError

from .models import User
from .selectors import user_with_roles


class _WithRoles:
    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = user_with_roles(user_id=pk)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_WithRoles, backends.ModelBackend):
    pass


class AuthenticationBackend(_WithRoles, auth_backends.AuthenticationBackend):
    pass


# Sessions signed in before these backends took the place of Django's and allauth's own still name those,
# and Django signs out a session whose backend is not in AUTHENTICATION_BACKENDS: each is renamed on its
# next request instead, so that nobody is signed out by the upgrade. (Listing the old paths too would run
# the password hasher twice on every failed sign-in.) Once SESSION_COOKIE_AGE has passed since the upgrade
# no session names them any more, and this can go.
RENAMED = {
    "django.contrib.auth.backends.ModelBackend": "cocreate.accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "cocreate.accounts.backends.AuthenticationBackend",
}


class RenamedBackendMiddleware:
    """Before AuthenticationMiddleware: a session that names a backend by its old path names the new one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session  # no cookie, no read: an empty session
        renamed = RENAMED.get(session.get(BACKEND_SESSION_KEY))
        if renamed is not None:
            session[BACKEND_SESSION_KEY] = renamed
        return self.get_response(request)
