"""The soak's server settings (bench/soak.py): the test settings, with e-mail as production sends it.

The test settings keep every e-mail in memory (the locmem backend's outbox) and send it inside the request;
over a long run that outbox would grow in each worker and read as a leak. Here notifications go from the
background thread, as in production, to a backend that drops them.
"""

from cocreate.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
NOTIFICATION_EMAILS_AFTER_COMMIT = "background"

# Allocations traced and written to a directory, when the soak asks for it (--trace-memory).
from bench.memory_trace import start_from_environment  # noqa: E402

start_from_environment()
