"""Keep a `Retriever` current while the corpus folder changes under a running program.

`LiveRetriever` holds the Retriever that answers questions. `reload()` asks the store to
sync the index it holds in memory with the folder (one scan and diff, retrieval/store/scan.py:
a file whose bytes did not change is never re-read, even when touched), and only when a
file was added, changed or removed swaps a new Retriever in with a single reference
assignment, and then saves the index: a question that already holds the old Retriever
finishes on it, the next question sees the new one, and no question ever waits for a reload
or its save, or fails because of one.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from retrieval.corpus import SkippedFile
from retrieval.search import Retriever
from retrieval.store import Outcome, SyncResult, default_index_dir, persist, sync

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadReport:
    """What one load or reload did: the corpus size after it, what changed, what was
    skipped and why, how long it took, and the error that kept the old index, if any.

    `added`/`modified`/`removed` are corpus-relative file paths. `seconds` runs until the
    new index answered questions; `save_seconds` is the time spent saving it afterwards.
    """

    changed: bool
    articles: int
    sentences: int
    added: tuple[str, ...]
    modified: tuple[str, ...]
    removed: tuple[str, ...]
    skipped: tuple[SkippedFile, ...]
    seconds: float
    at: datetime
    error: str | None = None
    save_seconds: float = 0.0


class NotLoadedError(RuntimeError):
    """`LiveRetriever.current` was used before `load()` succeeded."""


class LiveRetriever:
    """Thread-safe holder of the current Retriever over a corpus folder that may change.

    Any thread may read `current` at any time; `reload()` may run in a worker thread while
    others search. Only one load or reload runs at a time.
    """

    def __init__(
        self, corpus_dir: Path, index_dir: Path | None = None, *, workers: int | None = None
    ) -> None:
        """Remember where the corpus and its persisted index (default `<corpus>/.index`)
        live, and how many worker processes may analyze many files at once (None: none);
        nothing is read yet."""
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = (
            Path(index_dir) if index_dir is not None else default_index_dir(self.corpus_dir)
        )
        self.workers = workers
        self._lock = threading.Lock()
        self._current: Retriever | None = None
        self._synced: SyncResult | None = None  # the index behind _current, and its files
        self._last_report: ReloadReport | None = None
        self._last_change: ReloadReport | None = None

    @property
    def current(self) -> Retriever:
        """Return the Retriever to answer one question with (keep it for that question).

        Raises NotLoadedError when `load()` has not succeeded yet.
        """
        retriever = self._current
        if retriever is None:
            raise NotLoadedError(f"corpus {self.corpus_dir} is not loaded yet: call load() first")
        return retriever

    @property
    def last_report(self) -> ReloadReport | None:
        """Return the report of the latest load or reload, or None before the first."""
        return self._last_report

    @property
    def last_change(self) -> ReloadReport | None:
        """Return the report of the latest load or reload that swapped in a new index
        (periodic checks that found nothing to do do not replace it), or None."""
        return self._last_change

    def load(self) -> ReloadReport:
        """Read the whole corpus and make it current; returns what was loaded.

        Unlike `reload`, a failure here raises (FileNotFoundError for a missing folder, or
        the underlying error), because there is no previous index to keep serving.
        """
        with self._lock:
            report = self._rebuild(force=True, keep_old_on_error=False)
        return report

    def reload(self, force: bool = False) -> ReloadReport:
        """Re-read the corpus if its files changed (or if `force`), and swap in the result.

        Blocking; safe to call from a worker thread while other threads search. Any failure
        keeps the old Retriever serving and is returned in the report's `error`.
        """
        with self._lock:
            return self._rebuild(force=force, keep_old_on_error=True)

    def _rebuild(self, force: bool, keep_old_on_error: bool) -> ReloadReport:
        started = time.perf_counter()
        at = datetime.now(UTC)
        try:
            if not self.corpus_dir.is_dir():
                raise FileNotFoundError(f"corpus folder not found: {self.corpus_dir}")
            # Starts from the index in memory (or, on the first load, the persisted one) and
            # re-reads only the files whose bytes changed since.
            synced = sync(
                self.corpus_dir, self.index_dir, previous=self._synced, workers=self.workers
            )
            unchanged = self._current is not None and synced.outcome is Outcome.LOADED
            retriever = None if unchanged and not force else Retriever(synced.index, synced.skipped)
        except Exception as exc:
            if not keep_old_on_error:
                raise
            return self._failed(exc, time.perf_counter() - started, at)
        if retriever is None:  # nothing changed (a touched file keeps its new times)
            self._synced = self._persist(synced)
            report = self._report(False, (), (), (), time.perf_counter() - started, at)
            self._last_report = report
            return report
        return self._swap_in(retriever, synced, started, at)

    def _failed(self, exc: Exception, seconds: float, at: datetime) -> ReloadReport:
        """Log a failed reload in one line (a traceback only for a bug) and report it."""
        if isinstance(exc, OSError):  # e.g. the folder was moved away: no bug to trace
            log.warning(
                "reload of %s failed (%s); still serving the previous index", self.corpus_dir, exc
            )
        else:
            log.exception("reload of %s failed; still serving the previous index", self.corpus_dir)
        report = replace(
            self._report(False, (), (), (), seconds, at), error=f"{type(exc).__name__}: {exc}"
        )
        self._last_report = report
        return report

    def _swap_in(
        self, retriever: Retriever, synced: SyncResult, started: float, at: datetime
    ) -> ReloadReport:
        """Make `retriever` current, then save its index; return the report."""
        first_load = self._current is None
        # A first load reports every file as added: all of them are new to this program.
        added = tuple(r.path for r in synced.files) if first_load else synced.added
        # One reference assignment: readers see either the old or the new Retriever.
        self._current = retriever
        self._synced = synced
        served = time.perf_counter() - started
        self._synced = self._persist(synced)
        report = replace(
            self._report(True, added, synced.modified, synced.removed, served, at),
            save_seconds=time.perf_counter() - started - served,
        )
        self._last_report = self._last_change = report
        if first_load and synced.outcome is not Outcome.REBUILT:
            # The store logs skips only for the files it reads; on a start from the persisted
            # index, name the other skipped files once so the operator sees them.
            read_now = set(synced.added) | set(synced.modified)
            for skipped in report.skipped:
                if skipped.path not in read_now:
                    log.warning("skipped %s: %s", skipped.path, skipped.reason)
        log.info(
            "corpus %s %s: %d articles, %d sentences (+%d ~%d -%d files) in %.2fs, saved in %.2fs",
            self.corpus_dir,
            synced.outcome,
            report.articles,
            report.sentences,
            len(added),
            len(synced.modified),
            len(synced.removed),
            report.seconds,
            report.save_seconds,
        )
        return report

    def _persist(self, synced: SyncResult) -> SyncResult:
        """Save `synced` (already serving) as the start-up cache; return it as saved, or
        unchanged when the save failed, so that the next change tries again."""
        try:
            return persist(self.index_dir, synced)
        except Exception:  # the new index already serves; a bug in saving must not undo that
            log.exception("saving the index to %s failed; serving from memory", self.index_dir)
            return synced

    def _report(
        self,
        changed: bool,
        added: tuple[str, ...],
        modified: tuple[str, ...],
        removed: tuple[str, ...],
        seconds: float,
        at: datetime,
    ) -> ReloadReport:
        retriever = self._current
        return ReloadReport(
            changed=changed,
            articles=len(retriever.articles) if retriever else 0,
            sentences=retriever.index.n_sentences if retriever else 0,
            added=added,
            modified=modified,
            removed=removed,
            skipped=retriever.skipped if retriever else (),
            seconds=seconds,
            at=at,
        )
