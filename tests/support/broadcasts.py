"""What the after-commit callbacks a test captured would send to open pages."""

import json

from proposals.live import broadcasts


def broadcast_callbacks(callbacks) -> list:
    """The captured callbacks that broadcast to open pages, in order; the others (kept pages forgotten,
    indexing, e-mail) left out."""
    return [callback for callback in callbacks if getattr(callback, "func", None) is broadcasts._dispatch]


def broadcast_events(callbacks) -> list[dict]:
    """The events those callbacks would send, in order."""
    return [json.loads(callback.args[1]) for callback in broadcast_callbacks(callbacks)]
