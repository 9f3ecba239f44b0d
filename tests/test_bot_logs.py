"""RedactSecrets: the token and webhook secret never leave the process through logging."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logs import REDACTED, RedactSecrets, configure_logging

TOKEN = "123456789:FAKE-token-for-unit-tests-only-xyz"
SECRET = "hook-secret-123"


@pytest.fixture
def logger_and_stream() -> tuple[logging.Logger, io.StringIO]:
    """A logger writing to a string through a handler with the redacting filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets([TOKEN, SECRET]))
    logger = logging.getLogger("test.redaction")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, stream


def test_secrets_in_messages_and_arguments_are_redacted(
    logger_and_stream: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logger_and_stream
    logger.info('HTTP Request: POST https://api.telegram.org/bot%s/getMe "200 OK"', TOKEN)
    logger.debug(f"setWebhook with secret_token={SECRET}")
    output = stream.getvalue()
    assert TOKEN not in output and SECRET not in output
    assert f"/bot{REDACTED}/getMe" in output and f"secret_token={REDACTED}" in output


def test_secrets_in_tracebacks_are_redacted(
    logger_and_stream: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logger_and_stream
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getUpdates")
    except ConnectionError:
        logger.exception("polling failed")
    output = stream.getvalue()
    assert "Traceback" in output and TOKEN not in output and REDACTED in output


def test_configure_logging_installs_the_filter_on_every_root_handler() -> None:
    root = logging.getLogger()
    extra = logging.StreamHandler(io.StringIO())
    root.addHandler(extra)
    level, httpx_level = root.level, logging.getLogger("httpx").level
    try:
        redact = configure_logging(logging.DEBUG, [TOKEN])
        assert all(redact in handler.filters for handler in root.handlers)
        assert logging.getLogger("httpx").level == logging.WARNING
    finally:
        for handler in root.handlers:
            handler.removeFilter(redact)
        root.removeHandler(extra)
        root.setLevel(level)
        logging.getLogger("httpx").setLevel(httpx_level)
