"""Persist the index beside the corpus and keep it in step with the corpus files.

`open_index` is the entry point for programs that start, answer and stop: it loads the
persisted index when it matches the corpus, otherwise re-reads and re-analyzes only the added
and changed files, drops the removed ones, recompiles (equal to a full rebuild) and saves the
result. A long-running program that already holds an index (retrieval/live.py) calls
`update_index(previous=...)`, which starts from the index in memory instead of re-reading it
from disk, serves the result, and only then calls `persist`: the saved copy is a start-up
cache, so a crash before the save only means that the next start updates again.

Building many files at once analyzes them in worker processes started with "spawn", which
import the calling program's main module again: a script that builds an index must do so
under `if __name__ == "__main__":` (like `python -m retrieval` and `python -m bot` do).
A worker that finds itself importing an unguarded script stops at once, and the files are
analyzed in the calling process instead.

An index folder holds:
- `manifest.json`: format and analyzer versions, BM25 parameters, the fingerprint (size,
  mtime, ctime, sha256) of every corpus file with its article count and skip reasons, and the size
  and sha256 of every data file. It is replaced atomically and last, so it always describes
  complete data: a crash mid-save leaves the previous index in use.
- `data-<id>/`: one generation of data files: `<field>.npy` for every array of
  `CorpusIndex`, `<view>.<part>.npy` for its BM25 matrices, `articles.json` (metadata),
  `texts.bin` (UTF-8 article texts, byte offsets in `text_offsets.npy`), `vocabulary.json`.
  Arrays are read with `allow_pickle=False`; nothing is ever pickled.
- `.lock`: readers hold it shared, a writer exclusive, so no process reads a data folder that
  another is replacing (fcntl.flock; nothing is held while files are analyzed).
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing import current_process, get_context
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from tqdm import tqdm

from retrieval import analyzer, index
from retrieval.corpus import Article, SkippedFile, find_article_files, read_file
from retrieval.index import BM25Matrix, BM25Params, CorpusIndex

log = logging.getLogger(__name__)

DEFAULT_INDEX_DIRNAME = ".index"
FORMAT_NAME = "arabic-qa-bm25-index"
FORMAT_VERSION = 3  # 3: file records hold ctime_ns
MANIFEST = "manifest.json"

# Analyzing files in worker processes pays off only above a few seconds of work.
_PARALLEL_MIN_BYTES = 4_000_000
_MATRIX_PARTS = ("indptr", "indices", "data", "doc_lengths")
# CorpusIndex fields stored in their own formats rather than as .npy arrays.
_SPECIAL_FIELDS = ("articles", "vocabulary", "params")


class IndexCorrupt(Exception):
    """The persisted index is unusable (damaged, truncated, foreign or outdated)."""


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One corpus file as last indexed: its fingerprint, article count and skip reasons.

    ctime changes with permissions too, so a file skipped as unreadable is retried after a
    chmod even though its size and mtime stay the same.
    """

    path: str
    size: int
    mtime_ns: int
    ctime_ns: int
    sha256: str
    articles: int
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpenedIndex:
    """The index of a corpus folder and how it was obtained.

    `added`/`modified`/`removed` are corpus-relative file paths changed since the index it
    started from. `loaded_from_disk` is True when the persisted index was read (as it was, or
    as the base of an incremental update), `from_memory` when an index already in memory
    was; `rebuilt_reason` says why everything was re-analyzed. `files` are the fingerprints
    of the corpus files `index` holds; `data` is the manifest of a persisted data folder
    holding exactly `index` (None when it must be written) and `saved` says whether the
    persisted manifest describes exactly this index and these files.
    """

    index: CorpusIndex
    skipped: tuple[SkippedFile, ...]
    added: tuple[str, ...]
    modified: tuple[str, ...]
    removed: tuple[str, ...]
    rebuilt_reason: str | None
    loaded_from_disk: bool
    from_memory: bool = False
    files: tuple[FileRecord, ...] = ()
    data: dict[str, Any] | None = None
    saved: bool = False

    @property
    def outcome(self) -> str:
        """Return "loaded", "updated" or "rebuilt", for reports."""
        if self.rebuilt_reason is not None or not (self.loaded_from_disk or self.from_memory):
            return "rebuilt"
        return "updated" if (self.added or self.modified or self.removed) else "loaded"


