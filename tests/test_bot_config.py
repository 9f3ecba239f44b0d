"""Settings.from_env: defaults, every variable, and one clear line for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from tests.fake_botapi import TEST_TOKEN

TOKEN = "123456789:FAKE-token-for-unit-tests-only-xyz"


def test_only_the_token_is_required_and_defaults_are_sensible() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.token == TOKEN
    assert settings.corpus_dir == Path("corpus")
    assert settings.top_k == 3
    assert settings.base_url is None and settings.webhook_url is None
    assert settings.allowed_chat_ids is None and settings.admin_ids == frozenset()
    assert settings.webhook_listen == "127.0.0.1" and settings.webhook_port == 8443
    assert settings.reload_interval == 5.0 and settings.rate_limit_per_minute == 20


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "CORPUS_DIR": "/data/articles",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
            "TOP_K": "5",
            "ADMIN_IDS": "42, 43",
            "ALLOWED_CHAT_IDS": "-1001234 42",
            "LOG_LEVEL": "debug",
            "WEBHOOK_URL": "https://bot.example.com/tg/hook",
            "WEBHOOK_SECRET": "s3cret_token-1",
            "WEBHOOK_LISTEN": "0.0.0.0",
            "WEBHOOK_PORT": "8080",
            "RELOAD_INTERVAL": "0",
            "MAX_UPLOAD_BYTES": "1000",
            "RATE_LIMIT_PER_MINUTE": "0",
            "MAX_QUESTION_CHARS": "200",
            "API_REQUESTS_PER_SECOND": "0",
        }
    )
    assert settings.corpus_dir == Path("/data/articles")
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.top_k == 5
    assert settings.admin_ids == {42, 43}
    assert settings.allowed_chat_ids == {-1001234, 42}
    assert settings.log_level == "DEBUG"
    assert settings.webhook_path == "tg/hook"
    assert settings.secrets == (TOKEN, "s3cret_token-1")
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 8080)
    assert settings.reload_interval == 0 and settings.rate_limit_per_minute == 0
    assert settings.max_upload_bytes == 1000 and settings.max_question_chars == 200


def test_the_test_servers_token_is_well_formed() -> None:
    assert Settings.from_env({"TELEGRAM_BOT_TOKEN": TEST_TOKEN}).token == TEST_TOKEN


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "  "}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "123456"}, "TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_BOT_TOKEN": "abc:FAKE-token-for-unit-tests-only-xyz"}, "malformed"),
        ({"TOP_K": "three"}, "TOP_K must be a whole number"),
        ({"TOP_K": "0"}, "TOP_K must be at least 1 and at most 10"),
        ({"ADMIN_IDS": "42,alice"}, "ADMIN_IDS must be Telegram ids"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"WEBHOOK_URL": "bot.example.com"}, "WEBHOOK_URL must be an http(s) URL"),
        ({"WEBHOOK_SECRET": "has spaces"}, "WEBHOOK_SECRET must be 1-256 characters"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT must be at least 1"),
        ({"RELOAD_INTERVAL": "-1"}, "RELOAD_INTERVAL must be zero or a positive number"),
        ({"RELOAD_INTERVAL": "nan"}, "RELOAD_INTERVAL must be zero or a positive number"),
    ],
)
def test_bad_values_raise_one_english_line_naming_the_variable(
    environ: dict[str, str], message: str
) -> None:
    if "TELEGRAM_BOT_TOKEN" not in environ and "is not set" not in message:
        environ = {"TELEGRAM_BOT_TOKEN": TOKEN, **environ}
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(environ)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_the_token_never_appears_in_an_error_message() -> None:
    bad = "123456:short"
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"TELEGRAM_BOT_TOKEN": bad})
    assert bad not in str(caught.value)


def test_dotenv_file_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nTOP_K=7\nCORPUS_DIR=from_dotenv\n")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("CORPUS_DIR", raising=False)
    monkeypatch.setenv("TOP_K", "2")
    settings = Settings.from_env(env_file=env_file)
    assert settings.token == TOKEN and settings.corpus_dir == Path("from_dotenv")
    assert settings.top_k == 2
