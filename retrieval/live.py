"""Keep a `Retriever` current while the corpus folder changes under a running program.

`LiveRetriever` holds the Retriever that answers questions. `reload()` checks a cheap
fingerprint of the article files (relative path, size, mtime, ctime) and, when something
changed, updates the index it holds in memory (re-analyzing only the changed files), swaps a
new Retriever in with a single reference assignment, and only then saves the index: a
question that already holds the old Retriever finishes on it, the next question sees the new
one, and no question ever waits for a reload or its save, or fails because of one.
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
from retrieval.store import DEFAULT_INDEX_DIRNAME, OpenedIndex, persist, scan_corpus, update_index

log = logging.getLogger(__name__)

# relative path → (size in bytes, modification time in ns, status change time in ns)
Fingerprint = dict[str, tuple[int, int, int]]


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


def fingerprint(corpus_dir: Path, index_dir: Path) -> Fingerprint:
    """Return (size, mtime_ns, ctime_ns) of every article file under `corpus_dir`, by
    relative path.

    Cheap (one stat per file, no reading), so it can run every few seconds to notice added,
    changed and removed files. Uses the index store's own scan, so both agree on what
    counts as an article file.
    """
    return scan_corpus(corpus_dir, index_dir)


def diff(old: Fingerprint, new: Fingerprint) -> tuple[tuple[str, ...], ...]:
    """Return (added, modified, removed) relative paths between two fingerprints, sorted."""
    added = tuple(sorted(new.keys() - old.keys()))
    removed = tuple(sorted(old.keys() - new.keys()))
    modified = tuple(sorted(p for p in new.keys() & old.keys() if new[p] != old[p]))
    return added, modified, removed


class LiveRetriever:
    """Thread-safe holder of the current Retriever over a corpus folder that may change.

    Any thread may read `current` at any time; `reload()` may run in a worker thread while
    others search. Only one load or reload runs at a time.
    """

    def __init__(self, corpus_dir: Path, index_dir: Path | None = None) -> None:
        """Remember where the corpus and its persisted index (default `<corpus>/.index`)
        live; nothing is read yet."""
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = (
            Path(index_dir) if index_dir is not None else self.corpus_dir / DEFAULT_INDEX_DIRNAME
        )
        self._lock = threading.Lock()
        self._current: Retriever | None = None
        self._opened: OpenedIndex | None = None  # the index behind _current, and its files
        self._fingerprint: Fingerprint = {}
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
            new_print = fingerprint(self.corpus_dir, self.index_dir)
            old_print = self._fingerprint if self._current is not None else {}
            added, modified, removed = diff(old_print, new_print)
            if self._current is not None and not force and not (added or modified or removed):
                report = self._report(False, (), (), (), time.perf_counter() - started, at)
                self._last_report = report
                return report
            # Starts from the index in memory (or, on the first load, the persisted one) and
            # re-reads only the files changed since.
            opened = update_index(self.corpus_dir, self.index_dir, previous=self._opened)
            retriever = Retriever(opened.index, opened.skipped)
        except Exception as exc:
            if not keep_old_on_error:
                raise
            if isinstance(exc, OSError):  # e.g. the folder was moved away: no bug to trace
                log.warning(
                    "reload of %s failed (%s); still serving the previous index",
                    self.corpus_dir,
                    exc,
                )
            else:
                log.exception(
                    "reload of %s failed; still serving the previous index", self.corpus_dir
                )
            report = replace(
                self._report(False, (), (), (), time.perf_counter() - started, at),
                error=f"{type(exc).__name__}: {exc}",
            )
            self._last_report = report
            return report
        first_load = self._last_change is None
        # One reference assignment: readers see either the old or the new Retriever.
        self._current = retriever
        self._fingerprint = new_print
        self._opened = opened
        served = time.perf_counter() - started
        self._opened = self._persist(opened)
        report = replace(
            self._report(True, added, modified, removed, served, at),
            save_seconds=time.perf_counter() - started - served,
        )
        self._last_report = self._last_change = report
        if first_load and opened.loaded_from_disk:
            # The store logs skips only for the files it reads; on a start from the persisted
            # index, name the other skipped files once so the operator sees them.
            read_now = set(opened.added) | set(opened.modified)
            for skipped in report.skipped:
                if skipped.path not in read_now:
                    log.warning("skipped %s: %s", skipped.path, skipped.reason)
        log.info(
            "corpus %s %s: %d articles, %d sentences (+%d ~%d -%d files) in %.2fs, saved in %.2fs",
            self.corpus_dir,
            opened.outcome,
            report.articles,
            report.sentences,
            len(added),
            len(modified),
            len(removed),
            report.seconds,
            report.save_seconds,
        )
        return report

    def _persist(self, opened: OpenedIndex) -> OpenedIndex:
        """Save `opened` (already serving) as the start-up cache; return it as saved, or
        unchanged when the save failed, so that the next change tries again."""
        try:
            return persist(self.index_dir, opened)
        except Exception:  # the new index already serves; a bug in saving must not undo that
            log.exception("saving the index to %s failed; serving from memory", self.index_dir)
            return opened

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
