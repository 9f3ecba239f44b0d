"""What the bot holds when it answers from a cluster: `LiveRetriever`'s surface, no folder.

The corpus is sent to the cluster by `python -m retrieval index --backend opensearch` (run
by the operator or a timer); the bot only reads. A cluster that is down at start or later
never stops the bot: searches raise BackendUnavailable, which the bot answers with «الخدمة
غير متاحة مؤقتًا»; every question tries the cluster again, and the bot's reload loop
reconnects when the first connection failed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from retrieval.corpus import Article
from retrieval.live import ReloadReport
from retrieval.opensearch import schema
from retrieval.opensearch.backend import OpenSearchBackend
from retrieval.opensearch.client import (
    BackendUnavailable,
    OpenSearchSettings,
    connect,
    guarded,
    redacted,
)
from retrieval.search import CorpusStats, Retriever

log = logging.getLogger(__name__)
EXAMPLE_ARTICLES = 20


class ClusterRetriever(Retriever):
    """A `Retriever` over a cluster with the corpus figures the bot shows."""

    def __init__(self, backend: OpenSearchBackend, sample: list[Article]) -> None:
        super().__init__(backend)
        self.cluster = backend
        self.sample = sample  # a few articles for example questions, not the corpus

    @property
    def articles(self) -> Sequence[Article]:
        """Return a few of the cluster's articles, for example questions."""
        return self.sample

    def stats(self) -> CorpusStats:
        """Return article and sentence counts from the cluster's meta document."""
        views = self.cluster.views
        return CorpusStats(
            articles=views[schema.ARTICLE_FIELD].n_docs,
            sentences=views[schema.SENTENCE_FIELD].n_docs,
            vocabulary=0,  # not counted by the cluster
            sources={},
        )


class ClusterLive:
    """Thread-safe holder of the current `ClusterRetriever`; reconnects when needed."""

    def __init__(self, settings: OpenSearchSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._current: ClusterRetriever | None = None
        self._last_report: ReloadReport | None = None
        self._last_change: ReloadReport | None = None

    @property
    def current(self) -> ClusterRetriever:
        """Return the retriever to answer with (its searches raise BackendUnavailable while
        the cluster is down, and work again when it is back).

        Raises BackendUnavailable when no connection succeeded yet; never connects itself
        (the bot reads it in its event loop): `reload`, run by the bot's reload loop in a
        worker thread, reconnects.
        """
        retriever = self._current
        if retriever is None:
            raise BackendUnavailable(
                f"error: OpenSearch at {redacted(self.settings.url)} is not connected yet"
            )
        return retriever

    @property
    def last_report(self) -> ReloadReport | None:
        """Return the report of the latest (re)connection, or None before the first."""
        return self._last_report

    @property
    def last_change(self) -> ReloadReport | None:
        """Return the report of the latest (re)connection that found another index."""
        return self._last_change

    def load(self) -> ReloadReport:
        """Connect to the cluster; a failure is logged and reported, never raised."""
        return self.reload(force=True)

    def reload(self, force: bool = False) -> ReloadReport:
        """Re-read the cluster's meta document (cheap); reconnect when it failed before."""
        started, at = time.perf_counter(), datetime.now(UTC)
        with self._lock:
            before = self._current
            try:
                reuse = before is not None and not force
                client = before.cluster.client if before and reuse else connect(self.settings)
                backend = OpenSearchBackend(client, self.settings.index)
                changed = before is None or (before.cluster.generation, before.cluster.views) != (
                    backend.generation,
                    backend.views,
                )
                retriever = _with_examples(client, backend) if changed or not before else before
            except BackendUnavailable as exc:
                log.warning("%s; answering «service unavailable» until it is back", exc)
                self._current = None
                self._last_report = _report(None, started, at, str(exc), changed=False)
                return self._last_report
            self._current = retriever
            report = _report(retriever, started, at, None, changed=changed)
            if changed:
                self._last_change = report
            self._last_report = report
            return report


def _with_examples(client: Any, backend: OpenSearchBackend) -> ClusterRetriever:
    """Return a retriever over `backend`, with a few articles for example questions."""
    alias = backend.alias
    body = {"size": EXAMPLE_ARTICLES, "query": {"term": {"kind": "article"}}, "_source": ["id"]}
    found = guarded(lambda: client.search(index=alias, body=body), alias)["hits"]["hits"]
    sample = backend.articles([hit["_id"] for hit in found])
    return ClusterRetriever(backend, list(sample.values()))


def _report(
    retriever: ClusterRetriever | None,
    started: float,
    at: datetime,
    error: str | None,
    *,
    changed: bool,
) -> ReloadReport:
    """Return a `ReloadReport` of one (re)connection, for the bot's /stats and logs."""
    stats = retriever.stats() if retriever is not None else None
    return ReloadReport(
        changed=changed,
        articles=stats.articles if stats else 0,
        sentences=stats.sentences if stats else 0,
        added=(),
        modified=(),
        removed=(),
        skipped=(),
        seconds=time.perf_counter() - started,
        at=at,
        error=error,
    )
