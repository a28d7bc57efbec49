"""channels.testing.WebsocketCommunicator, importable without daphne.

`channels/testing/__init__.py` imports ChannelsLiveServerTestCase, which needs daphne (django/channels#1942);
the communicator itself needs only asgiref. Until daphne is a test dependency, load the two submodules the
communicator is made of without running the package's __init__. With daphne installed, the plain import
is used and this module is a re-export.
"""

import sys
import types
from pathlib import Path

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

__all__ = ["WebsocketCommunicator"]