def open_index(
    corpus_dir: Path, index_dir: Path | None = None, *, progress: bool = False
) -> OpenedIndex:
    """Return the index of `corpus_dir`, loaded from `index_dir` or brought up to date and
    saved there.

    `index_dir` defaults to `<corpus_dir>/.index`. A corrupt, truncated or foreign index
    is reported in one warning and rebuilt; an index folder that cannot be written is
    reported in one warning and the index is served from memory. Safe to call repeatedly;
    cheap when nothing changed. Raises FileNotFoundError when `corpus_dir` is missing.
    Call it under `if __name__ == "__main__":` in a script (see the module docstring).
    """
    corpus_dir = Path(corpus_dir)
    index_dir = Path(index_dir) if index_dir is not None else corpus_dir / DEFAULT_INDEX_DIRNAME
    return persist(index_dir, update_index(corpus_dir, index_dir, progress=progress))


def update_index(
    corpus_dir: Path,
    index_dir: Path | None = None,
    *,
    previous: OpenedIndex | None = None,
    progress: bool = False,
) -> OpenedIndex:
    """Return the index of `corpus_dir` brought up to date in memory, without saving it.

    Starts from `previous` (an index of the same corpus already in memory) when given,
    otherwise from the persisted index in `index_dir` (default `<corpus_dir>/.index`), and
    re-analyzes only the files added or changed since. `persist` saves the result. Exists so
    that a running program can serve the new index before paying for the save.
    Raises FileNotFoundError when `corpus_dir` is missing.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    index_dir = Path(index_dir) if index_dir is not None else corpus_dir / DEFAULT_INDEX_DIRNAME
    stats = scan_corpus(corpus_dir, index_dir)
    params = BM25Params()
    base: CorpusIndex | None = None
    base_data: dict[str, Any] | None = None
    base_saved = False
    problem: str | None = None
    if previous is not None and previous.index.params == params:
        base, base_data, base_saved = previous.index, previous.data, previous.saved
        previous_records = {r.path: r for r in previous.files}
        unchanged, modified = _unchanged_files(corpus_dir, stats, previous_records)
    else:
        with _lock(index_dir, exclusive=False):  # no writer may replace the data while we read
            manifest, problem = read_manifest(index_dir, params)
            previous_records = {r.path: r for r in manifest_files(manifest)}
            unchanged, modified = _unchanged_files(corpus_dir, stats, previous_records)
            if manifest is not None and problem is None:
                try:
                    base = load_data(index_dir, manifest)
                    base_data, base_saved = manifest, True
                except IndexCorrupt as exc:
                    problem = f"index corrupt: {exc}"
    if problem is not None:
        if problem != "no index yet":
            log.warning("index %s: %s; rebuilding", index_dir, problem)
        unchanged = {}
    to_read = sorted(stats.keys() - unchanged.keys())
    removed = sorted(previous_records.keys() - stats.keys())

    fresh = _read_and_analyze_all(corpus_dir, to_read, progress)
    _log_skipped(fresh)
    records = [unchanged.get(path) or fresh[path][0] for path in sorted(stats)]
    if base is not None and not to_read and not removed:
        result, data = base, base_data
        saved = base_saved and list(previous_records.values()) == records
    else:
        assembled = _assemble(records, unchanged, fresh, base, previous_records)
        result, data, saved = index.compile_index(assembled, params), None, False
    return OpenedIndex(
        index=result,
        skipped=tuple(SkippedFile(r.path, why) for r in records for why in r.skipped),
        added=tuple(sorted(stats.keys() - previous_records.keys())),
        modified=tuple(modified),
        removed=tuple(removed),
        rebuilt_reason=problem,
        loaded_from_disk=base is not None and previous is None,
        from_memory=base is not None and previous is not None,
        files=tuple(records),
        data=data,
        saved=saved,
    )


def persist(index_dir: Path, opened: OpenedIndex) -> OpenedIndex:
    """Save `opened` to `index_dir` unless it is saved already; return it marked saved.

    A folder that cannot be written is reported in one warning and `opened` is returned
    unchanged (still unsaved, so a later call tries again): the index is served from memory.
    """
    if opened.saved:
        return opened
    try:
        with _lock(index_dir, exclusive=True):
            manifest = save(index_dir, opened.index, list(opened.files), reuse_data=opened.data)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        log.warning("cannot save the index to %s (%s); serving from memory", index_dir, reason)
        return opened
    return dataclasses.replace(opened, data=manifest, saved=True)


def _unchanged_files(
    corpus_dir: Path, stats: dict[str, tuple[int, int, int]], previous: dict[str, FileRecord]
) -> tuple[dict[str, FileRecord], list[str]]:
    """Return the records of the files unchanged since `previous` (with their new times when
    only touched) and the paths of the modified ones. Only a file whose size, mtime or ctime
    changed is hashed; a file that could not be read before and can now hashes differently."""
    unchanged: dict[str, FileRecord] = {}
    modified: list[str] = []
    for path in sorted(stats.keys() & previous.keys()):
        record = previous[path]
        size, mtime_ns, ctime_ns = stats[path]
        if (size, mtime_ns, ctime_ns) == (record.size, record.mtime_ns, record.ctime_ns):
            unchanged[path] = record
        elif size == record.size and _file_sha256(corpus_dir / path) == record.sha256:
            unchanged[path] = dataclasses.replace(record, mtime_ns=mtime_ns, ctime_ns=ctime_ns)
        else:
            modified.append(path)
    return unchanged, modified


def _assemble(
    records: list[FileRecord],
    unchanged: dict[str, FileRecord],
    fresh: dict[str, tuple[FileRecord, index.Analysis]],
    base: CorpusIndex | None,
    previous: dict[str, FileRecord],
) -> index.Analysis:
    """Return the analysis of the whole corpus in file order: unchanged files' articles taken
    from `base` (one slice per run of consecutive unchanged files), the others from `fresh`."""
    base_analysis = base.analysis() if base is not None else None
    first_article: dict[str, int] = {}
    position = 0
    for record in previous.values():
        first_article[record.path] = position
        position += record.articles
    parts: list[index.Analysis] = []
    run: list[int] = []  # [start, stop) of the current run of articles taken from base
    for record in records:
        if record.path in unchanged and base_analysis is not None:
            start = first_article[record.path]
            if run and run[1] == start:
                run[1] = start + record.articles
                continue
            if run:
                parts.append(base_analysis.select(*run))
            run = [start, start + record.articles]
        else:
            if run:
                parts.append(base_analysis.select(*run))
                run = []
            parts.append(fresh[record.path][1])
    if run:
        parts.append(base_analysis.select(*run))
    return index.concat(parts)


def scan_corpus(corpus_dir: Path, index_dir: Path) -> dict[str, tuple[int, int, int]]:
    """Return (size, mtime_ns, ctime_ns) of every article file, by corpus-relative path.

    Files inside `index_dir` are never articles, even when it is not a hidden folder.
    """
    result: dict[str, tuple[int, int, int]] = {}
    inner_index: Path | None = index_dir.resolve()
    if not inner_index.is_relative_to(corpus_dir.resolve()):
        inner_index = None
    for path in find_article_files(corpus_dir):
        if inner_index is not None and path.resolve().is_relative_to(inner_index):
            continue
        rel = path.relative_to(corpus_dir).as_posix()
        try:
            stat = path.stat()
            result[rel] = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        except OSError:
            result[rel] = (-1, -1, -1)  # read_and_analyze records why it cannot be read
    return result


def _file_sha256(path: Path) -> str:
    """Return the sha256 hex digest of a file's bytes ("" when it cannot be read)."""
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return ""


