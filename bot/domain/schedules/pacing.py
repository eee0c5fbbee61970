"""Pacing scheduled posts to Discord's rate limits before Discord has to refuse them.

Discord allows a bot token about 50 requests a second in all (the global limit, shared by every shard of the bot)
and a channel a few messages every few seconds. Thousands of posts due in the same minute would otherwise be sent
as fast as the runners claim them and come back as 429s to be retried. The pacer spaces them on the client side:
a request waits for its turn on the process's share of the global rate and on its channel's rate.

Each limit hands out slots: a request reserves its slot at once and sleeps until it, so waiting requests never
poll, go in the order they asked, and the event loop is never blocked. Time is read
and slept through the injected Clock.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

from bot.domain.clock import Clock

DISCORD_GLOBAL_RATE = 50.0  # requests a second per bot token, all shards together
CHANNEL_POSTS = 5  # messages per channel ...
CHANNEL_WINDOW_S = 5.0  # ... every this many seconds
HEADROOM = 0.9  # of the rate used for posts: the rest absorbs network jitter and the bot's other requests


class Slots(Protocol):
    def reserve(self, now: float) -> float: ...


class Spacing:
    """At most `rate` requests a second, evenly spaced: each request reserves the slot one interval after the
    previous one (virtual scheduling), so no window of any alignment holds more than its share plus one."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.next_at = 0.0

    def reserve(self, now: float) -> float:
        """Take the next slot; the seconds to wait for it (0: go now)."""
        slot = max(self.next_at, now)
        self.next_at = slot + 1.0 / self.rate
        return slot - now


class Window:
    """At most `limit` requests in any `seconds`: a request's slot is `seconds` after the request `limit` places
    before it (a sliding log of the last `limit` slots). Discord's fixed windows are then never overrun."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.slots: deque[float] = deque(maxlen=limit)

    def reserve(self, now: float) -> float:
        slot = now
        if len(self.slots) == self.limit:
            slot = max(now, self.slots[0] + self.seconds)
        self.slots.append(slot)
        return slot - now

    def idle(self, now: float) -> bool:
        return not self.slots or self.slots[-1] + self.seconds <= now


class PostPacer:
    """The process's budget for Discord requests that post (and look for) scheduled messages."""

    def __init__(
        self,
        clock: Clock,
        *,
        rate: float = DISCORD_GLOBAL_RATE,
        channel_posts: int = CHANNEL_POSTS,
        channel_window_s: float = CHANNEL_WINDOW_S,
        headroom: float = HEADROOM,
    ) -> None:
        if rate <= 0 or channel_posts < 1 or channel_window_s <= 0 or not 0 < headroom <= 1:
            raise ValueError("rates must be positive and headroom within (0, 1]")
        self._clock = clock
        self._global = Spacing(rate * headroom)
        self._channel_posts = channel_posts
        self._channel_window_s = channel_window_s
        self._channels: dict[int, Window] = {}
        self.waited_s = 0.0  # total time requests spent waiting here (for benchmarks)

    @property
    def rate(self) -> float:
        return self._global.rate

    async def turn(self, channel_id: int | None = None) -> None:
        """Wait for this request's turn: first on its channel, then on the global rate."""
        if channel_id is not None:
            await self._wait(self._channel(channel_id))
        await self._wait(self._global)

    def _channel(self, channel_id: int) -> Window:
        if len(self._channels) > 4096:  # forget channels with nothing in their window any more
            now = self._clock.monotonic()
            self._channels = {k: w for k, w in self._channels.items() if not w.idle(now)}
        window = self._channels.get(channel_id)
        if window is None:
            window = self._channels[channel_id] = Window(self._channel_posts, self._channel_window_s)
        return window

    async def _wait(self, bucket: Slots) -> None:
        wait = bucket.reserve(self._clock.monotonic())
        if wait > 0:
            self.waited_s += wait
            await self._clock.sleep(wait)


def process_rate(total: float, shards_here: int | None, shard_count: int | None) -> float:
    """This process's share of the bot's global rate: `shards_here` of `shard_count` shards (all when unsharded)."""
    if shards_here is None or not shard_count:
        return total
    return total * shards_here / shard_count
