"""Rate windows and velocity counters shared by many processes through
Redis, with your own ``redis-py`` client (sync or ``redis.asyncio``).

A replay guard shares the deliveries it has accepted the same way
(``SET key 1 NX EX ttl``, with the key and lifetime the core names), and
:class:`RedisClickTickets` the signed clicks a fleet has consumed
(``SET key value NX GET EX ttl``, Redis 7 or later).

Each check runs the core's own script atomically inside Redis (registered
once, called by SHA), and its reply is decoded by the core: the decisions,
``remaining``, ``reset_after``, ``retry_after`` and headers are exactly those
of the in-process :class:`clickfence.RateLimiter` and
:class:`clickfence.VelocityCounter`, with Redis's clock.

>>> import redis, clickfence.redis
>>> limiter = clickfence.redis.RedisRateLimiter(redis.Redis(), limit=60, window=60)  # doctest: +SKIP
>>> limiter.check("token:42").allowed  # doctest: +SKIP
True
"""

from __future__ import annotations

from typing import Any, Optional, Union

from .types import Headers
from ._clickfence import (
    RATE_SCRIPT,
    ClickVerdict,
    ClickVerifier,
    VELOCITY_SCRIPT,
    RateDecision,
    WebhookVerifier,
    decode_rate_reply,
    decode_velocity_reply,
    rate_script_args,
    shared_rate_key,
    shared_replay_outcome,
)

__all__ = [
    "RedisRateLimiter",
    "AsyncRedisRateLimiter",
    "RedisVelocityCounter",
    "AsyncRedisVelocityCounter",
    "RedisReplayGuard",
    "AsyncRedisReplayGuard",
    "RedisClickTickets",
    "AsyncRedisClickTickets",
]

_Key = Union[str, bytes]
_Body = Union[str, bytes, bytearray]


def _key(prefix: str, key: _Key) -> bytes:
    # The core bounds it as the in-process limiter does (rate_key_too_long).
    return shared_rate_key(prefix, key)


class _Limiter:
    def __init__(self, client: Any, *, limit: int, window: int, prefix: str) -> None:
        # The core validates the quota; a cost of 1's arguments are kept.
        self._one = rate_script_args(limit=limit, window=window, cost=1)
        self._limit, self._window, self._prefix = limit, window, prefix
        self._script = client.register_script(RATE_SCRIPT)

    def _call(self, key: _Key, cost: int, now: Optional[float]) -> tuple[list[bytes], list[Any]]:
        args: list[Any] = list(self._one if cost == 1 else
                               rate_script_args(limit=self._limit, window=self._window, cost=cost))
        if now is not None:
            args.append(int(now))  # a fixed time, for tests: Redis's clock otherwise
        return [_key(self._prefix, key)], args

    def _decode(self, reply: Any) -> RateDecision:
        return decode_rate_reply([int(v) for v in reply], limit=self._limit, window=self._window)


class RedisRateLimiter(_Limiter):
    """At most ``limit`` units per key in any ``window`` seconds, across every
    process using the same Redis. ``client``: a ``redis.Redis``."""

    def __init__(self, client: Any, *, limit: int = 60, window: int = 60,
                 prefix: str = "clickfence:rate:") -> None:
        super().__init__(client, limit=limit, window=window, prefix=prefix)

    def check(self, key: _Key, *, cost: int = 1, now: Optional[float] = None) -> RateDecision:
        """Checks and counts ``cost`` units of ``key`` (0 only reads)."""
        keys, args = self._call(key, cost, now)
        return self._decode(self._script(keys=keys, args=args))


class AsyncRedisRateLimiter(_Limiter):
    """:class:`RedisRateLimiter` for a ``redis.asyncio.Redis`` client."""

    def __init__(self, client: Any, *, limit: int = 60, window: int = 60,
                 prefix: str = "clickfence:rate:") -> None:
        super().__init__(client, limit=limit, window=window, prefix=prefix)

    async def check(self, key: _Key, *, cost: int = 1, now: Optional[float] = None) -> RateDecision:
        """Checks and counts ``cost`` units of ``key`` (0 only reads)."""
        keys, args = self._call(key, cost, now)
        return self._decode(await self._script(keys=keys, args=args))


class _Velocity:
    def __init__(self, client: Any, *, prefix: str) -> None:
        self._prefix = prefix
        self._script = client.register_script(VELOCITY_SCRIPT)

    def _call(self, key: _Key, now: Optional[float]) -> tuple[list[bytes], list[Any]]:
        args: list[Any] = [1]
        if now is not None:
            args.append(int(now))
        return [_key(self._prefix, key)], args


class RedisVelocityCounter(_Velocity):
    """Sliding minute / hour event counts per key, across every process
    using the same Redis. ``client``: a ``redis.Redis``."""

    def __init__(self, client: Any, *, prefix: str = "clickfence:velocity:") -> None:
        super().__init__(client, prefix=prefix)

    def record(self, key: _Key, *, now: Optional[float] = None) -> tuple[int, int]:
        """Records one event; returns (last_minute, last_hour) including it."""
        keys, args = self._call(key, now)
        return decode_velocity_reply([int(v) for v in self._script(keys=keys, args=args)])


