"""Per-user rate limiting: a token bucket per user, with one notice per flood.

Each user may send `per_minute` questions in a burst, refilled at `per_minute` per minute. A
user over the limit gets one notice, then silence until a question fits again; other users
have their own buckets and never notice. Used only from the event loop, so no locking.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    """What to do with one incoming update of a user."""

    ALLOW = "allow"
    NOTIFY = "notify"  # over the limit: tell the user once, do not answer
    DROP = "drop"  # still over the limit after the notice: ignore quietly


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    notified: bool = False


class UserRateLimiter:
    """Token buckets keyed by user id; the least recently seen users are forgotten first."""

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = 50_000,
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.max_users = max_users
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()

    def check(self, user_id: int) -> Verdict:
        """Return whether `user_id` may be answered now, and take one token if so.

        A limit of 0 allows everything.
        """
        if self.per_minute <= 0:
            return Verdict.ALLOW
        now = self.clock()
        bucket = self._buckets.pop(user_id, None)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.per_minute), updated=now)
        refill = (now - bucket.updated) * self.per_minute / 60.0
        bucket.tokens = min(float(self.per_minute), bucket.tokens + refill)
        bucket.updated = now
        self._buckets[user_id] = bucket
        if len(self._buckets) > self.max_users:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.notified = False
            return Verdict.ALLOW
        if bucket.notified:
            return Verdict.DROP
        bucket.notified = True
        return Verdict.NOTIFY
