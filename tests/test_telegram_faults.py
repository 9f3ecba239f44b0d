"""Telegram failing (429, 5xx, timeouts, dropped connections) and the bot restarting lose
nothing and double nothing: every question is answered exactly once.

The real Application polls the loopback server, which serves the injected faults instead of
executing the calls. benchmarks/fault_injection.py runs a longer version and prints figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot_harness import bot_settings, running_bot
from tests.delivery import (
    Question,
    ask,
    delivery_report,
    wait_for_long_poll,
    wait_until_answered,
    wait_until_served,
)
from tests.fake_botapi import FakeBotApi, Fault

QUESTIONS = (
    "ماذا قال جاك ما عن الأمن الرقمي؟",
    "ما موقف الصين من القرصنة الإلكترونية؟",
    "أين أقيمت مأدبة العشاء؟",
    "من التقى الرئيس الصيني في سياتل؟",
)


def ask_round(api: FakeBotApi, users: range, round_no: int) -> list[Question]:
    """Every user in `users` asks one question; return them in sending order."""
    return [
        ask(api, f"{QUESTIONS[(user + round_no) % len(QUESTIONS)]} ({round_no})", user_id=user)
        for user in users
    ]


async def test_every_question_is_answered_once_through_telegram_faults(
    fake_botapi: FakeBotApi, corpus_dir: Path
) -> None:
    api = fake_botapi
    for fault in (
        Fault.flood(1),
        Fault.server_error(500),
        Fault.drop(),
        Fault.server_error(503),
        Fault.timeout(30),
        Fault.flood(1),
    ):
        api.inject("sendMessage", fault)
    questions = ask_round(api, range(101, 111), 0)
    async with running_bot(bot_settings(api, corpus_dir)):
        # while the first answers fight their way out, polling fails too
        await api.wait_for("sendChatAction")
        for fault in (Fault.flood(1), Fault.server_error(502), Fault.drop(), Fault.timeout(30)):
            api.inject("getUpdates", fault)
        questions += ask_round(api, range(101, 111), 1)
        await wait_until_answered(api, questions, timeout=40)
        await wait_until_served(api, faults=10, timeout=20)
    report = delivery_report(api, questions)
    assert report.exactly_once, report.line()
    assert sum(report.faults_served.values()) == 10, report.line()
    assert {"flood", "server_error", "drop", "timeout"} <= set(report.faults_served)
    assert api.pending_updates == 0


async def test_restart_resumes_from_the_confirmed_offset(
    fake_botapi: FakeBotApi, corpus_dir: Path
) -> None:
    api = fake_botapi
    settings = bot_settings(api, corpus_dir)
    first = ask_round(api, range(201, 206), 0)
    async with running_bot(settings):
        await wait_until_answered(api, first, timeout=20)
    acknowledged = api.confirmed_offset
    # questions sent while the bot is down wait on the server
    second = ask_round(api, range(201, 206), 1)
    assert api.pending_updates == len(second)
    async with running_bot(settings):
        await wait_until_answered(api, first + second, timeout=20)
        third = ask_round(api, range(201, 206), 2)
        await wait_until_answered(api, third, timeout=20)
    report = delivery_report(api, first + second + third)
    assert report.exactly_once, report.line()
    last_update_id = 15  # 15 questions, one update each, numbered from 1
    assert acknowledged == 6  # the first bot confirmed exactly its 5 updates on stop
    assert api.confirmed_offset == last_update_id + 1
    assert api.pending_updates == 0


@pytest.mark.xfail(
    strict=True,
    reason="Telegram learns what was processed only from the next getUpdates offset; when "
    "every getUpdates after a batch fails (outage) until the bot restarts, the restarted "
    "bot gets the batch again and answers it twice. Exactly-once across such a restart "
    "needs the bot to remember the last update_id it processed.",
)
async def test_restart_during_a_getupdates_outage_does_not_answer_twice(
    fake_botapi: FakeBotApi, corpus_dir: Path
) -> None:
    api = fake_botapi
    settings = bot_settings(api, corpus_dir)
    async with running_bot(settings):
        await wait_for_long_poll(api)
        questions = ask_round(api, range(301, 304), 0)  # delivered by the held poll
        api.inject("getUpdates", Fault.server_error(502), times=1_000)  # then an outage
        await wait_until_answered(api, questions, timeout=20)
    api.clear_faults()  # Telegram is back; the operator restarts the bot
    async with running_bot(settings):
        await wait_until_answered(api, questions, timeout=5, settle=2)
    report = delivery_report(api, questions)
    assert report.exactly_once, report.line()