class AsyncRedisVelocityCounter(_Velocity):
    """:class:`RedisVelocityCounter` for a ``redis.asyncio.Redis`` client."""

    def __init__(self, client: Any, *, prefix: str = "clickfence:velocity:") -> None:
        super().__init__(client, prefix=prefix)

    async def record(self, key: _Key, *, now: Optional[float] = None) -> tuple[int, int]:
        """Records one event; returns (last_minute, last_hour) including it."""
        keys, args = self._call(key, now)
        reply = await self._script(keys=keys, args=args)
        return decode_velocity_reply([int(v) for v in reply])


class _Replay:
    def __init__(self, client: Any, verifier: WebhookVerifier, *, prefix: str) -> None:
        if not isinstance(verifier, WebhookVerifier):
            raise TypeError("verifier must be a clickfence.WebhookVerifier")
        self._client, self._verifier, self._prefix = client, verifier, prefix

    def _claim(self, headers: Headers, body: _Body, now: Optional[float]) -> tuple[int, str, int]:
        return self._verifier.shared_replay_key(headers, body, prefix=self._prefix, now=now)


class RedisReplayGuard(_Replay):
    """Verifies webhook deliveries and refuses one already accepted by any
    process sharing the Redis (``replayed_delivery``), within the verifier's
    tolerance. ``client``: a ``redis.Redis``."""

    def __init__(self, client: Any, verifier: WebhookVerifier, *,
                 prefix: str = "clickfence:replay:") -> None:
        super().__init__(client, verifier, prefix=prefix)

    def verify(self, headers: Headers, body: _Body, *, now: Optional[float] = None) -> int:
        """Verifies, then claims the delivery; returns the index of the
        secret that matched. Raises ``WebhookVerificationError`` with
        ``.code`` (``replayed_delivery``, ``signature_mismatch``, ...)."""
        index, key, ttl = self._claim(headers, body, now)
        shared_replay_outcome(bool(self._client.set(key, 1, nx=True, ex=ttl)))
        return index


class AsyncRedisReplayGuard(_Replay):
    """:class:`RedisReplayGuard` for a ``redis.asyncio.Redis`` client."""

    def __init__(self, client: Any, verifier: WebhookVerifier, *,
                 prefix: str = "clickfence:replay:") -> None:
        super().__init__(client, verifier, prefix=prefix)

    async def verify(self, headers: Headers, body: _Body, *, now: Optional[float] = None) -> int:
        """Verifies, then claims the delivery; returns the index of the
        secret that matched."""
        index, key, ttl = self._claim(headers, body, now)
        shared_replay_outcome(bool(await self._client.set(key, 1, nx=True, ex=ttl)))
        return index


class _Tickets:
    def __init__(self, client: Any, verifier: ClickVerifier, *, prefix: str) -> None:
        if not isinstance(verifier, ClickVerifier):
            raise TypeError("verifier must be a clickfence.ClickVerifier")
        self._client, self._verifier, self._prefix = client, verifier, prefix


class RedisClickTickets(_Tickets):
    """Verifies signed clicks with one-time tickets shared by every process
    using the Redis: a signature consumed anywhere is ``replayed`` (or a
    ``duplicate`` double click) everywhere. ``client``: a ``redis.Redis``
    (server 7.0 or later for ``SET ... NX GET``).

    When Redis fails, the error propagates: whether to refuse the click or
    fall back to ``verifier.verify`` (tickets then per process) is yours."""

    def __init__(self, client: Any, verifier: ClickVerifier, *,
                 prefix: str = "clickfence:ticket:") -> None:
        super().__init__(client, verifier, prefix=prefix)

    def verify(self, url: str, *, now: Optional[float] = None, source: Optional[str] = None,
               user_agent: Optional[str] = None, purpose: Optional[str] = None,
               asn: Optional[int] = None) -> ClickVerdict:
        """``ClickVerifier.verify``, with the ticket claimed in Redis."""
        inspection = self._verifier.inspect(url, prefix=self._prefix, now=now, source=source,
                                            user_agent=user_agent, purpose=purpose, asn=asn)
        previous = None
        if inspection.key is not None:
            previous = self._client.set(inspection.key, inspection.value, nx=True, get=True,
                                        ex=inspection.ttl)
        return self._verifier.conclude(inspection, previous, now=now)


class AsyncRedisClickTickets(_Tickets):
    """:class:`RedisClickTickets` for a ``redis.asyncio.Redis`` client."""

    def __init__(self, client: Any, verifier: ClickVerifier, *,
                 prefix: str = "clickfence:ticket:") -> None:
        super().__init__(client, verifier, prefix=prefix)

    async def verify(self, url: str, *, now: Optional[float] = None, source: Optional[str] = None,
                     user_agent: Optional[str] = None, purpose: Optional[str] = None,
                     asn: Optional[int] = None) -> ClickVerdict:
        """``ClickVerifier.verify``, with the ticket claimed in Redis."""
        inspection = self._verifier.inspect(url, prefix=self._prefix, now=now, source=source,
                                            user_agent=user_agent, purpose=purpose, asn=asn)
        previous = None
        if inspection.key is not None:
            previous = await self._client.set(inspection.key, inspection.value, nx=True, get=True,
                                              ex=inspection.ttl)
        return self._verifier.conclude(inspection, previous, now=now)
