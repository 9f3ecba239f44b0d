"""`python -m bot` as an operator runs it: exit codes, real answers, signals, logs, webhook.

Each test starts the bot as a subprocess against the loopback Bot API server and reads its
stderr, so what is checked is exactly what an operator would see in the process output.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.bot_harness import (
    bot_process_env,
    debug_bot_env,
    free_port,
    start_bot_process,
    stop_bot_process,
)
from tests.delivery import FAILURE_TIMEOUT, wait_until
from tests.fake_botapi import TEST_TOKEN, FakeBotApi, Fault

WEBHOOK_SECRET = "webhook-secret_for-tests-0123456789"
JACK_MA_QUESTION = "ماذا قال جاك ما عن الأمن الرقمي؟"


async def wait_until_listening(session: aiohttp.ClientSession, url: str) -> None:
    """Return once `url` answers HTTP at all (python-telegram-bot calls setWebhook first)."""
    deadline = asyncio.get_running_loop().time() + FAILURE_TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        try:
            async with session.get(url):
                return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"nothing listens on {url}")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_BOT_TOKEN": TEST_TOKEN, "TOP_K": "many"}, "TOP_K must be a whole number"),
        ({"TELEGRAM_BOT_TOKEN": TEST_TOKEN, "CORPUS_DIR": "/nonexistent"}, "corpus folder"),
    ],
)
async def test_bad_configuration_exits_non_zero_with_one_line(
    tmp_path: Path, settings: dict[str, str], message: str
) -> None:
    process = await start_bot_process(bot_process_env(tmp_path, **settings), tmp_path)
    out, err = await asyncio.wait_for(process.communicate(), FAILURE_TIMEOUT)
    lines = err.decode().strip().splitlines()
    assert process.returncode != 0
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert not out


async def test_bot_answers_in_arabic_finishes_in_flight_answers_on_sigterm_and_never_logs_the_token(
    fake_botapi: FakeBotApi, tmp_path: Path
) -> None:
    process = await start_bot_process(debug_bot_env(fake_botapi, tmp_path), tmp_path)
    try:
        fake_botapi.send_text("/start")
        start = await fake_botapi.wait_for("sendMessage", timeout=FAILURE_TIMEOUT)
        # Flood control on the answer keeps it in flight for a second when SIGTERM arrives.
        fake_botapi.inject("sendMessage", Fault.flood(retry_after=1))
        fake_botapi.send_text(JACK_MA_QUESTION)
        assert await wait_until(lambda: bool(fake_botapi.faulted))
    finally:
        code, output = await stop_bot_process(process, signal.SIGTERM)
    answer = fake_botapi.calls_to("sendMessage")[-1]
    assert "أهلًا بك" in start.params["text"]
    assert "جاك" in answer.params["text"] and "الأمن الإلكتروني" in answer.params["text"]
    assert answer.params["parse_mode"] == "HTML"
    assert code == 0, output[-2000:]
    assert "DEBUG" in output and "getUpdates" in output  # it really logged at DEBUG
    assert TEST_TOKEN not in output and TEST_TOKEN.split(":")[1] not in output
    assert f"Set Bot API URL: {fake_botapi.base_url}[REDACTED]" in output  # caught, not lost
    assert "Traceback" not in output


async def test_webhook_rejects_wrong_secrets_answers_right_ones_and_never_logs_secrets(
    fake_botapi: FakeBotApi, tmp_path: Path
) -> None:
    port = free_port()
    env = debug_bot_env(
        fake_botapi,
        tmp_path,
        WEBHOOK_URL="https://bot.example.com/telegram-hook",
        WEBHOOK_SECRET=WEBHOOK_SECRET,
        WEBHOOK_PORT=str(port),
    )
    process = await start_bot_process(env, tmp_path)
    try:
        webhook = await fake_botapi.wait_for("setWebhook", timeout=FAILURE_TIMEOUT)
        fake_botapi.send_text(JACK_MA_QUESTION)  # only to register the chat and message
        # The update Telegram would POST to the webhook (the server queued it for polling).
        update = {"update_id": 1, "message": fake_botapi._updates[-1]["message"]}
        url = f"http://127.0.0.1:{port}/telegram-hook"
        good = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        async with aiohttp.ClientSession() as session:
            await wait_until_listening(session, url)
            statuses = []
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}, good):
                async with session.post(url, json=update, headers=headers) as response:
                    statuses.append(response.status)
        answer = await fake_botapi.wait_for("sendMessage")
    finally:
        code, output = await stop_bot_process(process, signal.SIGINT)
    assert webhook.params["url"] == "https://bot.example.com/telegram-hook"
    assert webhook.params["secret_token"] == WEBHOOK_SECRET
    assert statuses == [403, 403, 200]
    assert len(fake_botapi.calls_to("sendMessage")) == 1 and "جاك" in answer.params["text"]
    assert code == 0, output[-2000:]
    assert WEBHOOK_SECRET not in output and TEST_TOKEN not in output
    assert "'secret_token': '[REDACTED]'" in output  # python-telegram-bot logs it at DEBUG
