import json

from django.urls import path, re_path
from django.utils.translation import gettext as _

from proposals.live.consumers import ConsultationConsumer

from .exceptions import error_body

# ASGI's extension that lets a websocket application answer the handshake with an HTTP response.
HTTP_RESPONSE_EXTENSION = "websocket.http.response"


async def no_such_stream(scope, receive, send):
    """The last route: a socket to a path with no stream (`/ws/nothing/`, `/ws/consultations/abc/`) is
    refused as HTTP would refuse it, a 404 with the common error body, where Channels' router would raise
    "No route found" (a 500, and a traceback in the log). The server logs the refusal in one line. A server
    without the extension refuses the handshake bare (403)."""
    if (await receive())["type"] != "websocket.connect":
        return  # the client left before its handshake was answered
    if HTTP_RESPONSE_EXTENSION not in (scope.get("extensions") or {}):
        await send({"type": "websocket.close"})
        return
    body = json.dumps(error_body("not_found", _("No such resource."))).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "websocket.http.response.start", "status": 404, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": body})


websocket_urlpatterns = [
    path("ws/consultations/<int:consultation_id>/", ConsultationConsumer.as_asgi()),
    re_path(r"", no_such_stream),  # anything else; keep it last
]
