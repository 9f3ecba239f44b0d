"""Telegram failing (429, 5xx, timeouts, dropped connections) and the bot restarting lose
nothing and double nothing: every question is answered exactly once.

The real Application polls the loopback server, which serves the injected faults instead of
executing the calls. benchmarks/fault_injection.py runs a longer version and prints figures.
"""

from __future__ import annotations

from pathlib import Path

from tests.bot_harness import bot_settings, running_bot
from tests.delivery import (
    SEED_QUESTIONS,
    Question,
    ask,
    delivery_report,
    wait_for_long_poll,
    wait_until_answered,
    wait_until_confirmed,
    wait_until_served,
)
from tests.fake_botapi import FakeBotApi, Fault

QUESTIONS = SEED_QUESTIONS[:4]


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
        await wait_until_answered(api, questions)
        await wait_until_served(api, faults=10)
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
        await wait_until_answered(api, first)
    acknowledged = api.confirmed_offset
    # questions sent while the bot is down wait on the server
    second = ask_round(api, range(201, 206), 1)
    assert api.pending_updates == len(second)
    async with running_bot(settings):
        await wait_until_answered(api, first + second)
        third = ask_round(api, range(201, 206), 2)
        await wait_until_answered(api, third)
    report = delivery_report(api, first + second + third)
    assert report.exactly_once, report.line()
    last_update_id = 15  # 15 questions, one update each, numbered from 1
    assert acknowledged == 6  # the first bot confirmed exactly its 5 updates on stop
    assert api.confirmed_offset == last_update_id + 1
    assert api.pending_updates == 0


async def test_restart_during_a_getupdates_outage_does_not_answer_twice(
    fake_botapi: FakeBotApi, corpus_dir: Path, tmp_path: Path
) -> None:
    api = fake_botapi
    settings = bot_settings(api, corpus_dir, state_file=tmp_path / "state.json")
    async with running_bot(settings):
        await wait_for_long_poll(api)
        questions = ask_round(api, range(301, 304), 0)  # delivered by the held poll
        api.inject("getUpdates", Fault.server_error(502), times=1_000)  # then an outage
        await wait_until_answered(api, questions)
    assert api.confirmed_offset == 0  # Telegram never learnt that they were handled
    api.clear_faults()  # Telegram is back; the operator restarts the bot
    later = ask_round(api, range(301, 304), 1)
    async with running_bot(settings):
        await wait_until_confirmed(api, api.last_update_id)  # the batch came again
        await wait_until_answered(api, later)
    report = delivery_report(api, questions + later)
    assert report.exactly_once, report.line()


async def test_without_a_state_file_the_same_restart_answers_the_batch_twice(
    fake_botapi: FakeBotApi, corpus_dir: Path
) -> None:
    """The control for the test above: the duplicates are real, and the state file is what
    removes them."""
    api = fake_botapi
    settings = bot_settings(api, corpus_dir, state_file=None)
    async with running_bot(settings):
        await wait_for_long_poll(api)
        questions = ask_round(api, range(311, 314), 0)
        api.inject("getUpdates", Fault.server_error(502), times=1_000)
        await wait_until_answered(api, questions)
    api.clear_faults()
    async with running_bot(settings):
        await wait_until_confirmed(api, api.last_update_id)
    assert delivery_report(api, questions).duplicates == len(questions)
