"""Read and analyze corpus files, in this process or in workers, and assemble an index.

A plain library call analyzes in the calling process. Only a caller that passes an
executor or a `workers` count (the CLI and the bot do) gets worker processes; those are
started with "spawn" (the caller may be threaded), which imports the caller's main module
again, so such a caller runs under `if __name__ == "__main__":`. A worker that finds itself
importing an unguarded script stops at once and the files are analyzed in-process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import current_process, get_context
from pathlib import Path

from retrieval import index
from retrieval.corpus import read_file
from retrieval.store.scan import FileRecord, file_sha256

log = logging.getLogger("retrieval.store")

# Worker processes pay off only above a few seconds of analysis.
PARALLEL_MIN_BYTES = 4_000_000

Analyzed = dict[str, tuple[FileRecord, index.Analysis]]


def read_and_analyze(corpus_dir: Path, rel: str) -> tuple[FileRecord, index.Analysis]:
    """Return the fingerprint record and the analysis of one corpus file.

    Module-level so that worker processes can run it.
    """
    path = corpus_dir / rel
    try:
        st = path.stat()
        size, mtime_ns, ctime_ns = st.st_size, st.st_mtime_ns, st.st_ctime_ns
    except OSError:
        size, mtime_ns, ctime_ns = -1, -1, -1
    digest = file_sha256(path)
    contents = read_file(path, corpus_dir)
    record = FileRecord(
        path=rel,
        size=size,
        mtime_ns=mtime_ns,
        ctime_ns=ctime_ns,
        sha256=digest,
        articles=len(contents.articles),
        skipped=tuple(s.reason for s in contents.skipped),
    )
    return record, index.analyze(contents.articles)


def analyze_files(
    corpus_dir: Path,
    paths: list[str],
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> Analyzed:
    """Return read_and_analyze of every path; in `executor`, or in up to `workers` spawned
    processes, when one is given and the work is large; otherwise in this process."""
    sizes = {p: _size_or_zero(corpus_dir / p) for p in paths}
    results: Analyzed = {}
    tick = _progress_bar(sum(sizes.values()), progress)
    parallel = executor is not None or (workers or 0) > 1
    if parallel and len(paths) > 1 and sum(sizes.values()) >= PARALLEL_MIN_BYTES:
        try:
            _analyze_in_workers(corpus_dir, paths, sizes, workers, executor, results, tick)
        except Exception as exc:  # any failure is retried in-process, where a bug re-raises
            if getattr(current_process(), "_inheriting", False):
                # We are a new worker importing an unguarded main script (the flag
                # multiprocessing itself checks): stop rather than build the index twice.
                raise
            hint = ""
            if isinstance(exc, BrokenProcessPool):
                hint = ' (a script building an index must do so under if __name__ == "__main__")'
            log.warning("worker processes failed (%s)%s; analyzing in this process", exc, hint)
    for path in paths:
        if path not in results:
            results[path] = read_and_analyze(corpus_dir, path)
            tick(sizes[path])
    tick(-1)
    return results


def _analyze_in_workers(
    corpus_dir: Path,
    paths: list[str],
    sizes: dict[str, int],
    workers: int | None,
    executor: Executor | None,
    results: Analyzed,
    tick: Callable[[int], None],
) -> None:
    """Fill `results` from worker processes, largest file first (so that no big file is
    left for the end on one worker)."""
    own = executor is None
    if executor is None:
        count = min(workers or 1, len(os.sched_getaffinity(0)), len(paths))
        # spawn, not fork: the caller may be a threaded program (the bot).
        executor = ProcessPoolExecutor(count, mp_context=get_context("spawn"))
    try:
        by_size = sorted(paths, key=sizes.__getitem__, reverse=True)
        futures = {executor.submit(read_and_analyze, corpus_dir, p): p for p in by_size}
        for future in as_completed(futures):
            path = futures[future]
            results[path] = future.result()
            tick(sizes[path])
    finally:
        if own:
            executor.shutdown(cancel_futures=True)


def _progress_bar(total: int, enabled: bool) -> Callable[[int], None]:
    """Return a function advancing a byte progress bar on stderr (-1 closes it); a no-op
    unless `enabled` (tqdm is imported only then, to keep starts fast)."""
    if not enabled:
        return lambda _n: None
    import sys

    from tqdm import tqdm

    bar = tqdm(total=total, unit="B", unit_scale=True, desc="indexing", file=sys.stderr)
    bar.leave = False

    def tick(n: int) -> None:
        if n < 0:
            bar.close()
        else:
            bar.update(n)

    return tick


def log_skipped(results: Analyzed) -> None:
    """Log one warning per file read now that was skipped, in whole or in part."""
    for path, (record, _analysis) in sorted(results.items()):
        if len(record.skipped) == 1:
            log.warning("skipped %s: %s", path, record.skipped[0])
        elif record.skipped:
            count, first = len(record.skipped), record.skipped[0]
            log.warning("skipped %d records of %s (first: %s)", count, path, first)


def assemble(
    records: Iterable[FileRecord],
    unchanged: dict[str, FileRecord],
    fresh: Analyzed,
    base: index.CorpusIndex | None,
    previous: Iterable[FileRecord],
) -> index.Analysis:
    """Return the analysis of the whole corpus in file order: unchanged files' articles taken
    from `base` (one slice per run of consecutive unchanged files), the others from `fresh`.
    `previous` are the records `base` was built from, in its order."""
    if base is None:
        return index.concat([fresh[record.path][1] for record in records])
    base_analysis = base.analysis()
    first_article: dict[str, int] = {}
    position = 0
    for record in previous:
        first_article[record.path] = position
        position += record.articles
    parts: list[index.Analysis] = []
    run: tuple[int, int] | None = None  # [start, stop) of the articles taken from base
    for record in records:
        if record.path in unchanged:
            start = first_article[record.path]
            if run is not None and run[1] == start:
                run = (run[0], start + record.articles)
                continue
            if run is not None:
                parts.append(base_analysis.select(*run))
            run = (start, start + record.articles)
        else:
            if run is not None:
                parts.append(base_analysis.select(*run))
                run = None
            parts.append(fresh[record.path][1])
    if run is not None:
        parts.append(base_analysis.select(*run))
    return index.concat(parts)


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
