"""Run the real bot against the loopback Bot API server: in-process or as `python -m bot`.

`running_bot` does what `Application.run_polling` does (initialize, post_init, polling,
start; then stop, post_stop, shutdown) inside the test's own event loop, so tests can play
users on `FakeBotApi` and assert on what the bot sent; `running_webhook_bot` does the same
for `run_webhook`. A graceful stop handles every update already fetched, so whatever the bot
was going to send has arrived once the `async with` block is left: assertions about what the
bot did *not* send belong after the block, and no test needs to sleep for them.

`start_bot_process` / `stop_bot_process` run `python -m bot` as an operator does.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application, corpus_source, webhook_arguments
from bot.config import Settings
from bot.handlers import BotHandlers
from retrieval.live import LiveRetriever
from tests.fake_botapi import TEST_TOKEN, FakeBotApi

REPO = Path(__file__).resolve().parent.parent
SEED_CORPUS = REPO / "corpus"
# Settings a test's `python -m bot` must not inherit from the developer's environment.
_BOT_VARIABLES = (
    "TELEGRAM_",
    "WEBHOOK_",
    "CORPUS_DIR",
    "TOP_K",
    "ADMIN_IDS",
    "ALLOWED_CHAT_IDS",
    "LOG_LEVEL",
    "RELOAD_INTERVAL",
    "MAX_UPLOAD_BYTES",
    "RATE_LIMIT_PER_MINUTE",
    "MAX_QUESTION_CHARS",
    "API_REQUESTS_PER_SECOND",
    "STATE_FILE",
    "BACKEND",
    "OPENSEARCH_",
    "FOLLOW_UP_TTL",
    "FEEDBACK",
)


class ManualClock:
    """A monotonic clock that only moves when the test moves it: rate limits in tests refill
    by the test's decision, never because the machine was slow."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


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
async def _running(
    settings: Settings,
    start_updater: Callable[[Application], Awaitable[object]],
    clock: Callable[[], float] | None,
) -> AsyncIterator[Application]:
    """Yield the started Application; stop it gracefully after (see the module docstring)."""
    live = corpus_source(settings)
    application = build_application(settings, live, clock or ManualClock())
    await application.initialize()
    try:
        await application.post_init(application)
        await start_updater(application)
        await application.start()
        yield application
    finally:
        if application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
            await application.post_stop(application)
        await application.shutdown()


def running_bot(
    settings: Settings, clock: Callable[[], float] | None = None
) -> contextlib.AbstractAsyncContextManager[Application]:
    """Return a context running the bot by long polling `settings.base_url`.

    `clock` paces the per-user rate limit; by default it stands still for the whole run.
    """
    return _running(
        settings,
        lambda app: app.updater.start_polling(
            timeout=1, poll_interval=0, allowed_updates=list(ALLOWED_UPDATES)
        ),
        clock,
    )


def running_webhook_bot(settings: Settings) -> contextlib.AbstractAsyncContextManager[Application]:
    """Return a context running the bot as a webhook server, as `run_webhook` does."""
    return _running(
        settings, lambda app: app.updater.start_webhook(**webhook_arguments(settings)), None
    )


def live_retriever_of(application: Application) -> LiveRetriever:
    """Return the LiveRetriever the application's handlers answer from."""
    for handlers in application.handlers.values():
        for handler in handlers:
            owner = getattr(handler.callback, "__self__", None)
            if isinstance(owner, BotHandlers):
                return owner.live
    raise AssertionError("no BotHandlers registered")


def sent_texts(api: FakeBotApi, chat_id: int) -> list[str]:
    """Return the HTML of every message the bot sent to `chat_id`, in order."""
    return [c.params["text"] for c in api.calls_to("sendMessage") if c.params["chat_id"] == chat_id]


def seed_corpus(folder: Path) -> Path:
    """Create `folder` holding a copy of the seed article (a corpus tests may write to)."""
    folder.mkdir()
    for seed in SEED_CORPUS.glob("*.txt"):
        shutil.copy(seed, folder / seed.name)
    return folder


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


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bot_process_env(cwd: Path, **values: str) -> dict[str, str]:
    """Return the environment for `python -m bot` in `cwd`: no inherited bot setting, no
    reload loop, the state file and feedback database inside `cwd`, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_BOT_VARIABLES)}
    defaults = {
        "RELOAD_INTERVAL": "0",
        "STATE_FILE": str(cwd / ".bot-state.json"),
        "FEEDBACK_DB": str(cwd / ".bot-feedback.sqlite3"),
    }
    return {**env, **defaults, **values}


def debug_bot_env(
    api: FakeBotApi, cwd: Path, corpus: Path = SEED_CORPUS, **values: str
) -> dict[str, str]:
    """Return the environment for `python -m bot` talking to `api` and logging at DEBUG."""
    return bot_process_env(
        cwd,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_BASE_URL=api.base_url,
        CORPUS_DIR=str(corpus),
        LOG_LEVEL="DEBUG",
        **values,
    )


async def start_bot_process(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    """Start `python -m bot` with `env` in `cwd` (so no stray .env is read), output captured."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot_process(process: asyncio.subprocess.Process, sig: int) -> tuple[int, str]:
    """Send `sig`, wait for the exit and return (exit code, everything it wrote)."""
    process.send_signal(sig)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, (out + err).decode()