def read_and_analyze(corpus_dir: Path, rel: str) -> tuple[FileRecord, index.Analysis]:
    """Return the fingerprint record and the analysis of one corpus file.

    Module-level so that worker processes can run it.
    """
    path = corpus_dir / rel
    try:
        stat = path.stat()
        size, mtime_ns, ctime_ns = stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns
    except OSError:
        size, mtime_ns, ctime_ns = -1, -1, -1
    digest = _file_sha256(path)
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


def _read_and_analyze_all(
    corpus_dir: Path, paths: list[str], progress: bool
) -> dict[str, tuple[FileRecord, index.Analysis]]:
    """Return read_and_analyze of every path, in worker processes when the work is large."""
    sizes = {p: _size_or_zero(corpus_dir / p) for p in paths}
    bar = tqdm(
        total=sum(sizes.values()),
        unit="B",
        unit_scale=True,
        desc="indexing",
        file=sys.stderr,
        disable=not progress,
        leave=False,
    )
    results: dict[str, tuple[FileRecord, index.Analysis]] = {}
    workers = min(len(os.sched_getaffinity(0)), len(paths))
    with bar:
        if workers < 2 or sum(sizes.values()) < _PARALLEL_MIN_BYTES:
            for path in paths:
                results[path] = read_and_analyze(corpus_dir, path)
                bar.update(sizes[path])
            return results
        try:
            # spawn, not fork: the caller may be a threaded program (the bot).
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                # Largest first, so that no big file is left for the end on one worker.
                by_size = sorted(paths, key=sizes.__getitem__, reverse=True)
                futures = {pool.submit(read_and_analyze, corpus_dir, p): p for p in by_size}
                for future in as_completed(futures):
                    path = futures[future]
                    results[path] = future.result()
                    bar.update(sizes[path])
        except Exception as exc:  # any failure is retried in-process, where a bug re-raises
            if getattr(current_process(), "_inheriting", False):
                # We are a new worker importing an unguarded main script (the flag
                # multiprocessing itself checks): stop rather than build the whole index a
                # second time; its RuntimeError tells the script's author what to do.
                raise
            hint = ""
            if isinstance(exc, BrokenProcessPool):
                hint = ' (a script building an index must do so under if __name__ == "__main__")'
            log.warning("worker processes failed (%s)%s; analyzing in this process", exc, hint)
        for path in paths:
            if path not in results:
                results[path] = read_and_analyze(corpus_dir, path)
                bar.update(sizes[path])
    return results


