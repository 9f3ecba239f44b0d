"""Feedback under load: 2,000 👍/👎 presses from 200 users through the real bot.

Each simulated user asks one question in a private chat, then presses the 👍/👎 buttons under
the answer 10 times (a seeded random mix, so many presses repeat the previous one and some
change it). Presses are a closed loop per user: press, wait for the bot's acknowledgement
(answerCallbackQuery), press again; all users at once. The bot runs in-process with the
feedback database and the state file in a temporary folder, long polling the loopback Bot API server
(tests/fake_botapi.py) in the same event loop.

    python -m benchmarks.feedback_load                    # 200 users x 10 presses
    python -m benchmarks.feedback_load --users 20 --presses 5

Prints: presses acknowledged (none lost: every press acknowledged, and every user's stored
rating is their last press), duplicates (rating rows beyond one per user and question),
what each press did (stored, changed, unchanged) and the p50/p95/p99 press-to-ack latency
(from queuing the press on the server to the server receiving answerCallbackQuery). Exit
code 1 when a press was lost or duplicated. Loopback only and bounded (--timeout).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot import replies
from bot.feedback import THUMBS_DOWN, THUMBS_UP
from tests.bot_harness import bot_settings, running_bot
from tests.delivery import SEED_QUESTIONS, ask, wait_until_answered
from tests.fake_botapi import FakeBotApi

REPO = Path(__file__).resolve().parent.parent
FIRST_USER = 60_000
_OUTCOMES = {
    replies.RATING_THANKS: "stored",
    replies.RATING_CHANGED: "changed",
    replies.RATING_ALREADY: "unchanged",
}


@dataclass(frozen=True)
class Answer:
    """A user's answered question: where its message is and what its buttons send."""

    user: int
    message_id: int
    up: str
    down: str


class AckWatcher:
    """Resolves one future per press when the server receives its answerCallbackQuery."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.seen = 0

    def expect(self, query_id: str) -> asyncio.Future[float]:
        """Return a future resolved with the arrival time of the press's acknowledgement."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[query_id] = future
        return future

    async def watch(self) -> None:
        """Scan newly received calls every few milliseconds, forever (cancel to stop)."""
        while True:
            calls = self.api.calls
            for call in calls[self.seen :]:
                if call.method.lower() == "answercallbackquery":
                    future = self.waiting.pop(call.params["callback_query_id"], None)
                    if future is not None and not future.done():
                        future.set_result(call.at)
            self.seen = len(calls)
            await asyncio.sleep(0.005)


def percentile(values: list[float], fraction: float) -> float:
    """Return the `fraction` quantile of `values` (nearest-rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
    return ordered[rank]


async def ask_everyone(api: FakeBotApi, users: int, timeout: float) -> list[Answer]:
    """Every user asks one question; return the answers with their 👍/👎 callback data."""
    questions = [
        ask(api, SEED_QUESTIONS[n % len(SEED_QUESTIONS)], user_id=FIRST_USER + n)
        for n in range(users)
    ]
    if not await wait_until_answered(api, questions, timeout):
        raise SystemExit("not every question was answered; cannot press their buttons")
    answers = []
    for call in api.calls_to("sendMessage"):
        row = call.params["reply_markup"]["inline_keyboard"][0]
        buttons = {b["text"]: b["callback_data"] for b in row}
        chat = call.params["chat_id"]
        message_id = api.bot_messages(chat)[-1]["message_id"]
        answers.append(Answer(chat, message_id, buttons[THUMBS_UP], buttons[THUMBS_DOWN]))
    return answers


async def press_loop(
    api: FakeBotApi, acks: AckWatcher, answer: Answer, presses: int, seed: int, timeout: float
) -> tuple[list[float], str | None]:
    """Press the answer's buttons `presses` times, each after the previous one was
    acknowledged; return the press-to-ack latencies and the last button pressed."""
    rng = random.Random(seed)
    latencies: list[float] = []
    last = None
    for _ in range(presses):
        last = rng.choice((answer.up, answer.down))
        sent = time.monotonic()
        query_id = api.press_button(
            answer.message_id, last, chat_id=answer.user, user_id=answer.user
        )
        try:
            acked = await asyncio.wait_for(acks.expect(query_id), timeout)
        except TimeoutError:
            continue  # lost: counted by the caller
        latencies.append(acked - sent)
    return latencies, last


def stored_ratings(db: Path) -> tuple[int, dict[int, int]]:
    """Return the number of rating rows and each question row's rating (one user each)."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT question_id, rating FROM ratings").fetchall()
    return len(rows), {int(q): int(r) for q, r in rows}


async def run(users: int, presses: int, timeout: float, corpus: Path) -> bool:
    """Run the load, print the figures; return whether no press was lost or duplicated."""
    with tempfile.TemporaryDirectory(prefix="feedback-load-") as folder:
        db = Path(folder) / "feedback.sqlite3"
        async with FakeBotApi() as api:
            state = Path(folder) / "state.json"  # as in production: durable state writes too
            settings = bot_settings(api, corpus, feedback_db=db, state_file=state)
            async with running_bot(settings):
                answers = await ask_everyone(api, users, timeout)
                watcher = AckWatcher(api)
                watch = asyncio.create_task(watcher.watch())
                started = time.monotonic()
                results = await asyncio.gather(
                    *(
                        press_loop(api, watcher, a, presses, n, timeout)
                        for n, a in enumerate(answers)
                    )
                )
                elapsed = time.monotonic() - started
                watch.cancel()
            acks = api.calls_to("answerCallbackQuery")
            outcomes = Counter(_OUTCOMES.get(c.params.get("text"), "other") for c in acks)
        rows, ratings = stored_ratings(db)
    latencies = [latency for latency_list, _ in results for latency in latency_list]
    expected = {
        int(a.up.rsplit(":", 1)[1]): (1 if last == a.up else -1)
        for a, (_, last) in zip(answers, results, strict=True)
    }
    lost_presses = users * presses - len(latencies)
    wrong = sum(1 for q, r in expected.items() if ratings.get(q) != r)
    duplicates = rows - len(expected)
    print(f"users {users}, presses per user {presses}, presses {users * presses}")
    print(
        f"acknowledged: {len(latencies)}, lost presses: {lost_presses}, "
        f"stored ratings not equal to the last press: {wrong}, duplicates: {duplicates}"
    )
    print("what the presses did: " + ", ".join(f"{k} {n}" for k, n in sorted(outcomes.items())))
    print(f"elapsed: {elapsed:.1f}s, presses/s: {len(latencies) / elapsed:.0f}")
    print(
        "press-to-ack latency: "
        f"p50 {percentile(latencies, 0.50) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms"
    )
    ok = lost_presses == 0 and wrong == 0 and duplicates == 0 and not api.rejected
    print("none lost, no duplicates: " + ("yes" if ok else "NO"))
    return ok


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the presses, return 0 when none was lost or duplicated."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--presses", type=int, default=10, help="presses per user")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per press")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    ok = asyncio.run(run(args.users, args.presses, args.timeout, args.corpus))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
