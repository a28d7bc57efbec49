"""allauth's start of a sign-in with an identity provider, wrapped (cocreate/urls.py routes its path here)."""

import logging

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect import views as openid_connect
from requests import RequestException

logger = logging.getLogger(__name__)


def provider_login(request, provider_id: str):
    """Before it sends the person to the provider, allauth reads the provider's discovery document, and
    lets any failure through as a server error: a provider down, slow (SOCIALACCOUNT_REQUESTS_TIMEOUT) or
    answering something else gets allauth's "could not sign you in" page instead, and one log line."""
    try:
        return openid_connect.login(request, provider_id)
    except (RequestException, OAuth2Error, ValueError, KeyError) as error:
        logger.warning("Identity provider %s unusable: %r", provider_id, error)
        provider = get_adapter(request).get_provider(request, provider_id)
        return render_authentication_error(request, provider, exception=error)
