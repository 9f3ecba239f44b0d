"""The bot's settings, read once from the environment and an optional `.env` file.

This is the only place the bot reads configuration. Every invalid value raises `ConfigError`
with one English line naming the variable, so `python -m bot` can print it and exit.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from retrieval.confidence import DEFAULT_CONFIDENT, DEFAULT_UNCERTAIN, Thresholds
from retrieval.formats import DEFAULT_MAX_UPLOAD_BYTES
from retrieval.opensearch.client import BackendUnavailable, OpenSearchSettings

# BotFather tokens are "<bot id>:<secret>"; the secret is 35 URL-safe characters today.
_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{20,100}")
# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook secret token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Where the bot remembers the updates it handled, beside the index folder (hidden files in
# the corpus folder are not articles).
DEFAULT_STATE_FILE = ".bot-state.json"
# The feedback database sits beside the state file unless FEEDBACK_DB says otherwise.
DEFAULT_FEEDBACK_DB = ".bot-feedback.sqlite3"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A missing or invalid setting; the message is one English line for the operator."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot can be configured with; see `.env.example` for each variable."""

    token: str
    corpus_dir: Path = Path("corpus")
    base_url: str | None = None
    base_file_url: str | None = None
    top_k: int = 3
    admin_ids: frozenset[int] = frozenset()
    allowed_chat_ids: frozenset[int] | None = None
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    reload_interval: float = 5.0
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    rate_limit_per_minute: int = 20
    max_question_chars: int = 300
    api_requests_per_second: float = 30.0
    state_file: Path | None = None  # None: nothing remembered across restarts
    opensearch: OpenSearchSettings | None = None  # BACKEND=opensearch: answer from a cluster
    follow_up_ttl: float = 600.0  # seconds a chat's last question counts for follow-ups (0: off)
    feedback_db: Path | None = None  # None: FEEDBACK=off, no storage and no 👍/👎 buttons
    feedback_retention_days: int = 90
    confident_threshold: float = DEFAULT_CONFIDENT  # least confidence of a plain answer
    uncertain_threshold: float = DEFAULT_UNCERTAIN  # least of «closest sentence»; below: none

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Return the settings from `environ` (default: `.env` overlaid by `os.environ`).

        Raises ConfigError for a missing token or any malformed value.
        """
        env = _read_environment(environ, env_file)
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in the "
                "environment or in .env"
            )
        if not _TOKEN.fullmatch(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is malformed: expected <digits>:<secret> as given by @BotFather"
            )
        base_url = _optional(env, "TELEGRAM_BASE_URL")
        webhook_url = _optional(env, "WEBHOOK_URL")
        if webhook_url is not None and urlsplit(webhook_url).scheme not in ("http", "https"):
            raise ConfigError(f"WEBHOOK_URL must be an http(s) URL, got {webhook_url!r}")
        webhook_secret = _optional(env, "WEBHOOK_SECRET")
        if webhook_secret is not None and not _WEBHOOK_SECRET.fullmatch(webhook_secret):
            raise ConfigError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if log_level not in _LOG_LEVELS:
            choices = ", ".join(_LOG_LEVELS)
            raise ConfigError(f"LOG_LEVEL must be one of {choices}, got {log_level!r}")
        corpus_dir = Path(env.get("CORPUS_DIR", "").strip() or "corpus")
        state_file = Path(_optional(env, "STATE_FILE") or corpus_dir / DEFAULT_STATE_FILE)
        confident = _share(env, "CONFIDENT_THRESHOLD", DEFAULT_CONFIDENT)
        uncertain = _share(env, "UNCERTAIN_THRESHOLD", DEFAULT_UNCERTAIN)
        if uncertain > confident:
            raise ConfigError(
                f"UNCERTAIN_THRESHOLD ({uncertain}) must not exceed "
                f"CONFIDENT_THRESHOLD ({confident})"
            )
        return cls(
            token=token,
            corpus_dir=corpus_dir,
            base_url=base_url,
            base_file_url=_optional(env, "TELEGRAM_BASE_FILE_URL") or _file_url_for(base_url),
            top_k=_integer(env, "TOP_K", 3, minimum=1, maximum=10),
            admin_ids=frozenset(_id_list(env, "ADMIN_IDS") or ()),
            allowed_chat_ids=_id_list(env, "ALLOWED_CHAT_IDS"),
            log_level=log_level,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
            webhook_port=_integer(env, "WEBHOOK_PORT", 8443, minimum=1, maximum=65535),
            reload_interval=_number(env, "RELOAD_INTERVAL", 5.0),
            max_upload_bytes=_integer(env, "MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES, minimum=1),
            rate_limit_per_minute=_integer(env, "RATE_LIMIT_PER_MINUTE", 20, minimum=0),
            max_question_chars=_integer(env, "MAX_QUESTION_CHARS", 300, minimum=10, maximum=1000),
            api_requests_per_second=_number(env, "API_REQUESTS_PER_SECOND", 30.0),
            opensearch=_opensearch(env),
            state_file=state_file,
            feedback_db=_feedback_db(env, state_file),
            feedback_retention_days=_integer(env, "FEEDBACK_RETENTION_DAYS", 90, minimum=1),
            follow_up_ttl=_number(env, "FOLLOW_UP_TTL", 600.0),
            confident_threshold=confident,
            uncertain_threshold=uncertain,
        )

    @property
    def log_level_number(self) -> int:
        """Return `log_level` as a `logging` level number."""
        return logging.getLevelNamesMapping()[self.log_level]

    @property
    def webhook_path(self) -> str:
        """Return the local URL path the webhook listens on: the path of `webhook_url`."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    @property
    def thresholds(self) -> Thresholds:
        """Return the confidence thresholds of the three kinds of reply."""
        return Thresholds(self.confident_threshold, self.uncertain_threshold)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Return the strings that must never appear in a log line: token, webhook secret
        and the cluster's password."""
        cluster_password = self.opensearch.password if self.opensearch else None
        return tuple(s for s in (self.token, self.webhook_secret, cluster_password) if s)


