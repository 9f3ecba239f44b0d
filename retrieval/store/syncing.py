"""Bring the index of a corpus folder in step with its files: load, update or rebuild.

`sync` starts from an index already in memory (`previous`) or from the persisted one,
re-analyzes only the files added or changed since (see retrieval/store/scan.py), drops the
removed ones and recompiles (equal to a full rebuild). `persist` saves a result; the saved
copy is a start-up cache, so a crash before the save only means that the next start updates
again. `open_index` does both, for programs that start, answer and stop.
"""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from retrieval import index
from retrieval.bm25 import BM25Params
from retrieval.corpus import SkippedFile
from retrieval.index import CorpusIndex
from retrieval.store.build import analyze_files, assemble, log_skipped
from retrieval.store.data import load_data, save
from retrieval.store.format import IndexCorrupt, Manifest, locked, read_manifest
from retrieval.store.scan import Changes, FileRecord, FileStat, diff, scan_corpus

log = logging.getLogger("retrieval.store")

DEFAULT_INDEX_DIRNAME = ".index"
NO_INDEX_YET = "no index yet"


class Outcome(StrEnum):
    """What `sync` did to obtain the index."""

    LOADED = "loaded"  # the starting index was current: no file changed
    UPDATED = "updated"  # changed files were re-analyzed into the starting index
    REBUILT = "rebuilt"  # every file was analyzed (no usable starting index)


@dataclass(frozen=True)
class SyncResult:
    """The index of a corpus folder, how it was obtained, and whether it is saved.

    `changes` are relative to the index it started from; `reason` says why everything was
    re-analyzed (None unless REBUILT). `files` are the records of the corpus files `index`
    holds; `manifest` describes a persisted data folder holding exactly `index` (None when
    it must be written) and `saved` says whether the persisted manifest also lists exactly
    these `files`.
    """

    index: CorpusIndex
    outcome: Outcome
    changes: Changes
    files: tuple[FileRecord, ...]
    skipped: tuple[SkippedFile, ...] = ()
    reason: str | None = None
    manifest: Manifest | None = None
    saved: bool = False

    @property
    def added(self) -> tuple[str, ...]:
        """Return the files added since the starting index."""
        return self.changes.added

    @property
    def modified(self) -> tuple[str, ...]:
        """Return the files whose bytes changed since the starting index."""
        return self.changes.modified

    @property
    def removed(self) -> tuple[str, ...]:
        """Return the files removed since the starting index."""
        return self.changes.removed


@dataclass(frozen=True)
class _Start:
    """The index an update starts from (None: none usable) and how the corpus differs."""

    index: CorpusIndex | None
    records: tuple[FileRecord, ...]
    changes: Changes
    manifest: Manifest | None = None
    saved: bool = False
    problem: str | None = None


def default_index_dir(corpus_dir: Path) -> Path:
    """Return where the index of `corpus_dir` lives unless told otherwise."""
    return Path(corpus_dir) / DEFAULT_INDEX_DIRNAME


def open_index(
    corpus_dir: Path,
    index_dir: Path | None = None,
    *,
    workers: int | None = None,
    progress: bool = False,
    verify: bool = False,
) -> SyncResult:
    """Return the index of `corpus_dir`, loaded from `index_dir` (default
    `<corpus_dir>/.index`) or brought up to date and saved there.

    With `verify`, every data file's sha256 is checked before use, not only the sizes and
    the JSON files' checksums (retrieval/store/format.py says why).

    A corrupt, truncated or foreign index is reported in one warning and rebuilt; a folder
    that cannot be written is reported in one warning and the index served from memory.
    Cheap when nothing changed. Raises FileNotFoundError when `corpus_dir` is missing.
    """
    index_dir = Path(index_dir) if index_dir is not None else default_index_dir(corpus_dir)
    synced = sync(corpus_dir, index_dir, workers=workers, progress=progress, verify=verify)
    return persist(index_dir, synced)


