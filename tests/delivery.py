"""Who got answered, and how many times: delivery bookkeeping over the loopback server.

The bot answers a question by replying to it, so the answers to question Q in chat C are the
bot's messages in C whose `reply_to_message_id` is Q. Fault, restart and load runs send
questions through `FakeBotApi`, wait with `wait_until_answered`, then judge the run with
`delivery_report`: every question answered exactly once, none lost, none doubled.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.fake_botapi import FakeBotApi

# How long a wait may last before the run counts as failed; a healthy run takes seconds even
# on a busy 2-core machine, so this bounds failures only.
FAILURE_TIMEOUT = 120.0
# Questions the seed article answers, shared by the fault, restart and load runs.
SEED_QUESTIONS = (
    "ماذا قال جاك ما عن الأمن الرقمي؟",
    "ما موقف الصين من القرصنة الإلكترونية؟",
    "أين أقيمت مأدبة العشاء؟",
    "من التقى الرئيس الصيني في سياتل؟",
    "ما الاتفاق بين الصين والولايات المتحدة؟",
)


@dataclass(frozen=True)
class Question:
    """A question a simulated user sent: where, by whom, and the message id it got."""

    chat_id: int
    user_id: int
    message_id: int
    sent_at: float


@dataclass
class DeliveryReport:
    """What happened to a batch of questions."""

    questions: int
    answered: int
    duplicates: int
    unanswered: list[Question] = field(default_factory=list)
    faults_served: Counter[str] = field(default_factory=Counter)

    @property
    def exactly_once(self) -> bool:
        """Return whether every question got one answer and no question got two."""
        return self.answered == self.questions and self.duplicates == 0

    def line(self) -> str:
        """Return a one-line summary for benchmark output and assertion messages."""
        faults = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults_served.items()))
        return (
            f"questions {self.questions}, answered {self.answered}, "
            f"duplicates {self.duplicates}, unanswered {len(self.unanswered)}; "
            f"faults served: {faults or 'none'}"
        )


def ask(api: FakeBotApi, text: str, user_id: int, chat_id: int | None = None) -> Question:
    """Send `text` as a private-chat question from `user_id`; return the Question."""
    chat = user_id if chat_id is None else chat_id
    message_id = api.send_text(text, chat_id=chat, user_id=user_id)
    return Question(chat, user_id, message_id, time.monotonic())


def answers_to(api: FakeBotApi, questions: list[Question]) -> dict[Question, int]:
    """Return how many bot messages reply to each question."""
    replies: Counter[tuple[int, int]] = Counter()
    for chat_id in {q.chat_id for q in questions}:
        for message in api.bot_messages(chat_id):
            if message.get("reply_to_message_id") is not None:
                replies[(chat_id, message["reply_to_message_id"])] += 1
    return {q: replies[(q.chat_id, q.message_id)] for q in questions}


async def wait_until(condition: Callable[[], bool], timeout: float = FAILURE_TIMEOUT) -> bool:
    """Wait until `condition()` holds; return False if it still does not after `timeout`
    seconds. The timeout only bounds a failing run: no result depends on the machine's speed."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def wait_until_answered(
    api: FakeBotApi, questions: list[Question], timeout: float = FAILURE_TIMEOUT
) -> bool:
    """Wait until every question has an answer; return whether they all got one in time.

    Duplicates that would arrive later are counted anyway: stopping the bot gracefully
    handles every update it fetched before it returns (see tests/bot_harness.py)."""
    return await wait_until(lambda: all(answers_to(api, questions).values()), timeout)


async def wait_until_served(api: FakeBotApi, faults: int, timeout: float = FAILURE_TIMEOUT) -> bool:
    """Wait until the server has served `faults` injected faults; return whether it did."""
    return await wait_until(lambda: len(api.faulted) >= faults, timeout)


async def wait_until_confirmed(
    api: FakeBotApi, update_id: int, timeout: float = FAILURE_TIMEOUT
) -> None:
    """Wait until the bot confirmed `update_id` (a getUpdates with a higher offset): it has
    fetched the update, so a graceful stop handles it. Raise if that never happens."""
    if not await wait_until(lambda: api.confirmed_offset > update_id, timeout):
        raise AssertionError(f"update {update_id} never confirmed; received:\n{api.summary()}")


async def wait_for_long_poll(api: FakeBotApi, timeout: float = FAILURE_TIMEOUT) -> None:
    """Wait until the bot holds a getUpdates request open on the server; raise if it never
    does."""
    if not await wait_until(lambda: api.waiting_pollers > 0, timeout):
        raise AssertionError(f"the bot never long-polled; received:\n{api.summary()}")


def delivery_report(api: FakeBotApi, questions: list[Question]) -> DeliveryReport:
    """Return answered/duplicate counts for `questions` and the faults the server served."""
    counts = answers_to(api, questions)
    return DeliveryReport(
        questions=len(questions),
        answered=sum(1 for n in counts.values() if n > 0),
        duplicates=sum(n - 1 for n in counts.values() if n > 1),
        unanswered=[q for q, n in counts.items() if n == 0],
        faults_served=Counter(call.fault for call in api.faulted if call.fault),
    )


def reply_latencies(api: FakeBotApi, questions: list[Question]) -> list[float]:
    """Return, per answered question, seconds from sending it to the answer's arrival."""
    arrival: dict[tuple[int, int], float] = {}
    for call in api.calls_to("sendMessage"):
        reply = call.params.get("reply_parameters") or {}
        message_id = reply.get("message_id") or call.params.get("reply_to_message_id")
        key = (call.params.get("chat_id"), message_id)
        arrival.setdefault(key, call.at)
    return [
        arrival[(q.chat_id, q.message_id)] - q.sent_at
        for q in questions
        if (q.chat_id, q.message_id) in arrival
    ]
