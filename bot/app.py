"""Wire the bot together: `build_application` registers every handler in one place."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings
from bot.feedback import FEEDBACK_PATTERN
from bot.handled_updates import LedgerUpdateProcessor, UpdateLedger
from bot.handlers import MORE_PATTERN, BotHandlers
from bot.retry import PatientRateLimiter
from retrieval.live import LiveRetriever
from retrieval.opensearch.live import ClusterLive

# The update kinds the bot handles; Telegram sends no others.
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY)


def build_application(
    settings: Settings,
    live: LiveRetriever | ClusterLive,
    clock: Callable[[], float] = time.monotonic,
) -> Application:
    """Return the bot's Application: Bot API connection, rate limits and all handlers.

    Nothing is loaded or sent until the Application runs: `post_init` loads the corpus
    once through `live` and registers the command menus. Updates run concurrently; the
    ones this bot provably handled in a previous run are skipped (`bot.handled_updates`).
    `clock` paces the per-user rate limit (tests pass one they move by hand).
    """
    bot_handlers = BotHandlers(settings, live, clock)
    processor = LedgerUpdateProcessor(UpdateLedger(settings.state_file))
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .concurrent_updates(processor)
        .rate_limiter(PatientRateLimiter(overall_max_rate=settings.api_requests_per_second))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                allow_sending_without_reply=True,
                do_quote=True,  # every reply quotes what it answers: updates run concurrently
            )
        )
        .post_init(bot_handlers.post_init)
        .post_stop(bot_handlers.post_stop)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    if settings.base_file_url:
        builder = builder.base_file_url(settings.base_file_url)
    application = builder.build()
    processor.bind(application.bot)
    register_handlers(application, bot_handlers)
    return application


def corpus_source(settings: Settings, workers: int | None = None) -> LiveRetriever | ClusterLive:
    """Return what the bot answers from: the corpus folder (analyzed by up to `workers`
    processes), or the cluster (BACKEND=opensearch)."""
    if settings.opensearch is not None:
        return ClusterLive(settings.opensearch)
    return LiveRetriever(settings.corpus_dir, workers=workers)


def webhook_arguments(settings: Settings) -> dict[str, Any]:
    """Return the keyword arguments of `run_webhook` (and `Updater.start_webhook`)."""
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": settings.webhook_path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret,
        "allowed_updates": list(ALLOWED_UPDATES),
    }


def register_handlers(application: Application, h: BotHandlers) -> None:
    """Register every handler of the bot, in the order they are tried."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    new = filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, h.guard), group=-1)
    application.add_handlers(
        [
            CommandHandler(["start", "help"], h.start, filters=new),
            CommandHandler("sources", h.sources, filters=new),
            CommandHandler("new", h.new_topic, filters=new),
            CommandHandler("privacy", h.privacy, filters=new),
            CommandHandler("ask", h.ask, filters=new),
            CommandHandler("stats", h.stats, filters=new),
            CommandHandler("reload", h.reload, filters=new),
            MessageHandler(private & new & filters.Document.ALL, h.upload),
            MessageHandler(private & new & filters.TEXT & ~filters.COMMAND, h.private_text),
            MessageHandler(groups & new & filters.TEXT & ~filters.COMMAND, h.group_text),
            MessageHandler(private & new & filters.COMMAND, h.unknown_command),
            MessageHandler(private & new & ~filters.TEXT, h.non_text),
            CallbackQueryHandler(h.more, pattern=MORE_PATTERN),
            CallbackQueryHandler(h.rate, pattern=FEEDBACK_PATTERN),
            InlineQueryHandler(h.inline),
        ]
    )
    application.add_error_handler(h.on_error)