def _opensearch(env: Mapping[str, str]) -> OpenSearchSettings | None:
    """Return the cluster settings when BACKEND=opensearch, None for the embedded index."""
    backend = env.get("BACKEND", "").strip().lower() or "embedded"
    if backend not in ("embedded", "opensearch"):
        raise ConfigError(f"BACKEND must be embedded or opensearch, got {backend!r}")
    if backend == "embedded":
        return None
    try:
        return OpenSearchSettings.from_env(env)
    except BackendUnavailable as error:
        raise ConfigError(str(error).removeprefix("error: ")) from None


def _read_environment(environ: Mapping[str, str] | None, env_file: Path | None) -> dict[str, str]:
    """Return `environ`, or `.env` overlaid by the process environment when it is None."""
    if environ is not None:
        return dict(environ)
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return values


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _feedback_db(env: Mapping[str, str], state_file: Path) -> Path | None:
    """Return the feedback database path, or None when FEEDBACK is off."""
    switch = env.get("FEEDBACK", "").strip().lower() or "on"
    if switch not in ("on", "off"):
        raise ConfigError(f"FEEDBACK must be on or off, got {switch!r}")
    if switch == "off":
        return None
    return Path(_optional(env, "FEEDBACK_DB") or state_file.with_name(DEFAULT_FEEDBACK_DB))


def _file_url_for(base_url: str | None) -> str | None:
    """Return the file download URL of a Bot API server whose `base_url` ends in `/bot`."""
    if base_url is None or not base_url.rstrip("/").endswith("/bot"):
        return None
    return base_url.rstrip("/")[: -len("bot")] + "file/bot"


def _integer(
    env: Mapping[str, str], name: str, default: int, minimum: int = 0, maximum: int | None = None
) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ConfigError(f"{name} must be at least {minimum}{upper}, got {value}")
    return value


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{name} must be zero or a positive number, got {raw!r}")
    return value


def _share(env: Mapping[str, str], name: str, default: float) -> float:
    """Return the number of `name` when it lies in [0, 1] (a probability), else raise."""
    value = _number(env, name, default)
    if value > 1:
        raise ConfigError(f"{name} must be between 0 and 1, got {value}")
    return value


def _id_list(env: Mapping[str, str], name: str) -> frozenset[int] | None:
    """Return the comma- or space-separated Telegram ids of `name`, or None when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return frozenset(int(part) for part in re.split(r"[,\s]+", raw) if part)
    except ValueError:
        raise ConfigError(f"{name} must be Telegram ids separated by commas, got {raw!r}") from None
