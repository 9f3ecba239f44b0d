"""Connection settings for the cluster, the client, and the one error callers handle."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_INDEX_NAME = "arabic-qa"
TIMEOUT_SECONDS = 30


class BackendUnavailable(Exception):
    """The cluster cannot be reached or refused a request; the message is one English line."""


@dataclass(frozen=True, slots=True)
class OpenSearchSettings:
    """Where the cluster is and how to log in. TLS certificates are verified by default."""

    url: str
    user: str | None = None
    password: str | None = None
    verify_certs: bool = True
    ca_certs: str | None = None
    index: str = DEFAULT_INDEX_NAME

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, url: str | None = None
    ) -> OpenSearchSettings:
        """Return the settings from OPENSEARCH_URL (or `url`), OPENSEARCH_USER,
        OPENSEARCH_PASSWORD, OPENSEARCH_CA_CERTS, OPENSEARCH_VERIFY_CERTS and OPENSEARCH_INDEX.

        Raises BackendUnavailable when no URL is given either way.
        """
        env = os.environ if environ is None else environ
        url = url or env.get("OPENSEARCH_URL", "").strip()
        if not url:
            raise BackendUnavailable(
                "error: no OpenSearch URL: set OPENSEARCH_URL or pass --opensearch-url"
            )
        verify = env.get("OPENSEARCH_VERIFY_CERTS", "true").strip().lower()
        return cls(
            url=url,
            user=env.get("OPENSEARCH_USER") or None,
            password=env.get("OPENSEARCH_PASSWORD") or None,
            verify_certs=verify not in ("0", "false", "no"),
            ca_certs=env.get("OPENSEARCH_CA_CERTS") or None,
            index=env.get("OPENSEARCH_INDEX") or DEFAULT_INDEX_NAME,
        )

    def __repr__(self) -> str:
        # Never show the password in logs or tracebacks.
        return f"OpenSearchSettings(url={self.url!r}, user={self.user!r}, index={self.index!r})"


def connect(settings: OpenSearchSettings) -> Any:
    """Return an `opensearchpy.OpenSearch` client for `settings`, after checking the cluster
    answers; raises BackendUnavailable with one line when it does not (or the extra is
    missing)."""
    try:
        from opensearchpy import OpenSearch
    except ImportError as exc:
        raise BackendUnavailable(
            'error: the OpenSearch backend needs opensearch-py: pip install -e ".[opensearch]"'
        ) from exc
    auth = (settings.user, settings.password or "") if settings.user else None
    client = OpenSearch(
        hosts=[settings.url],
        http_auth=auth,
        verify_certs=settings.verify_certs,
        ca_certs=settings.ca_certs,
        ssl_show_warn=False,
        timeout=TIMEOUT_SECONDS,
        max_retries=1,
    )
    guarded(lambda: client.cluster.health(), redacted(settings.url))
    return client


def redacted(url: str) -> str:
    """Return `url` without any user:password part, for messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="…@" + parts.netloc.rpartition("@")[2]))


def guarded(call: Any, where: str) -> Any:
    """Return `call()`, turning any transport or cluster error into BackendUnavailable."""
    from opensearchpy.exceptions import OpenSearchException

    try:
        return call()
    except OpenSearchException as exc:
        raise BackendUnavailable(f"error: OpenSearch at {where} failed: {_reason(exc)}") from exc


def _reason(exc: Exception) -> str:
    """Return a short reason for a client error: its status and error type, no traceback."""
    status = getattr(exc, "status_code", None)
    error = getattr(exc, "error", None)
    if isinstance(status, int):
        return f"HTTP {status} {error}"
    info = getattr(exc, "info", None)
    return f"cannot connect ({type(info).__name__ if info else type(exc).__name__})"
