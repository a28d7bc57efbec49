"""The sign-in backends: Django's and allauth's, each reading a session's user with their roles and whether
they confirmed an address in one query (selectors.user_with_roles), as the API's token authentication does.
Without it a signed-in page sent three: the user, their role groups and their addresses, the last two
from the first permission check that asked."""

from allauth.account import auth_backends
from django.contrib.auth import backends
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
