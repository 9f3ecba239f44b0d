"""Patient Bot API requests: Telegram's flood limits plus retries of transient failures.

`PatientRateLimiter` is python-telegram-bot's `AIORateLimiter` (which paces requests and
waits out HTTP 429 `retry_after`) extended to also retry a request that failed with a 5xx
answer, a timeout or a dropped connection, with exponential backoff. Client errors (400,
403, an invalid token) are never retried: repeating them cannot succeed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

# getUpdates is retried by the Updater's own polling loop, with its own backoff.
_NOT_RETRIED = frozenset({"getUpdates"})


class PatientRateLimiter(AIORateLimiter):
    """AIORateLimiter that also retries transient network failures `network_retries` times."""

    def __init__(
        self,
        overall_max_rate: float = 30,
        max_retries: int = 3,
        network_retries: int = 3,
        first_backoff: float = 0.5,
    ) -> None:
        super().__init__(overall_max_rate=overall_max_rate, max_retries=max_retries)
        self.network_retries = network_retries
        self.first_backoff = first_backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Return the result of the request, retrying 429s and transient network failures."""
        backoff = self.first_backoff
        for attempt in range(1, self.network_retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as error:
                if endpoint in _NOT_RETRIED:
                    raise
                log.warning(
                    "Bot API %s failed (%s); retry %d of %d in %.1fs",
                    endpoint,
                    error,
                    attempt,
                    self.network_retries,
                    backoff,
                )
                await asyncio.sleep(backoff)
                backoff *= 2
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
