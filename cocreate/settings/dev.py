"""The embedded default of `make run`: SQLite, in-memory channel layer, database search, console e-mail."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-not-for-production")  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
MFA_ENCRYPTION_KEYS = MFA_ENCRYPTION_KEYS or [INSECURE_DEV_MFA_ENCRYPTION_KEY]  # noqa: F405

# Static files straight from the apps (no collectstatic step); production serves the collected, hashed files.
WHITENOISE_USE_FINDERS = True
