"""PatientRateLimiter: transient Bot API failures are retried, client errors are not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.retry import PatientRateLimiter


class FlakyCall:
    """A Bot API call that raises the given errors in turn, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> bool:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return True


async def send(limiter: PatientRateLimiter, call: FlakyCall, endpoint: str = "sendMessage") -> bool:
    return await limiter.process_request(call, (), {}, endpoint, {"chat_id": 1}, None)


async def test_server_errors_timeouts_and_flood_limits_are_retried() -> None:
    limiter = PatientRateLimiter(overall_max_rate=0, network_retries=3, first_backoff=0)
    flood = RetryAfter(timedelta(0))
    call = FlakyCall(NetworkError("Bad Gateway"), TimedOut(), flood, NetworkError("Bad Gateway"))
    assert await send(limiter, call) is True
    assert call.calls == 5


async def test_retries_end_with_the_last_error() -> None:
    limiter = PatientRateLimiter(overall_max_rate=0, network_retries=2, first_backoff=0)
    call = FlakyCall(*(NetworkError("Bad Gateway") for _ in range(5)))
    with pytest.raises(NetworkError):
        await send(limiter, call)
    assert call.calls == 3


async def test_bad_requests_and_polling_are_not_retried() -> None:
    limiter = PatientRateLimiter(overall_max_rate=0, network_retries=3, first_backoff=0)
    bad = FlakyCall(BadRequest("Bad Request: message is not modified"))
    with pytest.raises(BadRequest):
        await send(limiter, bad)
    polling = FlakyCall(NetworkError("Bad Gateway"))
    with pytest.raises(NetworkError):
        await send(limiter, polling, endpoint="getUpdates")
    assert (bad.calls, polling.calls) == (1, 1)
