"""The state file can never silence the bot: another bot, or a Bot API server whose update
ids restarted, is answered; the real bot against the loopback server.

The restart during a getUpdates outage, answered exactly once thanks to the same file, is in
tests/test_telegram_faults.py.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.bot_harness import bot_settings, running_bot, seed_corpus
from tests.delivery import SEED_QUESTIONS, Question, ask, delivery_report, wait_until_answered
from tests.fake_botapi import FakeBotApi

OTHER_TOKEN = "7654321:FAKE_second_loopback_token_for_tests"


async def answer_round(api: FakeBotApi, corpus: Path, questions: tuple[str, ...]) -> list[Question]:
    """Run the bot on `corpus` (state file inside it) against `api`; ask, wait, stop."""
    state_file = corpus / ".bot-state.json"
    settings = bot_settings(api, corpus, token=api.token, state_file=state_file)
    async with running_bot(settings):
        asked = [ask(api, text, user_id=401 + n) for n, text in enumerate(questions)]
        await wait_until_answered(api, asked)
    return asked


async def test_two_bots_one_after_the_other_on_one_corpus_folder_both_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = seed_corpus(tmp_path / "corpus")
    questions = SEED_QUESTIONS[:3]
    async with FakeBotApi() as test_bot:
        first = await answer_round(test_bot, corpus, questions)
    # the same users ask the same questions of the production bot: same update ids too
    async with FakeBotApi(token=OTHER_TOKEN, bot_id=7000002) as production:
        with caplog.at_level(logging.WARNING):
            second = await answer_round(production, corpus, questions)
    assert delivery_report(test_bot, first).exactly_once
    report = delivery_report(production, second)
    assert report.exactly_once, report.line()
    assert caplog.text.count("discarding the bot state file") == 1
    assert "belongs to another bot" in caplog.text


@pytest.mark.parametrize(
    ("first_update_id", "reason"),
    [(500, "below its floor 500"), (1, "arrived again with other content")],
)
async def test_a_bot_api_server_whose_update_ids_restart_at_1_is_answered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, first_update_id: int, reason: str
) -> None:
    corpus = seed_corpus(tmp_path / "corpus")
    async with FakeBotApi(first_update_id=first_update_id) as before_reset:
        await answer_round(before_reset, corpus, SEED_QUESTIONS[:3])
    async with FakeBotApi() as after_reset:  # the same bot; update ids from 1 again
        with caplog.at_level(logging.WARNING):
            asked = await answer_round(after_reset, corpus, SEED_QUESTIONS[3:5])
    report = delivery_report(after_reset, asked)
    assert report.exactly_once, report.line()
    assert caplog.text.count("discarding the bot state file") == 1
    assert reason in caplog.text
