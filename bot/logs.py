"""Logging for the bot process: one format, quiet HTTP libraries, and no secrets in any line.

The Bot API puts the token in every request URL, and httpx logs those URLs; exceptions from
the HTTP layer can carry them too. `RedactSecrets` rewrites every record that reaches a
handler, whatever its level or logger, so the token and the webhook secret never get out.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

REDACTED = "[REDACTED]"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that log every HTTP request (with the token in the URL) or their wire traffic.
_NOISY_LOGGERS = ("httpx", "httpcore", "hpack", "tornado.access")


class RedactSecrets(logging.Filter):
    """A handler filter that replaces each secret string in a record by `[REDACTED]`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        """Return `text` with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message, traceback and stack of `record` in place; always keep it."""
        message = record.getMessage()
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(level: int, secrets: Iterable[str]) -> RedactSecrets:
    """Set up stderr logging at `level` with secrets redacted on every root handler.

    Returns the filter so tests and callers can attach it to handlers added later.
    """
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)
    root = logging.getLogger()
    root.setLevel(level)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    redact = RedactSecrets(secrets)
    for handler in root.handlers:
        install_filter(handler, redact)
    return redact


def install_filter(handler: logging.Handler, redact: RedactSecrets) -> None:
    """Add `redact` to `handler` unless an equal filter is already there."""
    present = [f for f in handler.filters if isinstance(f, RedactSecrets)]
    if not any(f.secrets == redact.secrets for f in present):
        handler.addFilter(redact)
