"""ASGI entry point: HTTP through Django, websockets through Channels, behind origin and session checks; the
probes (/healthz, /readyz) answered before Django (cocreate/health.py)."""

import asyncio
import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocreate.settings.dev")
django_asgi_app = get_asgi_application()  # before importing anything that touches models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from proposals.live.broadcasts import bind_server_loop  # noqa: E402

from .health import Probes  # noqa: E402
from .request_limits import UnreadLargeBodies  # noqa: E402
from .routing import websocket_urlpatterns  # noqa: E402


class BindLiveLoop:
    """Tells the live broadcasts which event loop serves this process's sockets (one per process): the
    requests' threads hand their events to it instead of each waiting on the channel layer."""

    def __init__(self, app):
        self.app = app
        self.loop = None

    async def __call__(self, scope, receive, send):
        loop = asyncio.get_running_loop()
        if loop is not self.loop:
            self.loop = loop
            bind_server_loop(loop)
        return await self.app(scope, receive, send)


router = ProtocolTypeRouter(
    {
        "http": Probes(UnreadLargeBodies(django_asgi_app)),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
application = BindLiveLoop(router)

# What is loaded by now (Django, Wagtail, the apps' modules, models, URL patterns: some 150,000 objects)
# lives as long as the process. Left in the collector's oldest generation, it is walked again by every
# full collection: a pause of the whole worker (tens of ms for these objects alone, 230-310 ms with 1,000
# pages open), long enough to be the p99 of a broadcast (bench/live_support.py). Frozen, a full collection
# walks only what came later. Each worker process imports this module, so each freezes its own.
gc.collect()
gc.freeze()
