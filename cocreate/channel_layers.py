"""channels_redis' pub/sub layer, counting how often its connections to Redis were made again.

A worker's pub/sub connection that drops while Redis stays up (a network blip, an idle timeout of a proxy,
`CLIENT KILL`) is made again by redis-py at the layer's next read, about a second later, and its channels
subscribed again; the layer then carries events as before, but those published in between never reached
the worker, and nothing says so. This layer counts those reconnections, per event loop as the layer keeps
its connections: `layer.reconnections` (read on the loop). A subscription (proposals.live.subscriptions)
that sees the count change since it joined takes it as a loss, as it does a failed probe.

The core layer needs no such count: its messages wait in Redis until read, so a dropped connection loses
none (but one whose reply was on the wire at that moment) and fails the read, which already counts as a loss.
"""

from __future__ import annotations

import asyncio

from channels_redis import pubsub
from channels_redis.utils import _wrap_close
from redis.asyncio.client import PubSub


class _CountedPubSub(PubSub):
    """redis-py calls `on_connect` each time it connects this pub/sub's connection again (not the first
    time): it subscribes to the channels again. Counted once that is done, so a subscription that reads the
    count after it knows the channels are subscribed again.

    Only to the channels the layer still has. One it dropped while Redis was away (a group's last member
    left, a channel's receive was cancelled) stayed subscribed here, its UNSUBSCRIBE having failed, and
    redis-py would subscribe to it again for ever: it is forgotten instead, here and by the shard."""

    def __init__(self, *args, shard: _Shard, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shard = shard

    async def on_connect(self, connection) -> None:
        layer = self._shard.channel_layer
        for name in list(self.channels):
            text = name.decode() if isinstance(name, bytes) else name
            if text not in layer.channels and text not in layer.groups:
                del self.channels[name]
                self._shard._subscribed_to.discard(text)
        await super().on_connect(connection)
        layer.reconnections += 1


class _Shard(pubsub.RedisSingleShardConnection):
    def _ensure_redis(self) -> None:
        if self._redis is None:
            super()._ensure_redis()
            redis = self._redis  # as redis.pubsub() makes it, with the count
            self._pubsub = _CountedPubSub(
                redis.connection_pool, event_dispatcher=redis._event_dispatcher, shard=self
            )


class RedisPubSubLoopLayer(pubsub.RedisPubSubLoopLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reconnections = 0
        self._shards = [_Shard(shard.host, self) for shard in self._shards]

    async def _subscribe_to_channel(self, channel: str) -> None:
        try:
            await super()._subscribe_to_channel(channel)
        except BaseException:
            # new_channel() raised (Redis away): nobody has the name, nothing would ever drop its queue.
            self.channels.pop(channel, None)
            raise


class RedisPubSubChannelLayer(pubsub.RedisPubSubChannelLayer):
    """channels_redis.pubsub.RedisPubSubChannelLayer with `reconnections` (see the module's docstring)."""

    def _get_layer(self) -> RedisPubSubLoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = RedisPubSubLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return layer
