"""Production: every service named by the environment; no silent fallback.

Required: SECRET_KEY, DATABASE_URL (PostgreSQL), REDIS_URL (channel layer and cache), ALLOWED_HOSTS,
MFA_ENCRYPTION_KEYS (the second factor's secrets, see base.py).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import database_settings, env, logging_config

# Blank counts as missing: a `SECRET_KEY=` line left in an env file must not start a site with an empty key.
for _name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "MFA_ENCRYPTION_KEYS"):
    if not env.str(_name, default="").strip():
        raise ImproperlyConfigured(f"{_name} must be set in the environment for production.")

SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in env.list("ALLOWED_HOSTS") if host.strip()]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name at least one host for production.")
if not MFA_ENCRYPTION_KEYS:  # noqa: F405
    raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS must name at least one key for production.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])
# psycopg's pool, DB_POOL_MAX_SIZE connections per worker process (0 turns it off): keep workers times
# that under PostgreSQL's max_connections. Not DB_CONN_MAX_AGE: under ASGI every sync request runs in a
# thread of its own, so persistent connections pile up (one per thread) until PostgreSQL refuses clients
# (measured in bench/ at 50 concurrent supporters).
DATABASES = {"default": database_settings(env.str("DATABASE_URL"), pool_max_size=10)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# One JSON object a log line, with the request id (docs/reliability.md); LOG_FORMAT=text for plain lines.
LOGGING = logging_config(env.str("LOG_FORMAT", default="json"))

STORAGES = {
    "default": STORAGES["default"],  # noqa: F405  (the disk, or the object store: base.uploads_storage)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The live pages' websocket, named outright for browsers whose connect-src 'self' does not cover wss:.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"] += [  # noqa: F405
    f"wss://*{host}" if host.startswith(".") else f"wss://{host}" for host in ALLOWED_HOSTS if host != "*"
]

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
# Or all of it in one variable, e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.org:587 (it wins).
if env.str("EMAIL_URL", default="").strip():
    globals().update(env.email_url("EMAIL_URL"))
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default=f"https://{ALLOWED_HOSTS[0]}")
# Links in e-mails: the first allowed host over HTTPS unless the site is reached at another address.
SITE_URL = env.str("SITE_URL", default=f"https://{ALLOWED_HOSTS[0]}")