def sync(
    corpus_dir: Path,
    index_dir: Path | None = None,
    *,
    previous: SyncResult | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    verify: bool = False,
) -> SyncResult:
    """Return the index of `corpus_dir` brought up to date in memory, without saving it.

    Starts from `previous` (an index of the same corpus in memory) when given, otherwise
    from the persisted index in `index_dir`; re-analyzes only the files added or changed
    since, in worker processes only when `workers` or `executor` is given. Exists so that
    a running program can serve the new index before paying for the save (`persist`).
    Raises FileNotFoundError when `corpus_dir` is missing.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    index_dir = Path(index_dir) if index_dir is not None else default_index_dir(corpus_dir)
    now = scan_corpus(corpus_dir, index_dir)
    params = BM25Params()
    start = _start(corpus_dir, index_dir, now, params, previous, verify)
    unchanged = start.changes.unchanged if start.index is not None else {}
    fresh = analyze_files(
        corpus_dir,
        [p for p in now if p not in unchanged],
        workers=workers,
        executor=executor,
        progress=progress,
    )
    log_skipped(fresh)
    records = tuple(unchanged.get(path) or fresh[path][0] for path in now)
    skipped = tuple(SkippedFile(r.path, why) for r in records for why in r.skipped)
    if start.index is not None and not fresh and not start.changes.removed:
        saved = start.saved and start.records == records
        return SyncResult(
            start.index,
            Outcome.LOADED,
            start.changes,
            records,
            skipped,
            None,
            start.manifest,
            saved,
        )
    analysis = assemble(records, unchanged, fresh, start.index, start.records)
    outcome = Outcome.UPDATED if start.index is not None else Outcome.REBUILT
    reason = None if start.index is not None else (start.problem or NO_INDEX_YET)
    return SyncResult(
        index.compile_index(analysis, params), outcome, start.changes, records, skipped, reason
    )


def _start(
    corpus_dir: Path,
    index_dir: Path,
    now: dict[str, FileStat],
    params: BM25Params,
    previous: SyncResult | None,
    verify: bool,
) -> _Start:
    """Return the index an update starts from: `previous` when it is in memory and built
    with the same parameters, otherwise the persisted one."""
    if previous is None or previous.index.params != params:
        return _from_disk(corpus_dir, index_dir, now, params, verify)
    records = {r.path: r for r in previous.files}
    changes = diff(corpus_dir, now, records)
    return _Start(previous.index, previous.files, changes, previous.manifest, previous.saved)


def _from_disk(
    corpus_dir: Path, index_dir: Path, now: dict[str, FileStat], params: BM25Params, verify: bool
) -> _Start:
    """Return the persisted index of `index_dir` as a starting point (or why there is none)."""
    with locked(index_dir, exclusive=False):  # no writer may replace the data while we read
        stored = read_manifest(index_dir, params)
        changes = diff(corpus_dir, now, {r.path: r for r in stored.files})
        problem = stored.problem
        if stored.manifest is not None:
            try:
                base = load_data(index_dir, stored.manifest, verify=verify)
            except IndexCorrupt as exc:
                problem = f"index corrupt: {exc}"
            else:
                return _Start(base, stored.files, changes, stored.manifest, saved=True)
    if problem is not None:
        log.warning("index %s: %s; rebuilding", index_dir, problem)
    return _Start(None, stored.files, changes, problem=problem)


def persist(index_dir: Path, result: SyncResult) -> SyncResult:
    """Save `result` to `index_dir` unless it is saved already; return it marked saved.

    A folder that cannot be written is reported in one warning and `result` is returned
    unchanged (still unsaved, so a later call tries again): the index is served from memory.
    """
    if result.saved:
        return result
    try:
        with locked(index_dir, exclusive=True):
            manifest = save(index_dir, result.index, result.files, reuse=result.manifest)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        log.warning("cannot save the index to %s (%s); serving from memory", index_dir, reason)
        return result
    return dataclasses.replace(result, manifest=manifest, saved=True)
