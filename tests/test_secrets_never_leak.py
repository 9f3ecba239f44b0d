"""The bot token and the webhook secret never reach a log line, an error or a reply.

The logging is set up exactly as `python -m bot` sets it up (bot.logs.configure_logging),
then the operator's worst case is simulated: everything at DEBUG, including the HTTP
libraries (httpx logs every request URL, and the token is part of that URL). The bot then
runs through questions, failures and webhook requests with wrong secrets, and every line
written is searched for the secrets.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.config import Settings
from bot.logs import LOG_FORMAT, configure_logging
from tests.bot_harness import bot_settings, free_port, running_bot, running_webhook_bot
from tests.delivery import ask, delivery_report, wait_until_answered
from tests.fake_botapi import TEST_TOKEN, FakeBotApi, Fault

WEBHOOK_SECRET = "hook_secret-used-only-by-this-test-0123456789"
LOUD_LOGGERS = ("httpx", "httpcore", "hpack", "tornado", "tornado.access", "telegram", "bot")


@pytest.fixture
def operator_log() -> Iterator[io.StringIO]:
    """Capture the root log as the operator's terminal would get it; restore levels after."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    names = ("", *LOUD_LOGGERS)
    saved = {name: logging.getLogger(name).level for name in names}
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def log_everything(settings: Settings) -> None:
    """Configure logging as `python -m bot` does at DEBUG, then turn the HTTP libraries up."""
    configure_logging(logging.DEBUG, settings.secrets)
    for name in LOUD_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)


def assert_no_secret(text: str, where: str) -> None:
    """Fail when the token (or its secret half) or the webhook secret occurs in `text`."""
    for secret in (TEST_TOKEN, TEST_TOKEN.split(":", 1)[1], WEBHOOK_SECRET):
        assert secret not in text, f"a secret leaked into {where}"


def everything_the_bot_said(api: FakeBotApi) -> str:
    """Return every parameter of every call the bot made, as one string."""
    return "\n".join(repr(call.params) for call in api.calls + api.rejected + api.faulted)


async def test_token_never_logged_at_debug_through_questions_and_failures(
    fake_botapi: FakeBotApi, corpus_dir: Path, operator_log: io.StringIO
) -> None:
    api = fake_botapi
    settings = bot_settings(api, corpus_dir, webhook_secret=WEBHOOK_SECRET)
    log_everything(settings)
    api.inject("getUpdates", Fault.drop())
    api.inject("sendMessage", Fault.server_error(502))
    async with running_bot(settings):
        api.send_text("/start", chat_id=501, user_id=501)
        await api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 501)
        # Telegram refuses the answer: the handler fails, the failure is logged with its
        # traceback, and the user gets the apology instead
        api.inject("sendMessage", Fault.error(400, "Bad Request: message thread not found"))
        failing = ask(api, "ماذا قال جاك ما عن الأمن الرقمي؟", user_id=502)
        await wait_until_answered(api, [failing])
        api.send_sticker(chat_id=503, user_id=503)
        await api.wait_for("sendMessage", lambda c: c.params["chat_id"] == 503)
    output = operator_log.getvalue()
    assert "HTTP Request: POST" in output and "[REDACTED]" in output  # httpx really logged
    assert "Traceback" in output and "message thread not found" in output.lower()  # logged
    assert_no_secret(output, "the log")
    assert_no_secret(everything_the_bot_said(api), "a message to Telegram")
    apology = [c for c in api.calls_to("sendMessage") if c.params["chat_id"] == 502]
    assert apology and "عذر" in apology[0].params["text"]  # the user got an apology


async def test_webhook_rejects_requests_without_the_secret_and_never_logs_it(
    fake_botapi: FakeBotApi, corpus_dir: Path, operator_log: io.StringIO
) -> None:
    api = fake_botapi
    settings = dataclasses.replace(
        bot_settings(api, corpus_dir),
        webhook_url="https://bot.example.com/tg-hook",
        webhook_secret=WEBHOOK_SECRET,
        webhook_port=free_port(),
    )
    log_everything(settings)
    question = ask(api, "ماذا قال جاك ما عن الأمن الرقمي؟", user_id=601)
    update = api._updates.popleft()  # Telegram would POST it to the webhook instead
    attempts = {
        "no header": {},
        "wrong secret": {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"},
        "secret with a suffix": {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET + "x"},
        "right secret": {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    }
    statuses = {}
    url = f"http://127.0.0.1:{settings.webhook_port}/{settings.webhook_path}"
    async with running_webhook_bot(settings), aiohttp.ClientSession() as session:
        for name, headers in attempts.items():
            async with session.post(url, json=update, headers=headers) as response:
                statuses[name] = response.status
        await wait_until_answered(api, [question])
    assert statuses == {
        "no header": 403,
        "wrong secret": 403,
        "secret with a suffix": 403,
        "right secret": 200,
    }
    assert delivery_report(api, [question]).exactly_once  # answered once, for the right one
    [set_webhook] = api.calls_to("setWebhook")
    assert set_webhook.params["secret_token"] == WEBHOOK_SECRET  # given to Telegram only
    output = operator_log.getvalue()
    assert "DEBUG" in output
    assert_no_secret(output, "the log")
    sent = [c for c in api.calls if c.method != "setWebhook"]
    assert_no_secret("\n".join(repr(c.params) for c in sent), "a message to Telegram")
