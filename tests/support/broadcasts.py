"""What the after-commit callbacks a test captured would send to open pages, and what pages receive."""

import json

from proposals.live import broadcasts


def broadcast_callbacks(callbacks) -> list:
    """The captured callbacks that broadcast to open pages, in order; the others (kept pages forgotten,
    indexing, e-mail) left out."""
    sending = (broadcasts._dispatch, broadcasts._announce)
    return [callback for callback in callbacks if getattr(callback, "func", None) in sending]


def broadcast_events(callbacks) -> list[dict]:
    """The events those callbacks would send, in order (without the generations the other events than counts
    carry: those are added when the callback runs)."""
    return [json.loads(callback.args[1]) for callback in broadcast_callbacks(callbacks)]


def without_generations(event: dict) -> dict:
    """A sent event as its builder made it: without the generations that every event but counts carries
    once sent (their own test: tests/live/test_consumer.py)."""
    return {name: value for name, value in event.items() if name != "generations"}
