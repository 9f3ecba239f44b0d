"""`python -m bot`: run the Telegram bot, by long polling or, with WEBHOOK_URL, as a webhook.

Operator mistakes (missing or malformed token, bad setting, missing corpus, unreachable or
refusing Bot API server) end with one English line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import sys

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.app import ALLOWED_UPDATES, build_application, corpus_source, webhook_arguments
from bot.config import ConfigError, Settings
from bot.logs import configure_logging

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2

log = logging.getLogger("bot")


def main() -> int:
    """Run the bot until SIGINT/SIGTERM; return the process exit code."""
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    if settings.webhook_url and not settings.webhook_secret:
        # Telegram echoes the secret in every webhook request; a fresh one per start is fine.
        settings = dataclasses.replace(settings, webhook_secret=secrets.token_urlsafe(32))
    redact = configure_logging(settings.log_level_number, settings.secrets).redact
    if settings.opensearch is None and not settings.corpus_dir.is_dir():
        print(f"error: corpus folder not found: {settings.corpus_dir}", file=sys.stderr)
        return EXIT_FAILURE
    workers = len(os.sched_getaffinity(0))  # a big first build uses every core
    application = build_application(settings, corpus_source(settings, workers=workers))
    try:
        if settings.webhook_url:
            log.info(
                "serving the webhook on %s:%d/%s",
                settings.webhook_listen,
                settings.webhook_port,
                settings.webhook_path,
            )
            application.run_webhook(**webhook_arguments(settings))
        else:
            log.info("starting long polling")
            application.run_polling(allowed_updates=list(ALLOWED_UPDATES))
    except InvalidToken:
        print("error: the Bot API server rejected TELEGRAM_BOT_TOKEN", file=sys.stderr)
        return EXIT_CONFIG
    except (NetworkError, TelegramError) as error:
        print(redact(f"error: cannot talk to the Bot API server: {error}"), file=sys.stderr)
        return EXIT_FAILURE
    except OSError as error:  # a missing corpus folder, a webhook port already in use...
        print(redact(f"error: {error}"), file=sys.stderr)
        return EXIT_FAILURE
    except Exception as error:
        log.debug("unexpected failure", exc_info=True)
        print(
            redact(f"error: unexpected failure: {type(error).__name__}: {error}"), file=sys.stderr
        )
        return EXIT_FAILURE
    log.info("stopped")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
