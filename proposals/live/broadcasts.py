"""The only module that sends to the channel layer.

Services call `broadcast_on_commit` inside their transaction; the event is encoded at once (a bad payload
fails the request, not the broadcast) and sent after commit, so nothing is announced that may roll back.
Delivery is best effort: every page can refetch the truth over REST.
"""

import json
import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# The consumer forwards the pre-encoded text as it is: encoded once per event, not once per connection.
FORWARD_HANDLER = "live.forward"


def consultation_group(consultation_id: int) -> str:
    return f"consultation.{int(consultation_id)}"


def _send(group: str, text: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": FORWARD_HANDLER, "text": text})
    except Exception:
        # A broken channel layer must not break the request that already committed.
        logger.exception("live broadcast to %s failed", group)


def broadcast_on_commit(consultation_id: int, event: Mapping[str, Any]) -> None:
    text = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    transaction.on_commit(partial(_send, consultation_group(consultation_id), text), robust=True)
