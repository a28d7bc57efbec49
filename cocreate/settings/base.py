"""Settings shared by every environment.

The environment is read here and only here (django-environ). `dev` gives the embedded default (SQLite,
in-memory channel layer, database search); `production` refuses to start without its services.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "cocreate.accounts",
    "proposals",
    "votes",
    "cms",
    "cms.backoffice",  # the officials' tools: above proposals and votes, which it reads
    "frontend",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",  # the Wagtail admin's listing filters: their templates and translations
    "allauth",
    "allauth.account",
    "allauth.mfa",  # staff's second factor: TOTP and recovery codes (cocreate/accounts/mfa.py)
    "allauth.socialaccount",  # sign-in with an identity provider (OIDC_PROVIDERS below)
    "allauth.socialaccount.providers.openid_connect",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

# /healthz and /readyz are answered before any of these, and before the host check and the HTTPS redirect,
# by cocreate.health.Probes in front of Django (cocreate/asgi.py).
MIDDLEWARE = [
    # The request id and the line per request (cocreate/request_log.py).
    "cocreate.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cocreate.headers.PathPolicyCSPMiddleware",
    "cocreate.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "cocreate.request_limits.URLLengthMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "cocreate.accounts.backends.RenamedBackendMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A blocked account's writes answer 403 `account_blocked` (cocreate/accounts/blocking.py).
    "cocreate.accounts.blocking.BlockedAccountMiddleware",
    "cocreate.accounts.mfa.StaffSecondFactorMiddleware",
    "cocreate.accounts.language.RememberLanguageMiddleware",
]

# Security headers (docs/security.md). The public site runs no inline script or style, so the policy is
# strict; Wagtail's admin (/cms/) runs inline scripts and is left out of it; the Swagger UI of /api/docs/
# starts itself with an inline script and inline styles, from our own static files (sidecar), so it gets
# exactly that allowance. 'self' in connect-src covers the live websocket of the same host (CSP Level 3);
# production adds the wss:// address of each allowed host for browsers that do not.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/cms/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
    },
}
CSP_REPLACE_FOR_PATHS = {
    "/api/docs/": {"script-src": [SELF, UNSAFE_INLINE], "style-src": [SELF, UNSAFE_INLINE]},
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

CSRF_FAILURE_VIEW = "cocreate.views.csrf_failure"

ROOT_URLCONF = "cocreate.urls"
ASGI_APPLICATION = "cocreate.asgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.notifications",
                "frontend.context_processors.blocked_account",
            ],
        },
    },
]


def reconnect_again(pool) -> None:
    """The pool's `reconnect_failed`: a reconnection attempt has given up (`reconnect_timeout`), so start
    another at once. psycopg_pool otherwise starts one only when a request finds no connection."""
    if not pool.closed:
        pool.check()  # grows the pool when it has no connection, one attempt at a time


def database_settings(url: str, *, pool_max_size: int = 0) -> dict:
    """The default database from its URL, with psycopg's connection pool when DB_POOL_MAX_SIZE > 0.

    Under ASGI each request's sync code runs in a thread of its own, so persistent connections
    (CONN_MAX_AGE) pile up one per thread; a pool bounds the connections per worker process and reuses
    them (docs/performance.md has the figures). Both cannot be on at once, so the pool wins."""
    database = env.db_url_config(url)
    database["ATOMIC_REQUESTS"] = False
    database["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
    connect_timeout = env.int("DB_CONNECT_TIMEOUT", default=5)
    if database.get("ENGINE") == "django.db.backends.postgresql":  # none from an empty URL
        database["ENGINE"] = "cocreate.postgresql"  # Django's, with a pool check that gives up
        database.setdefault("OPTIONS", {}).update(
            # Seconds a connection attempt may take (libpq counts at least 2). Without it, an attempt on a
            # PostgreSQL that takes TCP connections but never answers (frozen, or a failover that left the
            # old address listening) waits without end, and one to an address that drops packets for about
            # 2 minutes of TCP retries: the request, or the pool's reconnection, with it. 5 s is far above
            # a connection's few milliseconds on a loaded server, and under the 10 s a request waits.
            connect_timeout=connect_timeout,
            # A connection whose server can no longer be reached (a network cut, a host gone) is given up
            # after about 25 s of silence, not after the kernel's 2 hours of idle plus 15 minutes of
            # retries: probes after 10 s idle, every 5 s, 3 unanswered; data sent and not acknowledged for
            # 25 s likewise. The kernel of a live server answers probes however long a query runs (a
            # migration, a reindex), so only an unreachable server is cut off.
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
            tcp_user_timeout=25_000,
        )
    pool_max_size = env.int("DB_POOL_MAX_SIZE", default=pool_max_size)
    if pool_max_size > 0 and database.get("ENGINE") == "cocreate.postgresql":
        database["CONN_MAX_AGE"] = 0
        database["OPTIONS"]["pool"] = {
            "min_size": min(env.int("DB_POOL_MIN_SIZE", default=2), pool_max_size),
            "max_size": pool_max_size,
            # Seconds a request waits for a free connection before failing (503 with Retry-After): a
            # restart shorter than that goes unseen, and while PostgreSQL is down longer each request
            # waits that long for its 503.
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
            # The pool replaces a lost connection in the background, retrying after 1, 2, 4, 8 … s until
            # `reconnect_timeout` has passed (psycopg_pool's default, 300 s), then gives that attempt up
            # for good and starts another only when a request finds no connection. So once PostgreSQL was
            # back, a worker could wait for the next attempt about as long again as the outage: 19 s after
            # 40 s away (bench/faults_postgres.py). Attempts of 5 s (at 0, 1, 3 and 5 s), each followed at
            # once by a new one (reconnect_again), try at least every 2 s however long the outage, and
            # without a request: about one connection attempt a second per worker while PostgreSQL is away.
            "reconnect_timeout": env.float("DB_POOL_RECONNECT_TIMEOUT", default=5.0),
            "reconnect_failed": reconnect_again,
        }
        # With a pool, Django's health checks are the pool's: each connection is checked (one empty round
        # trip) before a request gets it, so those a PostgreSQL restart or failover ended are replaced, not
        # handed to requests that would fail (tests/test_database_restart.py); and those that do not answer
        # within `connect_timeout` too (cocreate/postgresql/base.py, tests/test_database_frozen.py).
        database["CONN_HEALTH_CHECKS"] = True
    return database


DATABASES = {
    "default": database_settings(env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's and allauth's, each reading a session's user with their roles in one query.
AUTHENTICATION_BACKENDS = [
    "cocreate.accounts.backends.ModelBackend",
    "cocreate.accounts.backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]
FORMAT_MODULE_PATH = ["cocreate.formats"]  # French thousands: 2 000 with a narrow no-break space
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")


def uploads_storage(read: environ.Env) -> dict:
    """Where uploaded files (proposals' pictures and documents) are kept: the local disk under MEDIA_ROOT,
    or, when AWS_STORAGE_BUCKET_NAME names a bucket, an S3-compatible object store (django-storages):
    AWS_S3_ENDPOINT_URL for a store other than Amazon's (MinIO, Ceph, OVH, Scaleway...), AWS_S3_REGION_NAME,
    AWS_S3_ACCESS_KEY_ID and AWS_S3_SECRET_ACCESS_KEY (else boto3's own lookup: AWS_ACCESS_KEY_ID, an
    instance role), AWS_LOCATION (a prefix in the bucket), AWS_S3_ADDRESSING_STYLE ("path" for stores
    without per-bucket host names). The files are served by the site (frontend.views.attachments), which
    checks who may read them: the bucket stays private, no public or signed address is ever given out."""
    bucket = read.str("AWS_STORAGE_BUCKET_NAME", default="").strip()
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": bucket,
        "endpoint_url": read.str("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": read.str("AWS_S3_REGION_NAME", default="") or None,
        "access_key": read.str("AWS_S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": read.str("AWS_S3_SECRET_ACCESS_KEY", default="") or None,
        "location": read.str("AWS_LOCATION", default=""),
        "addressing_style": read.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
        "default_acl": None,  # the bucket's own (private); never public-read
        "querystring_auth": True,  # a URL, if ever asked for, is signed and short-lived
        "file_overwrite": False,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": uploads_storage(env),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# What a client may send (README, "The API"; cocreate/request_limits.py). Beyond, a 4xx in the common error
# body under /api/ (413 `request_too_large`, 400 `too_many_fields`, 414 `uri_too_long`, 400
# `malformed_request`), the site's error page elsewhere. A body's bytes, files apart (Django's default):
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000  # query parameters, or fields of a form
# A proposal's pictures and documents (proposals.attachments): each file's size as sent, an image's pixels
# before it is decoded (a small file may claim a huge picture: refused from its header), and the sizes it is
# kept at (the long side) and sent to phones at (srcset). A multipart request may carry the files of a whole
# proposal, 3 of each kind, and its text; past that it is refused as too large (413 `request_too_large`)
# while it arrives, before its files are kept anywhere (cocreate.request_limits.UploadSizeHandler).
ATTACHMENT_IMAGE_MAX_BYTES = env.int("ATTACHMENT_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
ATTACHMENT_PDF_MAX_BYTES = env.int("ATTACHMENT_PDF_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_IMAGE_MAX_PIXELS = 40_000_000
ATTACHMENT_IMAGE_LONG_SIDE = 1600
ATTACHMENT_IMAGE_SMALL_SIDE = 640
UPLOAD_MAX_REQUEST_SIZE = (
    3 * (ATTACHMENT_IMAGE_MAX_BYTES + ATTACHMENT_PDF_MAX_BYTES) + DATA_UPLOAD_MAX_MEMORY_SIZE
)
FILE_UPLOAD_HANDLERS = [
    "cocreate.request_limits.UploadSizeHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
MAX_URL_LENGTH = 16_000  # characters of the path and query, under Django's 16,384 for a redirect
JSON_MAX_DEPTH = 32  # levels of nested arrays and objects in a JSON body

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# Accounts: e-mail and password; an unverified citizen may log in and read, but every write asks for a
# verified address (checked in proposals.permissions, not by allauth's log-in gate).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "cocreate.accounts.adapter.AccountAdapter"
# The account e-mails' subjects as the site's own: allauth would start each with the host in brackets
# ("[127.0.0.1:8000] Password Changed"); the sender's name (DEFAULT_FROM_EMAIL) says who writes.
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# The owner is e-mailed each change to how they sign in: password changed, set or reset, an address added,
# removed or made primary, an authenticator app or recovery codes set up or removed, an identity provider
# connected or disconnected. Whoever took over a session or a password cannot change these unseen: the
# mailbox's owner hears of it, from which IP address and browser. In the person's language
# (AccountAdapter.send_notification_mail), in the site's words (frontend/templates/account/email/).
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Sign-up and adding an address refuse disposable-mail domains (cocreate/accounts/forms.py).
ACCOUNT_FORMS = {
    "signup": "cocreate.accounts.forms.CitizenSignupForm",
    "add_email": "cocreate.accounts.forms.CitizenAddEmailForm",
    "reset_password": "cocreate.accounts.forms.CitizenResetPasswordForm",  # with a proof of work
}


def openid_connect_providers(env: environ.Env) -> list[dict]:
    """The OpenID Connect identity providers people may sign in with, as django-allauth's `openid_connect`
    apps. OIDC_PROVIDERS lists their ids, separated by commas (e.g. `franceconnect,city`: lower-case
    letters, digits and `-`; each is in the provider's callback URL, /accounts/oidc/<id>/login/callback/).
    For each id, upper-cased with `-` as `_`: OIDC_<ID>_NAME (on the "Sign in with" button),
    OIDC_<ID>_SERVER_URL (the issuer, https; its /.well-known/openid-configuration is read),
    OIDC_<ID>_CLIENT_ID and OIDC_<ID>_SECRET; optionally OIDC_<ID>_SCOPE (default "openid email"; add
    "address" for a postcode or locality). A variable missing or malformed stops the site at start-up."""
    apps: list[dict] = []
    for provider_id in (value.strip() for value in env.list("OIDC_PROVIDERS", default=[])):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,29}", provider_id):
            raise ImproperlyConfigured(
                f"OIDC_PROVIDERS: {provider_id!r} is not an identity provider id (up to 30 lower-case "
                "letters, digits and -, separated by commas)."
            )
        if any(app["provider_id"] == provider_id for app in apps):
            raise ImproperlyConfigured(f"OIDC_PROVIDERS names {provider_id!r} twice.")
        prefix = f"OIDC_{provider_id.upper().replace('-', '_')}_"
        values = {
            key: env.str(prefix + key, default="").strip()
            for key in ("NAME", "SERVER_URL", "CLIENT_ID", "SECRET")
        }
        for key, value in values.items():
            if not value:
                raise ImproperlyConfigured(
                    f"{prefix}{key} must be set for the identity provider {provider_id!r}."
                )
        url = urlsplit(values["SERVER_URL"])
        loopback = url.scheme == "http" and url.hostname in ("127.0.0.1", "localhost", "::1")
        if not (url.scheme == "https" or loopback) or not url.hostname:
            raise ImproperlyConfigured(
                f"{prefix}SERVER_URL must be an https:// URL, not {values['SERVER_URL']!r}."
            )
        if len(values["NAME"]) > 40:
            raise ImproperlyConfigured(f"{prefix}NAME must be at most 40 characters.")
        scope = env.str(prefix + "SCOPE", default="openid email").split()
        if "openid" not in scope:
            raise ImproperlyConfigured(f"{prefix}SCOPE must include openid, not {' '.join(scope)!r}.")
        apps.append(
            {
                "provider_id": provider_id,
                "name": values["NAME"],
                "client_id": values["CLIENT_ID"],
                "secret": values["SECRET"],
                "settings": {"server_url": values["SERVER_URL"], "scope": scope},
            }
        )
    return apps


# Sign-in with an identity provider (docs/security.md): configured by the environment only (the adapter
# ignores providers stored in the database). The authorization-code flow always with PKCE. A provider
# that vouches for an e-mail address (email_verified: true) signs its person in to the account that has
# that address, and the two stay linked; a new person gets an account with the address already confirmed.
# An address the provider does not vouch for links nothing (see cocreate/accounts/adapter.py, which also
# keeps only the claims we need). Only configure providers trusted to verify the addresses they vouch for.
OIDC_APPS = openid_connect_providers(env)
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": OIDC_APPS}}
SOCIALACCOUNT_ADAPTER = "cocreate.accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "cocreate.accounts.forms.CitizenSocialSignupForm"}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False  # the provider's tokens are used once, to read the claims, and dropped
# Signing in with a provider is a form posted here that the site answers with a redirect to the provider:
# the browser checks that redirect against form-action too.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += sorted(
    {"{0.scheme}://{0.netloc}".format(urlsplit(app["settings"]["server_url"])) for app in OIDC_APPS}
)
# The sign-up's proof of work (cocreate/accounts/proof.py): the browser tries half this many SHA-256 hashes on
# average (at 100,000, about a second in headless Chromium on a 2-core server; slower on an old phone), and
# sends the answer within this many seconds of opening the page.
PROOF_OF_WORK_MAX_NUMBER = env.int("PROOF_OF_WORK_MAX_NUMBER", default=100_000)
PROOF_OF_WORK_SECONDS = env.int("PROOF_OF_WORK_SECONDS", default=3600)
# allauth's own limits (docs/security.md): "ip" is the client address (see TRUSTED_PROXY_COUNT), "key" the
# e-mail address typed in, "user" the account. Past "login_failed"'s key budget the account is locked, even
# to the right password, until its window passes (a form error); the others answer 429 with the 429 page.
ACCOUNT_RATE_LIMITS = {
    "login": env.str("RATE_LIMIT_LOGIN", default="30/m/ip"),
    "login_failed": env.str("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    "signup": env.str("RATE_LIMIT_SIGNUP", default="20/h/ip"),
    # Sign-ups that bring no proof of work (no JavaScript): few per address, see cocreate/accounts/proof.py.
    "signup_without_proof": env.str("RATE_LIMIT_SIGNUP_WITHOUT_PROOF", default="5/h/ip"),
    "confirm_email": env.str("RATE_LIMIT_CONFIRM_EMAIL", default="1/3m/key"),
    "reset_password": env.str("RATE_LIMIT_RESET_PASSWORD", default="20/m/ip,5/m/key"),
    # Reset-link requests that bring no proof of work (no JavaScript), likewise.
    "reset_password_without_proof": env.str("RATE_LIMIT_RESET_PASSWORD_WITHOUT_PROOF", default="5/h/ip"),
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# How many proxies (load balancers) stand in front of the site and append to X-Forwarded-For. 0 (the
# default): the client address is REMOTE_ADDR and X-Forwarded-For is ignored, since anyone can send one.
# Behind N trusted proxies, the address N entries from the end of X-Forwarded-For is the client's. One
# value for both the API's throttles (NUM_PROXIES) and allauth's limits.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Staff (moderators, officials, staff and superusers: anyone with a role or the admin) must have an activated
# TOTP authenticator before reaching /cms/ or a staff API (cocreate/accounts/mfa.py); signing in then asks
# for its code. Recovery codes are the way in when the phone is lost; no WebAuthn. Wrong codes count against
# allauth's "login_failed" limit above, as wrong passwords do.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "cocreate"
# Their secrets are stored encrypted (cocreate/accounts/mfa_secrets.py) under MFA_ENCRYPTION_KEYS: Fernet
# keys separated by commas, newest first (it encrypts; the others still decrypt, for a rotation). Production
# requires it; dev and test use a fixed key of their own.
MFA_ADAPTER = "cocreate.accounts.mfa_secrets.MFAAdapter"


def mfa_encryption_keys(env: environ.Env) -> list[str]:
    """MFA_ENCRYPTION_KEYS from the environment, each checked to be a Fernet key (make one with
    `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`)."""
    from cryptography.fernet import Fernet

    keys = [key.strip() for key in env.list("MFA_ENCRYPTION_KEYS", default=[]) if key.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ImproperlyConfigured(
                f"MFA_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe base64-encoded bytes)."
            ) from None
    return keys


MFA_ENCRYPTION_KEYS = mfa_encryption_keys(env)
# dev and test only (never production, which requires its own): a fixed key, public by design, so their
# databases stay readable between runs. It is b"cocreate-dev-only-not-a-secret!!", base64-encoded.
INSECURE_DEV_MFA_ENCRYPTION_KEY = "Y29jcmVhdGUtZGV2LW9ubHktbm90LWEtc2VjcmV0ISE="
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cocreate <no-reply@localhost>")
# Where people tell the team about what they cannot use (the accessibility statement, /accessibility/).
ACCESSIBILITY_CONTACT_EMAIL = env.str("ACCESSIBILITY_CONTACT_EMAIL", default="")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# The first e-mails of a notification go right after the action commits: "background" (one thread per
# process, the action does not wait) or "inline" (in the request). `send_notifications` sends the rest.
NOTIFICATION_EMAILS_AFTER_COMMIT = env.str("NOTIFICATION_EMAILS_AFTER_COMMIT", default="background")
# Notifications are sent right after a request's commit: a mail server that hangs must not hold it long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The site's address as people reach it, for the links in e-mails (notifications, digest, unsubscribe).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request is then answered 401 with a WWW-Authenticate header.
        "cocreate.authentication.TokenAuthentication",  # DRF's, reading roles in the same query
        "cocreate.authentication.SessionAuthentication",  # DRF's, its CSRF failure coded `csrf_failed`
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "cocreate.request_limits.JSONParser",  # DRF's, with a limit on nesting (JSON_MAX_DEPTH)
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "proposals.api.pagination.ProposalPagination",
    "EXCEPTION_HANDLER": "cocreate.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "proposal_submit": env.str("THROTTLE_PROPOSAL_SUBMIT", default="20/hour"),
        "support": env.str("THROTTLE_SUPPORT", default="120/minute"),
        "official": env.str("THROTTLE_OFFICIAL", default="600/minute"),
        "flags": env.str("THROTTLE_FLAGS", default="30/hour"),
        "follow": env.str("THROTTLE_FOLLOW", default="120/minute"),
        "comments": env.str("THROTTLE_COMMENTS", default="60/hour"),
        # Helpful marks on comments: a click each, taken back as easily.
        "helpful": env.str("THROTTLE_HELPFUL", default="300/hour"),
        # An author's changes to their own proposal: its edits, its withdrawal.
        "proposal_edit": env.str("THROTTLE_PROPOSAL_EDIT", default="60/hour"),
        # Check-ins: a few per journey, each changed as often as a person wishes.
        "checkins": env.str("THROTTLE_CHECKINS", default="120/hour"),
        # Invitations to co-author: each one e-mails an address the inviter typed, so few.
        "coauthor_invite": env.str("THROTTLE_COAUTHOR_INVITE", default="10/hour"),
        # A person's own data (cocreate/accounts/services.py): the export reads much, the deletion checks a
        # password; both per account.
        "account_export": env.str("THROTTLE_ACCOUNT_EXPORT", default="10/hour"),
        "account_delete": env.str("THROTTLE_ACCOUNT_DELETE", default="10/hour"),
        # Per client address (cocreate/throttling.py), on top of the per-account rates above: one address
        # may be a whole school or a mobile carrier's shared exit, so these are several accounts' worth.
        "proposal_submit_address": env.str("THROTTLE_PROPOSAL_SUBMIT_ADDRESS", default="60/hour"),
        "support_address": env.str("THROTTLE_SUPPORT_ADDRESS", default="600/minute"),
        "official_address": env.str("THROTTLE_OFFICIAL_ADDRESS", default="1200/minute"),
        "flags_address": env.str("THROTTLE_FLAGS_ADDRESS", default="120/hour"),
        "follow_address": env.str("THROTTLE_FOLLOW_ADDRESS", default="600/minute"),
        "comments_address": env.str("THROTTLE_COMMENTS_ADDRESS", default="300/hour"),
        "helpful_address": env.str("THROTTLE_HELPFUL_ADDRESS", default="1200/hour"),
        "proposal_edit_address": env.str("THROTTLE_PROPOSAL_EDIT_ADDRESS", default="300/hour"),
        "checkins_address": env.str("THROTTLE_CHECKINS_ADDRESS", default="600/hour"),
        "coauthor_invite_address": env.str("THROTTLE_COAUTHOR_INVITE_ADDRESS", default="30/hour"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# How long the author of a comment may still correct it; deleting stays possible at any time.
COMMENT_EDIT_MINUTES = env.int("COMMENT_EDIT_MINUTES", default=15)
# How long the author of a proposal may still edit it once someone else supports it (before that, they
# may at any time while it takes supports): long enough to correct what the first readers point out,
# short enough that those who supported it early are not, later, counted for a text they never read.
PROPOSAL_EDIT_WINDOW_MINUTES = env.int("PROPOSAL_EDIT_WINDOW_MINUTES", default=60)
# How many co-authors a proposal may have besides its first author, invitations still open included.
PROPOSAL_COAUTHORS_MAX = env.int("PROPOSAL_COAUTHORS_MAX", default=4)
SPECTACULAR_SETTINGS = {
    "TITLE": "cocreate API",
    "DESCRIPTION": (
        "Consultations, proposals, supports and official responses. Every error is the common error body. "
        f"Limits: a body of {DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes (413 `request_too_large`), "
        f"{DATA_UPLOAD_MAX_NUMBER_FIELDS:,} fields (400 `too_many_fields`), a URL of {MAX_URL_LENGTH:,} "
        f"characters (414 `uri_too_long`), JSON nested {JSON_MAX_DEPTH} levels (400 `malformed_request`)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The API's PATCH bodies are validated whole (not DRF's partial update): their required fields stay so.
    "COMPONENT_SPLIT_PATCH": False,
    # The public contract only: Wagtail's admin API under /cms/ is the admin's own business.
    "PREPROCESSING_HOOKS": ["cocreate.schema.public_api_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cocreate.schema.document_common_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProposalStatusEnum": "proposals.models.Status",
        "AuditActionEnum": "proposals.models.AuditAction",
        "EmailFrequencyEnum": "cocreate.accounts.models.EmailFrequency",
        "ModerationActionEnum": "proposals.services.moderation.MODERATION_CHOICES",
        "ReviewDecisionEnum": "votes.models.ReviewDecision",
        "AttachmentKindEnum": "proposals.models.AttachmentKind",
        "CoauthorStateEnum": "proposals.choices.CoauthorState",
        "MilestoneStateEnum": "proposals.choices.MilestoneState",
    },
    # Swagger UI served from our own static files: no third-party CDN, so a strict CSP holds.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Proposal search: "database" (PostgreSQL full-text search; plain matching on SQLite) or "engine"
# (Elasticsearch 7 / OpenSearch at ELASTICSEARCH_URL, e.g. http://search.internal:9200; the default when
# that is set). The engine's alias is "<SEARCH_INDEX_PREFIX>-proposals"; `manage.py reindex` fills it.
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="engine" if ELASTICSEARCH_URL else "database")
SEARCH_INDEX_PREFIX = env.str("SEARCH_INDEX_PREFIX", default="cocreate")

WAGTAIL_SITE_NAME = "cocreate"
# No Gravatar: the admin would send a hash of each official's e-mail address to a third party, and show a
# broken picture wherever that site is out of reach. Wagtail shows its own default avatar instead, from
# our static files (or the picture someone uploads in their account settings).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")


def channel_layer_prefix(redis_url: str) -> str:
    """The start of the channel layer's names for the Redis database `redis_url` names: "asgi" (the
    layers' own) on database 0, "asgi2" on database 2. Pub/sub channels belong to the Redis server, not to
    one of its numbered databases, so two sites on databases 1 and 2 of one server (staging and production,
    two test processes) would otherwise hear each other's events, whose consultation ids repeat."""
    database = int(urlsplit(redis_url).path.strip("/") or 0)
    return f"asgi{database or ''}"


def wagtail_search_backends(elasticsearch_url: str, index_prefix: str) -> dict:
    """Wagtail's own search (pages in the admin and consultations on /search/): the same engine as proposal
    search when there is one, through Wagtail's Elasticsearch 7 backend and the same client; otherwise
    PostgreSQL. The engine's indices are aliases named "<index_prefix>-wagtail-<app>_<model>" (pages:
    "...-wagtail-wagtailcore_page"); `manage.py update_index` builds them, publishing a page updates its
    entry.

    Accents are folded on both, as in proposal search ("creche" finds "crèche" and back): on the engine,
    every text field Wagtail maps without an analyzer of its own gets the index's `default` analyzer, made
    here the standard one plus `asciifolding`; on PostgreSQL, `cocreate_en` (proposals' migration 0002:
    `english` with `unaccent` in front of its stemmer, the stemming pages had with the server's default
    configuration). Either takes effect for the pages already indexed at the next `update_index`."""
    if not elasticsearch_url:
        return {"default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "cocreate_en"}}
    folding = {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]}
    return {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch7",
            "URLS": [elasticsearch_url],
            "INDEX_PREFIX": f"{index_prefix}-wagtail-",
            "TIMEOUT": 5,
            "INDEX_SETTINGS": {"settings": {"analysis": {"analyzer": {"default": folding}}}},
        }
    }


WAGTAILSEARCH_BACKENDS = wagtail_search_backends(ELASTICSEARCH_URL, SEARCH_INDEX_PREFIX)
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx"]
# A consultation can be published in both languages: officials translate a page with simple_translation's
# "Translate" action, which copies it into the other locale's page tree. URLs stay the same in both languages
# (no language prefix): Wagtail routes a request through the tree of the active language (cms.models).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES

# Live pages get a proposal's support count at most once per this many milliseconds from each worker
# process (the newest count; proposals.live.broadcasts).
LIVE_COUNT_INTERVAL_MS = env.int("LIVE_COUNT_INTERVAL_MS", default=250)
# Each worker checks this often, per consultation with open pages, that the channel layer still carries its
# events; if not (Redis away or restarted), those pages reconnect to a fresh snapshot (proposals.live).
LIVE_PROBE_INTERVAL_MS = env.int("LIVE_PROBE_INTERVAL_MS", default=2000)
# Group commit (votes.batching): the supports of one proposal that a worker receives within this many
# milliseconds share one transaction, on PostgreSQL, while the proposal is busy; 0: each its own.
SUPPORT_BATCH_WINDOW_MS = env.float("SUPPORT_BATCH_WINDOW_MS", default=2)
# Days a support's address hash (cocreate.addresses) is kept after its consultation closes; then
# `support_addresses_erase` (run daily) erases it and its proposal's address tallies. Long enough for the
# officials to review a petition's supports after it closes, and to answer a citizen who asks for a review
# of their support set aside; short enough not to keep, for long, a trace of the networks people used.
SUPPORT_ADDRESS_RETENTION_DAYS = env.int("SUPPORT_ADDRESS_RETENTION_DAYS", default=90)
# How long a consultation's journey map and its What changed figures are kept in the cache (per language)
# before they are read again; 0: never kept. A check-in forgets the map at once (its figures are live), a
# step planned, started or done forgets the What changed figures; what else they show (the top proposals'
# supports, a renamed stage, the check-ins compared) may be this many seconds old.
JOURNEY_CACHE_SECONDS = env.int("JOURNEY_CACHE_SECONDS", default=5)
# How long the consultation page and a proposal's page are kept for visitors who are not signed in
# (cocreate/page_cache.py); 0: never kept. Whatever changes what they show forgets them at once, except
# support counts (and a phase that opens or closes with the clock), which may be this many seconds old
# (twice that at worst, while one request renders the page again) until the page's live script corrects them.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=10)
WHAT_CHANGED_CACHE_SECONDS = env.int("WHAT_CHANGED_CACHE_SECONDS", default=60)

# The channel layer and the cache: Redis when REDIS_URL is set (required in production), otherwise the
# in-process defaults of a single-process site.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # channels_redis hands the host's options to redis-py's connection pool, whose defaults (redis-py 8)
    # do not suit it: a 5 s socket timeout is exactly how long channels_redis blocks in BZPOPMIN waiting
    # for a message, so on a quiet worker the read times out and the consumer reading at that moment dies
    # (its page is disconnected, its group membership left behind); and a pool of 100 connections raises
    # MaxConnectionsError when more pages than that connect or leave at once (group_add, group_discard).
    #
    # Two layers, chosen by REDIS_CHANNEL_LAYER (docs/performance.md compares them): "core" (lists: one
    # copy of a broadcast per open socket goes through Redis) or "pubsub" (one PUBLISH per broadcast, one
    # copy per worker process, fanned out in the process).
    _redis_host = {"address": REDIS_URL, "socket_timeout": 15, "max_connections": 2000}
    CHANNEL_LAYER_PREFIX = env.str("CHANNEL_LAYER_PREFIX", default=channel_layer_prefix(REDIS_URL))
    # pubsub by default: at 5,000 open pages its broadcast p50 was 0.2-0.46x core's (docs/performance.md).
    REDIS_CHANNEL_LAYER = env.str("REDIS_CHANNEL_LAYER", default="pubsub")
    if REDIS_CHANNEL_LAYER == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                # channels_redis' pub/sub layer, counting its reconnections to Redis (a dropped connection
                # loses the events of its gap: the live pages reconnect, proposals/live/subscriptions.py).
                "BACKEND": "cocreate.channel_layers.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [_redis_host], "prefix": CHANNEL_LAYER_PREFIX},
            }
        }
    elif REDIS_CHANNEL_LAYER == "core":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [_redis_host],
                    "prefix": CHANNEL_LAYER_PREFIX,
                    "capacity": 1500,
                    "expiry": 10,
                },
            }
        }
    else:
        raise ImproperlyConfigured(
            f"REDIS_CHANNEL_LAYER must be core or pubsub, not {REDIS_CHANNEL_LAYER!r}."
        )
    # One connection pool per process (cocreate/redis_pool.py): Django makes a cache instance per request.
    # A Redis that does not answer (a partition, a frozen host) fails a call within a second instead of
    # holding the request for ever, and the whole worker then stops asking it for a few seconds
    # (cocreate/redis_pool.py): meanwhile `default` keeps its entries in the worker (sign-in limits, spent
    # proofs of work; the API's rate limits do likewise, throttling.py) and `pages` misses (pages are made
    # from the database).
    _redis_cache_options = {
        "pool_class": "cocreate.redis_pool.SharedConnectionPool",
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    }
    CACHES = {
        "default": {
            "BACKEND": "cocreate.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {**_redis_cache_options, "WHILE_AWAY": "worker"},
        },
        # What is forgotten by a delete or a new generation, so the same for every worker: the pages kept for
        # visitors (cocreate/page_cache.py) and the readings of proposals/journey_map.py.
        "pages": {
            "BACKEND": "cocreate.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {**_redis_cache_options, "WHILE_AWAY": "miss"},
        },
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
    }

