"""UserRateLimiter: a burst per user, refilled over a minute, one notice per flood."""

from __future__ import annotations

from bot.ratelimit import UserRateLimiter, Verdict
from tests.bot_harness import ManualClock as Clock


def test_a_flooding_user_gets_one_notice_then_silence_and_is_slowed() -> None:
    clock = Clock()
    limiter = UserRateLimiter(per_minute=3, clock=clock)
    verdicts = [limiter.check(1) for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTIFY, Verdict.DROP, Verdict.DROP]
    clock.now += 20  # one question's worth of refill (3 per 60 s)
    assert limiter.check(1) is Verdict.ALLOW
    assert limiter.check(1) is Verdict.NOTIFY  # a new flood gets a new notice


def test_other_users_are_unaffected_by_a_flooder() -> None:
    limiter = UserRateLimiter(per_minute=2, clock=Clock())
    for _ in range(10):
        limiter.check(1)
    assert [limiter.check(2), limiter.check(2)] == [Verdict.ALLOW, Verdict.ALLOW]


def test_zero_disables_the_limit() -> None:
    limiter = UserRateLimiter(per_minute=0, clock=Clock())
    assert all(limiter.check(1) is Verdict.ALLOW for _ in range(1000))


def test_memory_is_bounded_by_forgetting_the_least_recent_users() -> None:
    limiter = UserRateLimiter(per_minute=1, clock=Clock(), max_users=100)
    limiter.check(0)
    for user in range(1, 1000):
        limiter.check(user)
    assert len(limiter._buckets) == 100
    assert limiter.check(0) is Verdict.ALLOW  # forgotten, so a fresh bucket
