"""Run the real bot Application in-process against the loopback Bot API server.

`running_bot` does what `Application.run_polling` does (initialize, post_init, polling,
start; then stop, post_stop, shutdown) inside the test's own event loop, so tests can play
users on `FakeBotApi` and assert on what the bot sent.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Settings
from bot.handlers import BotHandlers
from retrieval.live import LiveRetriever
from tests.fake_botapi import TEST_TOKEN, FakeBotApi


def bot_settings(api: FakeBotApi, corpus_dir: Path, **overrides: Any) -> Settings:
    """Return settings pointing at `api`, with no reload loop, no pacing and no user limit."""
    settings = Settings(
        token=TEST_TOKEN,
        corpus_dir=corpus_dir,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        reload_interval=0,
        rate_limit_per_minute=0,
        api_requests_per_second=0,
    )
    return dataclasses.replace(settings, **overrides)


@contextlib.asynccontextmanager
async def running_bot(settings: Settings) -> AsyncIterator[Application]:
    """Yield the bot Application, polling `settings.base_url`, and stop it gracefully after."""
    application = build_application(settings, LiveRetriever(settings.corpus_dir))
    await application.initialize()
    try:
        await application.post_init(application)
        await application.updater.start_polling(
            timeout=1, poll_interval=0, allowed_updates=list(ALLOWED_UPDATES)
        )
        await application.start()
        yield application
    finally:
        if application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
            await application.post_stop(application)
        await application.shutdown()


def live_retriever_of(application: Application) -> LiveRetriever:
    """Return the LiveRetriever the application's handlers answer from."""
    for handlers in application.handlers.values():
        for handler in handlers:
            owner = getattr(handler.callback, "__self__", None)
            if isinstance(owner, BotHandlers):
                return owner.live
    raise AssertionError("no BotHandlers registered")


def write_md_article(folder: Path, name: str, body: str, **meta: str) -> Path:
    """Write a Markdown article with YAML front matter into `folder`; return its path."""
    lines = [
        "---",
        *(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items()),
        "---",
        body,
        "",
    ]
    path = folder / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