# What /readyz checks (cocreate/health.py): the services this configuration uses, no more.
READINESS_CHECKS = {"database": "cocreate.health.database"}
if REDIS_URL:
    READINESS_CHECKS["redis"] = "cocreate.health.redis"
if SEARCH_BACKEND == "engine":
    READINESS_CHECKS["search"] = "proposals.search.engine.ready"


def logging_config(log_format: str) -> dict:
    """LOG_FORMAT: "text" (plain lines, the default here) or "json" (production's default: one JSON object a
    line with the request id, docs/reliability.md). In JSON, uvicorn's lines go through the same handler and
    its access log is off: the site's own line per request replaces it, without the query string."""
    if log_format not in ("text", "json"):
        raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {log_format!r}.")
    json_lines = log_format == "json"
    console = {"class": "logging.StreamHandler", "filters": ["request_id"]}
    if json_lines:
        console["formatter"] = "json"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",
            }
        },
        "handlers": {"console": console},
        "filters": {
            "request_id": {"()": "cocreate.request_log.RequestIdFilter"},
            "without_traceback": {"()": "cocreate.request_limits.WithoutTraceback"},
        },
        "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "loggers": {
            "django.request": {"level": "ERROR"},
            # A request over the limits above is the client's doing: one line, not a traceback.
            **{
                f"django.security.{refusal}": {"filters": ["without_traceback"]}
                for refusal in ("RequestDataTooBig", "TooManyFieldsSent", "URLTooLong")
            },
            # Wagtail runs its reference-index and search-index updates as tasks that log every start and end.
            "django_tasks": {"level": "WARNING"},
            # The connection pool logs every connection handed out and returned at INFO; its failures
            # (a connection lost, a reconnection attempt failing) still come through as warnings.
            "psycopg.pool": {"level": "WARNING"},
            # The search client logs every request at INFO; failures still come through as warnings.
            "elasticsearch": {"level": "WARNING"},
            # The line per request, in JSON only: in text the server's own access log says as much.
            "cocreate.request": {"level": "INFO" if json_lines else "WARNING"},
            **(
                {
                    "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
                    "uvicorn.access": {"handlers": [], "propagate": False},
                }
                if json_lines
                else {}
            ),
        },
    }


LOGGING = logging_config(env.str("LOG_FORMAT", default="text"))
