"""The on-disk format of a persisted index: manifest, data folder, checksums and lock.

An index folder holds:
- `manifest.json`: format and analyzer versions, BM25 parameters, the record (size, mtime,
  ctime, sha256, article count, skip reasons) of every corpus file, and the size and sha256
  of every data file. It is replaced atomically and last, so it always describes complete
  data: a crash mid-save leaves the previous index in use.
- `data-<id>/`: one generation of data files: `<field>.npy` for every numpy field of
  `CorpusIndex`, `<field>.<part>.npy` for its BM25 matrices, `articles.json` (metadata),
  `texts.bin` (UTF-8 article texts, byte offsets in `text_offsets.npy`), `vocabulary.json`.
  Arrays are memory-mapped read-only at load, so processes serving one index share pages;
  nothing is ever pickled.
- `.lock`: readers hold it shared, a writer exclusive (fcntl.flock), so no process reads a
  data folder that another is replacing.

Integrity: a save writes the sha256 of every data file. A load checks every data file's
size (catches truncation) and the sha256 of the two JSON files it parses anyway; hashing the
~300 MB of arrays of a 300k-sentence index would cost more than the whole warm start.
`load_data(..., verify=True)` (`python -m retrieval index --verify`) checks every checksum.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval import analyzer
from retrieval.bm25 import BM25Params
from retrieval.corpus import Article
from retrieval.index import CorpusIndex
from retrieval.store.scan import FileRecord

FORMAT_NAME = "arabic-qa-bm25-index"
FORMAT_VERSION = 4  # 4: stray control characters cleaned from article text
MANIFEST = "manifest.json"
# Files whose checksum is verified at every load (they are read whole anyway).
CHECKED_AT_LOAD = ("articles.json", "vocabulary.json")


class IndexCorrupt(Exception):
    """The persisted index is unusable (damaged, truncated, foreign or outdated)."""


@dataclass(frozen=True, slots=True)
class DataFile:
    """Size and sha256 of one file of a data folder, as saved."""

    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """The contents of `manifest.json`: what the data folder `data` holds and from which
    corpus files it was built."""

    data: str
    checksums: dict[str, DataFile]
    files: tuple[FileRecord, ...]
    counts: dict[str, int]
    params: BM25Params


@dataclass(frozen=True)
class StoredIndex:
    """What `read_manifest` found: a usable manifest, or why there is none.

    `files` are the corpus records the folder lists, even when it cannot be used (so that an
    update can still say what was added and removed); `problem` is None when the manifest
    is usable, or when there is no index at all (`missing`).
    """

    manifest: Manifest | None
    files: tuple[FileRecord, ...] = ()
    problem: str | None = None

    @property
    def missing(self) -> bool:
        """Return whether the folder holds no index at all (a first build)."""
        return self.manifest is None and self.problem is None


def identity(params: BM25Params) -> dict[str, Any]:
    """Return what must match for a persisted index to be reused as it is."""
    return {
        "format_version": FORMAT_VERSION,
        "analyzer_version": analyzer.ANALYZER_VERSION,
        "bm25_params": dataclasses.asdict(params),
        "index_fields": [f.name for f in dataclasses.fields(CorpusIndex) if f.name != "whole"],
        "article_fields": [f.name for f in dataclasses.fields(Article)],
    }


def read_manifest(index_dir: Path, params: BM25Params) -> StoredIndex:
    """Return the manifest of `index_dir` when it is readable, ours and current."""
    try:
        raw = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return StoredIndex(None)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return StoredIndex(
            None, problem=f"index corrupt: {MANIFEST} unreadable ({type(exc).__name__})"
        )
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        return StoredIndex(
            None, problem=f"foreign index: {MANIFEST} is not a {FORMAT_NAME} manifest"
        )
    problem: str | None = None
    for key, value in identity(params).items():
        if raw.get(key) != value:
            problem = f"{key.replace('_', ' ')} changed ({raw.get(key)} → {value})"
            break
    try:
        files = tuple(_record(f) for f in raw["files"])
    except (KeyError, TypeError, ValueError) as exc:
        # An older format may list files differently: its version change is the reason.
        return StoredIndex(
            None, problem=problem or f"index corrupt: {MANIFEST} has a bad file list ({exc})"
        )
    if problem is not None:
        return StoredIndex(None, files, problem)
    try:
        manifest = Manifest(
            data=str(raw["data"]),
            checksums={
                str(name): DataFile(int(c["size"]), str(c["sha256"]))
                for name, c in raw["checksums"].items()
            },
            files=files,
            counts={str(k): int(v) for k, v in raw["counts"].items()},
            params=params,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return StoredIndex(None, files, f"index corrupt: {MANIFEST} is incomplete ({exc})")
    return StoredIndex(manifest, files)


def _record(raw: dict[str, Any]) -> FileRecord:
    """Return one file record of the manifest; raises KeyError/TypeError/ValueError when it
    is not one (checked by type, not converted: 31k of them are read at every start)."""
    record = FileRecord(
        raw["path"],
        raw["size"],
        raw["mtime_ns"],
        raw["ctime_ns"],
        raw["sha256"],
        raw["articles"],
        tuple(raw["skipped"]),
    )
    if not (
        type(record.path) is str
        and type(record.size) is int
        and type(record.mtime_ns) is int
        and type(record.ctime_ns) is int
        and type(record.sha256) is str
        and type(record.articles) is int
        and all(type(s) is str for s in record.skipped)
    ):
        raise TypeError(f"bad file record {raw.get('path')!r}")
    return record


def manifest_json(manifest: Manifest) -> bytes:
    """Return `manifest` as the bytes of `manifest.json`."""
    record_fields = [f.name for f in dataclasses.fields(FileRecord)]
    content = {
        "format": FORMAT_NAME,
        **identity(manifest.params),
        "data": manifest.data,
        "counts": manifest.counts,
        "checksums": {
            name: {"size": c.size, "sha256": c.sha256} for name, c in manifest.checksums.items()
        },
        # Plain getattr: dataclasses.asdict deep-copies, slow on 31k records.
        "files": [{name: getattr(r, name) for name in record_fields} for r in manifest.files],
    }
    return json.dumps(content, ensure_ascii=False).encode("utf-8")


@contextmanager
def locked(index_dir: Path, exclusive: bool) -> Iterator[None]:
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
