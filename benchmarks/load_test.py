"""Load test: many simulated users asking at once through the real bot Application.

Each simulated user asks a question, waits for the answer, and asks the next (a closed
loop, so at most one question per user is in flight). The bot runs in-process with
concurrent update handling, long polling the loopback Bot API server (tests/fake_botapi.py)
in the same event loop. Latency is from the moment the question is queued on the server to
the moment the server receives the answer. Meanwhile one more user floods the bot with 100
questions at once: with the default per-user limit (20 a minute) they must get at most 20
answers (plus what refills during the run) and one notice per flood, while every other
question still gets exactly one answer.

    python -m benchmarks.load_test                       # 200 users x 10 questions, unpaced
    python -m benchmarks.load_test --api-rate 30         # Telegram's 30 requests/s pacing
    python -m benchmarks.load_test --users 20 --questions 5

Loopback only and bounded (--timeout). Prints answered/s, p50/p95/p99 reply latency and
whether every question got exactly one answer; exit code 1 when not.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from pathlib import Path

from bot import replies
from tests.bot_harness import bot_settings, running_bot
from tests.delivery import SEED_QUESTIONS, Question, ask, delivery_report
from tests.fake_botapi import FakeBotApi

REPO = Path(__file__).resolve().parent.parent
FLOOD_LIMIT = 20  # RATE_LIMIT_PER_MINUTE, the bot's default
FLOODER = 99_999
FLOOD_MESSAGES = 100
QUESTIONS = (
    *SEED_QUESTIONS,
    "هل تنخرط الحكومة الصينية في السرقة التجارية؟",
    "سؤال لا جواب له عن كرة القدم",
)


class AnswerWatcher:
    """Resolves one future per question when the server receives the bot's reply to it."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.waiting: dict[tuple[int, int], asyncio.Future[float]] = {}
        self.seen = 0

    def expect(self, question: Question) -> asyncio.Future[float]:
        """Return a future resolved with the arrival time of the answer to `question`."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[(question.chat_id, question.message_id)] = future
        return future

    async def watch(self) -> None:
        """Scan newly received calls every few milliseconds, forever (cancel to stop)."""
        while True:
            calls = self.api.calls
            for call in calls[self.seen :]:
                if call.method != "sendMessage":
                    continue
                reply = call.params.get("reply_parameters") or {}
                key = (call.params.get("chat_id"), reply.get("message_id"))
                future = self.waiting.pop(key, None)
                if future is not None and not future.done():
                    future.set_result(call.at)
            self.seen = len(calls)
            await asyncio.sleep(0.005)


async def simulated_user(
    api: FakeBotApi, watcher: AnswerWatcher, user_id: int, count: int, timeout: float
) -> list[tuple[Question, float | None]]:
    """Ask `count` questions one after another; return each with its latency (None: lost)."""
    results: list[tuple[Question, float | None]] = []
    for n in range(count):
        text = f"{QUESTIONS[(user_id + n) % len(QUESTIONS)]} {n}"
        question = ask(api, text, user_id=user_id)
        answered = watcher.expect(question)
        try:
            arrival = await asyncio.wait_for(answered, timeout)
            results.append((question, arrival - question.sent_at))
        except TimeoutError:
            results.append((question, None))
    return results


def percentile(values: list[float], fraction: float) -> float:
    """Return the `fraction` quantile of `values` (nearest-rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
    return ordered[rank]


async def flood(api: FakeBotApi, user_id: int, count: int) -> list[Question]:
    """One user sends `count` questions as fast as they can type them (no waiting)."""
    questions = []
    for n in range(count):
        questions.append(ask(api, f"{QUESTIONS[n % len(QUESTIONS)]} {n}", user_id=user_id))
        await asyncio.sleep(0)
    return questions


def flooder_line(api: FakeBotApi, user_id: int, sent: int, elapsed: float) -> tuple[str, bool]:
    """Return a summary of what the flooding user got, and whether it stayed within the
    limit: the burst plus what refilled while the run lasted, and one notice per flood (a
    refill that lets one answer through ends a flood, so the next refusal notifies again)."""
    texts = [message["text"] for message in api.bot_messages(user_id)]
    notices = texts.count(replies.RATE_LIMITED)
    answers = len(texts) - notices
    allowed = FLOOD_LIMIT + int(elapsed * FLOOD_LIMIT / 60)
    line = f"flooding user: sent {sent}, answered {answers} (limit {allowed}), "
    line += f"notices {notices}, ignored {sent - answers - notices}"
    return line, answers <= allowed and 1 <= notices <= 1 + answers - FLOOD_LIMIT


async def run(users: int, per_user: int, api_rate: float, timeout: float, corpus: Path) -> bool:
    """Run the load, print the figures; return whether every question got exactly one answer."""
    async with FakeBotApi() as api:
        settings = bot_settings(
            api, corpus, rate_limit_per_minute=FLOOD_LIMIT, api_requests_per_second=api_rate
        )
        async with running_bot(settings):
            watcher = AnswerWatcher(api)
            watch = asyncio.create_task(watcher.watch())
            started = time.monotonic()
            flooded = asyncio.create_task(flood(api, FLOODER, FLOOD_MESSAGES))
            per_user_results = await asyncio.gather(
                *(
                    simulated_user(api, watcher, 50_000 + user, per_user, timeout)
                    for user in range(users)
                )
            )
            await flooded
            elapsed = time.monotonic() - started
            await asyncio.sleep(1.0)  # a late duplicate would arrive now
            watch.cancel()
        results = [item for user_results in per_user_results for item in user_results]
        latencies = [latency for _, latency in results if latency is not None]
        report = delivery_report(api, [question for question, _ in results])
        print(
            f"users {users}, questions per user {per_user}, API pacing "
            f"{'none' if not api_rate else f'{api_rate:g} requests/s'}"
        )
        print(
            f"questions: {report.questions}, answered: {report.answered}, "
            f"duplicates: {report.duplicates}, unanswered: {len(report.unanswered)}"
        )
        print(f"elapsed: {elapsed:.1f}s, answered/s: {report.answered / elapsed:.1f}")
        if latencies:
            print(
                "reply latency: "
                f"p50 {percentile(latencies, 0.50) * 1000:.0f} ms, "
                f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
                f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
                f"max {max(latencies) * 1000:.0f} ms, "
                f"mean {statistics.fmean(latencies) * 1000:.0f} ms"
            )
        print(
            f"Bot API calls received: {len(api.calls)} "
            f"({len(api.calls_to('sendMessage'))} sendMessage, "
            f"{len(api.calls_to('sendChatAction'))} sendChatAction), "
            f"rejected: {len(api.rejected)}"
        )
        print("exactly one answer per question: " + ("yes" if report.exactly_once else "NO"))
        line, flooder_ok = flooder_line(api, FLOODER, FLOOD_MESSAGES, elapsed)
        print(line)
        return report.exactly_once and not api.rejected and flooder_ok


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the load test, return 0 when every question got one answer."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--questions", type=int, default=10, help="questions per user")
    parser.add_argument(
        "--api-rate",
        type=float,
        default=0,
        help="the bot's API_REQUESTS_PER_SECOND (0: unpaced; Telegram allows about 30)",
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds per question")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    ok = asyncio.run(run(args.users, args.questions, args.api_rate, args.timeout, args.corpus))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
