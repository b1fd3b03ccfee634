"""Per-client rate limits: new conversations, messages, handoffs and agent sign-ins.

A flood from one client (25 anonymous handoffs in under a second filled the human queue; 40
wrong passwords in 10 s, then the right one, signed in) is cut off with the `limits` library's
moving windows, one counter per (limit, client). The counters live in memory by default (one
server process) or, with CX_REDIS_URL set, in Redis, so every worker of a scaled-out
deployment counts the same client together. Client keys are HMACs, never raw addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass
from typing import Literal

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from settings import Settings

Limit = Literal["conversations", "messages", "handoffs", "login_client", "login_account"]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window has room again (when refused)


def storage_uri(settings: Settings) -> str:
    """Where the counters live. A redis:// URL is served by the valkey client (a maintained
    fork of redis-py that speaks to any Redis server) through `limits`' async storage."""
    if settings.redis_url:
        url = settings.redis_url.get_secret_value()
        scheme, sep, rest = url.partition("://")
        if scheme in ("redis", "rediss", "valkey", "valkeys") and sep:
            secure = scheme in ("rediss", "valkeys")
            return f"async+valkey{'s' if secure else ''}://{rest}"
        raise ValueError(f"CX_REDIS_URL must be a redis:// or rediss:// URL, not {scheme}://")
    return "async+memory://"


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(
            storage_uri(settings), key_prefix="cx-limits"))
        self._rules: dict[Limit, list[RateLimitItem]] = {
            "conversations": parse_many(settings.rate_limit_conversations),
            "messages": parse_many(settings.rate_limit_messages),
            "handoffs": parse_many(settings.rate_limit_handoffs),
            "login_client": parse_many(settings.rate_limit_login_client),
            "login_account": parse_many(settings.rate_limit_login_account),
        }
        self._key = settings.identity_secret.get_secret_value().encode("utf-8")

    def _id(self, who: str) -> str:
        return hmac.new(self._key, who.encode("utf-8"), hashlib.sha256).hexdigest()[:24]

    async def hit(self, limit: Limit, who: str | None) -> Verdict:
        """Count one event for `who`; refused when a window is already full. An unknown
        caller (no address: the CLI, the replay suite) is not limited."""
        return await self._verdict(self._limiter.hit, limit, who)

    async def check(self, limit: Limit, who: str | None) -> Verdict:
        """Whether one more event would be allowed, counting nothing (e.g. before a sign-in,
        whose failures alone are counted)."""
        return await self._verdict(self._limiter.test, limit, who)

    async def _verdict(self, probe, limit: Limit, who: str | None) -> Verdict:
        if who is None:
            return Verdict(True)
        key = self._id(who)
        for item in self._rules[limit]:
            if not await probe(item, limit, key):
                return Verdict(False, await self._retry_after(item, limit, key))
        return Verdict(True)

    async def _retry_after(self, item: RateLimitItem, *ids: str) -> int:
        stats = await self._limiter.get_window_stats(item, *ids)
        return max(1, math.ceil(stats.reset_time - time.time()))


def wait_phrase(seconds: int, lang: Literal["ar", "en"]) -> str:
    """"about 3 minutes" as a customer reads it: minutes up to two hours, then hours."""
    from agent import arabic

    minutes = max(1, math.ceil(seconds / 60))
    if minutes <= 120:
        return arabic.count(minutes, "minute", lang)
    return arabic.count(math.ceil(minutes / 60), "hour", lang)
