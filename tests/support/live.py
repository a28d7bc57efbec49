"""The consultation stream in process (`stream`, `connected`), on channels.testing.WebsocketCommunicator,
importable without daphne.

`channels/testing/__init__.py` imports ChannelsLiveServerTestCase, which needs daphne (django/channels#1942);
the communicator itself needs only asgiref. Until daphne is a test dependency, load the two submodules the
communicator is made of without running the package's __init__. With daphne installed, the plain import
is used and this module is a re-export.
"""

import sys
import types
from pathlib import Path

from cocreate.asgi import application

try:
    from channels.testing import WebsocketCommunicator
except ModuleNotFoundError as error:
    if error.name is None or not error.name.startswith("daphne"):
        raise
    import channels

    _package = types.ModuleType("channels.testing")
    _package.__path__ = [str(Path(channels.__file__).parent / "testing")]
    sys.modules["channels.testing"] = _package
    try:
        from channels.testing.websocket import WebsocketCommunicator
    finally:
        # Leave no half package behind: a later `import channels.testing` fails as it would have.
        del sys.modules["channels.testing"]

__all__ = ["ORIGIN", "TIMEOUT", "WebsocketCommunicator", "connected", "stream"]

ORIGIN = (b"origin", b"http://testserver")
TIMEOUT = 5  # seconds to wait for a message that must come


def stream(consultation_id: int, headers=(ORIGIN,)) -> WebsocketCommunicator:
    """A communicator on the consultation's stream, through the whole ASGI stack of cocreate.asgi."""
    return WebsocketCommunicator(application, f"/ws/consultations/{consultation_id}/", headers=list(headers))


async def connected(consultation_id: int) -> tuple[WebsocketCommunicator, dict]:
    """An open stream and its snapshot."""
    communicator = stream(consultation_id)
    accepted, _ = await communicator.connect(timeout=TIMEOUT)
    assert accepted
    snapshot = await communicator.receive_json_from(timeout=TIMEOUT)
    assert snapshot["type"] == "snapshot"
    return communicator, snapshot