def _log_skipped(results: dict[str, tuple[FileRecord, index.Analysis]]) -> None:
    """Log one warning per file read now that was skipped, in whole or in part."""
    for path, (record, _analysis) in sorted(results.items()):
        if len(record.skipped) == 1:
            log.warning("skipped %s: %s", path, record.skipped[0])
        elif record.skipped:
            count, first = len(record.skipped), record.skipped[0]
            log.warning("skipped %d records of %s (first: %s)", count, path, first)


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@contextmanager
def _lock(index_dir: Path, exclusive: bool) -> Iterator[None]:
    """Hold a lock on `index_dir`: shared to read it, exclusive to write it (fcntl.flock).

    Nothing is held while files are analyzed, so a slow build never blocks readers. A
    folder that does not exist or cannot be written is not locked: there is nothing to
    protect in it (a save then reports why it failed).
    """
    try:
        if exclusive:
            index_dir.mkdir(parents=True, exist_ok=True)
        handle = (index_dir / ".lock").open("a")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- manifest


def read_manifest(index_dir: Path, params: BM25Params) -> tuple[dict[str, Any] | None, str | None]:
    """Return (manifest, problem): the manifest when it is readable and ours, and why it
    cannot be used as it is (None when it can)."""
    path = index_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, "no index yet"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"index corrupt: {MANIFEST} unreadable ({type(exc).__name__})"
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        return None, f"foreign index: {MANIFEST} is not a {FORMAT_NAME} manifest"
    problem = None
    for key, value in _expected_identity(params).items():
        if manifest.get(key) != value:
            problem = f"{key.replace('_', ' ')} changed ({manifest.get(key)} → {value})"
            break
    try:
        manifest_files(manifest)
    except (KeyError, TypeError, ValueError) as exc:
        # An older format may list files differently: its version change is the reason.
        return None, problem or f"index corrupt: {MANIFEST} has a bad file list ({exc})"
    return manifest, problem


