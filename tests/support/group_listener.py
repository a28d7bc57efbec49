"""Listen to a consultation's channel group from a test, whatever the channel layer.

The pub/sub layer keeps its subscriptions per event loop, and `async_to_sync` runs each call on a loop of
its own that closes at the end: a channel made in one call no longer exists in the next. The listener
keeps one loop alive in a thread for the whole `with` block, so its subscription is there when the code
under test broadcasts from any thread.

    with GroupListener(consultation_group(3)) as listener:
        ...                                  # something that broadcasts
        [event] = listener.events(1)         # the decoded events forwarded to pages, in order
"""

from __future__ import annotations

import asyncio
import json
import threading

from channels.layers import get_channel_layer

from proposals.live.broadcasts import FORWARD_HANDLER


class GroupListener:
    def __init__(self, group: str, *, timeout: float = 60) -> None:
        self.group, self.timeout = group, timeout
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="group-listener", daemon=True)
        self.layer = get_channel_layer()
        self.channel: str | None = None

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(self.timeout)

    def __enter__(self) -> GroupListener:
        self.thread.start()
        self._run(self._join())
        return self

    async def _join(self) -> None:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)

    def messages(self, n: int) -> list[dict]:
        """The next `n` raw channel-layer messages; TimeoutError if they do not all come in time."""

        async def receive():
            return [await self.layer.receive(self.channel) for _ in range(n)]

        return self._run(asyncio.wait_for(receive(), self.timeout))

    def events(self, n: int) -> list[dict]:
        """The next `n` events, decoded, checking each was a forward to the pages."""
        messages = self.messages(n)
        assert all(m["type"] == FORWARD_HANDLER for m in messages), messages
        return [json.loads(m["text"]) for m in messages]

    def __exit__(self, *exc_info) -> None:
        try:
            self._run(self.layer.group_discard(self.group, self.channel))
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=self.timeout)
            self.loop.close()
