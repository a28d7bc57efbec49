"""A second Django site, run by the sign-in tests as their OpenID Connect identity provider: django-allauth's
own (`allauth.idp.oidc`), on its own SQLite file (OIDC_PROVIDER_DATABASE) and its own port, signing its
ID tokens with the RSA key the tests made (OIDC_PROVIDER_PRIVATE_KEY). Its people sign in with an e-mail
address and a password, and each address is vouched for (email_verified) as it is recorded there."""

import os

SECRET_KEY = "identity-provider-test-only"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "tests.support.oidc_provider",  # its management command, and its adapter's extra claims
    "allauth",
    "allauth.account",
    "allauth.idp.oidc",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
ROOT_URLCONF = "tests.support.oidc_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["OIDC_PROVIDER_DATABASE"]}
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
# The site under test runs on the same host (127.0.0.1, another port), and browsers keep cookies per host,
# not per port: the provider's cookies have names of their own.
SESSION_COOKIE_NAME = "provider_sessionid"
CSRF_COOKIE_NAME = "provider_csrftoken"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
LOGIN_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_RATE_LIMITS = False
IDP_OIDC_PRIVATE_KEY = os.environ["OIDC_PROVIDER_PRIVATE_KEY"]
IDP_OIDC_ADAPTER = "tests.support.oidc_provider.adapter.ProviderAdapter"
IDP_OIDC_RATE_LIMITS = False