def _expected_identity(params: BM25Params) -> dict[str, Any]:
    """Return what must match for a persisted index to be reused as it is."""
    return {
        "format_version": FORMAT_VERSION,
        "analyzer_version": analyzer.ANALYZER_VERSION,
        "bm25_params": dataclasses.asdict(params),
        "index_fields": [f.name for f in dataclasses.fields(CorpusIndex)],
        "article_fields": [f.name for f in dataclasses.fields(Article)],
    }


def manifest_files(manifest: dict[str, Any] | None) -> list[FileRecord]:
    """Return the corpus file records of a manifest, in path order."""
    if manifest is None:
        return []
    return [
        FileRecord(
            path=str(f["path"]),
            size=int(f["size"]),
            mtime_ns=int(f["mtime_ns"]),
            ctime_ns=int(f["ctime_ns"]),
            sha256=str(f["sha256"]),
            articles=int(f["articles"]),
            skipped=tuple(str(s) for s in f["skipped"]),
        )
        for f in manifest["files"]
    ]


# ---------------------------------------------------------------- save


def save(
    index_dir: Path,
    corpus_index: CorpusIndex,
    records: list[FileRecord],
    reuse_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write `corpus_index` and the file `records` to `index_dir` atomically; return the
    manifest written.

    Data goes into a new `data-<id>/` folder first; the manifest pointing to it replaces the
    old one last, so readers see either the old index or the new one, never a mix. With
    `reuse_data` (a manifest whose data folder holds exactly `corpus_index`), only the
    manifest is rewritten (new fingerprints) when that folder still exists.
    Raises OSError when the folder cannot be written.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    if reuse_data is not None and (index_dir / reuse_data["data"]).is_dir():
        data_name, checksums = reuse_data["data"], reuse_data["checksums"]
    else:
        data_name = f"data-{uuid.uuid4().hex[:12]}"
        tmp = index_dir / f"{data_name}.tmp"
        try:
            tmp.mkdir()
            checksums = _write_data(tmp, corpus_index)
            _fsync_dir(tmp)
            os.replace(tmp, index_dir / data_name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    manifest = {
        "format": FORMAT_NAME,
        **_expected_identity(corpus_index.params),
        "data": data_name,
        "counts": {
            "articles": len(corpus_index.articles),
            "sentences": corpus_index.n_sentences,
            "vocabulary": len(corpus_index.vocabulary),
        },
        "checksums": checksums,
        "files": [_record_json(r) for r in records],
    }
    _write_atomically(index_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False).encode())
    _fsync_dir(index_dir)
    for old in index_dir.iterdir():
        if old.name.startswith("data-") and old.name != data_name:
            shutil.rmtree(old, ignore_errors=True)
    return manifest


def _record_json(record: FileRecord) -> dict[str, Any]:
    """Return a file record as manifest JSON (dataclasses.asdict deep-copies: slow on 31k)."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(FileRecord)}


def _write_data(folder: Path, corpus_index: CorpusIndex) -> dict[str, dict[str, Any]]:
    """Write every part of `corpus_index` into `folder`; return {file: {size, sha256}}."""
    arrays: dict[str, np.ndarray] = {}
    for f in dataclasses.fields(CorpusIndex):
        value = getattr(corpus_index, f.name)
        if f.name in _SPECIAL_FIELDS:
            continue
        if isinstance(value, BM25Matrix):
            for part in _MATRIX_PARTS:
                source = value if part == "doc_lengths" else value.weights
                arrays[f"{f.name}.{part}"] = getattr(source, part)
        else:
            arrays[f.name] = np.asarray(value)
    texts = [a.text.encode("utf-8") for a in corpus_index.articles]
    arrays["text_offsets"] = np.concatenate([[0], np.cumsum([len(t) for t in texts])]).astype(
        np.int64
    )
    # Article fields are strings or None: plain getattr, not dataclasses.asdict (its deep
    # copy took a second on 31k articles).
    names = [f.name for f in dataclasses.fields(Article) if f.name != "text"]
    metadata = [{name: getattr(a, name) for name in names} for a in corpus_index.articles]
    files: dict[str, bytes | np.ndarray] = {
        "articles.json": json.dumps(metadata, ensure_ascii=False).encode("utf-8"),
        "vocabulary.json": json.dumps(list(corpus_index.vocabulary), ensure_ascii=False).encode(),
        "texts.bin": b"".join(texts),
    }
    files.update({f"{name}.npy": array for name, array in arrays.items()})
    checksums = {}
    for name, content in files.items():
        path = folder / name
        with path.open("wb") as out:
            if isinstance(content, bytes):
                out.write(content)
            else:
                np.save(out, content, allow_pickle=False)
            out.flush()
            os.fsync(out.fileno())
        checksums[name] = {"size": path.stat().st_size, "sha256": _file_sha256(path)}
    return checksums


def _write_atomically(path: Path, content: bytes) -> None:
    """Replace `path` with `content` so that readers see the old or the new file, whole."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


def _fsync_dir(folder: Path) -> None:
    """Make a rename inside `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- load


def load_data(index_dir: Path, manifest: dict[str, Any]) -> CorpusIndex:
    """Return the CorpusIndex stored in the data folder a manifest points to.

    Every data file is checked against the manifest's size and sha256 first, so truncation
    and damage are detected. Raises IndexCorrupt, never anything else for bad data.
    """
    try:
        folder = index_dir / str(manifest["data"])
        checksums: dict[str, dict[str, Any]] = manifest["checksums"]
        for name, expected in checksums.items():
            path = folder / name
            if not path.is_file():
                raise IndexCorrupt(f"{name} is missing")
            if path.stat().st_size != expected["size"]:
                raise IndexCorrupt(f"{name} is truncated or resized")
            if _file_sha256(path) != expected["sha256"]:
                raise IndexCorrupt(f"{name} fails its checksum")
        corpus_index = _read_data(folder, manifest)
    except IndexCorrupt:
        raise
    except (OSError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise IndexCorrupt(f"{type(exc).__name__}: {exc}") from exc
    if sum(r.articles for r in manifest_files(manifest)) != len(corpus_index.articles):
        raise IndexCorrupt("article count differs from the file list")
    return corpus_index


def _read_data(folder: Path, manifest: dict[str, Any]) -> CorpusIndex:
    def array(name: str) -> np.ndarray:
        return np.load(folder / f"{name}.npy", allow_pickle=False)

    terms = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
    metadata = json.loads((folder / "articles.json").read_text(encoding="utf-8"))
    offsets = array("text_offsets").tolist()
    blob = memoryview((folder / "texts.bin").read_bytes())
    articles = [
        Article(**meta, text=str(blob[offsets[i] : offsets[i + 1]], "utf-8"))
        for i, meta in enumerate(metadata)
    ]
    values: dict[str, Any] = {
        "articles": articles,
        "vocabulary": {term: i for i, term in enumerate(terms)},
        "params": BM25Params(**manifest["bm25_params"]),
    }
    for f in dataclasses.fields(CorpusIndex):
        if f.name in _SPECIAL_FIELDS:
            continue
        if f"{f.name}.indptr.npy" in manifest["checksums"]:
            doc_lengths = array(f"{f.name}.doc_lengths")
            weights = sparse.csr_matrix(
                (array(f"{f.name}.data"), array(f"{f.name}.indices"), array(f"{f.name}.indptr")),
                shape=(len(terms), len(doc_lengths)),
            )
            values[f.name] = BM25Matrix(weights=weights, doc_lengths=doc_lengths)
        else:
            values[f.name] = array(f.name)
    return CorpusIndex(**values)
