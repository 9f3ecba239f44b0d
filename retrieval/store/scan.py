"""The one scan and diff of a corpus folder: which article files exist, and which changed.

`scan_corpus` walks the folder with os.scandir and takes one stat per article file from its
directory entry (no path resolving per file). `diff` compares a scan with the file records
an index was built from; a file whose size, mtime or ctime differ is hashed, and counts as
modified only when its bytes differ, so a `touch` never causes a rebuild. The store, live
reload, the bot's /reload and /stats and the CLI all use these two functions.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from retrieval.formats import ARTICLE_SUFFIXES


class FileStat(NamedTuple):
    """Size and times of one file as a scan saw them (-1 each when it could not be stat'ed).

    ctime changes with permissions too, so a file skipped as unreadable is looked at
    again after a chmod even though its size and mtime stay the same. A tuple, because a
    scan makes one per file (31k on SaudiNewsNet) and a diff compares them all.
    """

    size: int
    mtime_ns: int
    ctime_ns: int


UNREADABLE = FileStat(-1, -1, -1)


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One corpus file as last indexed: its stat, content hash, article count and skips."""

    path: str
    size: int
    mtime_ns: int
    ctime_ns: int
    sha256: str
    articles: int
    skipped: tuple[str, ...] = ()

    @property
    def stat(self) -> FileStat:
        """Return the size and times this record was made with."""
        return FileStat(self.size, self.mtime_ns, self.ctime_ns)


@dataclass(frozen=True, slots=True)
class Changes:
    """How a corpus folder differs from the records of an index (paths sorted).

    `unchanged` holds the records still valid, by path, with new times when a file was
    only touched; `modified` lists files whose bytes changed.
    """

    added: tuple[str, ...]
    modified: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: dict[str, FileRecord]

    @property
    def any(self) -> bool:
        """Return whether any file was added, modified or removed."""
        return bool(self.added or self.modified or self.removed)


def scan_corpus(corpus_dir: Path, index_dir: Path | None = None) -> dict[str, FileStat]:
    """Return the stat of every article file under `corpus_dir` by corpus-relative POSIX
    path, in sorted path order.

    Article files have a suffix of the formats registry and are not named README; hidden
    (".") and "_" files and folders are not articles, nor is anything inside `index_dir`.
    Symbolic links to files are followed, links to folders are not.
    """
    skip_dir = _identity(index_dir) if index_dir is not None else None
    found: dict[str, FileStat] = {}
    _walk(str(corpus_dir), "", skip_dir, found)
    return dict(sorted(found.items()))


def _walk(
    folder: str, prefix: str, skip_dir: tuple[int, int] | None, found: dict[str, FileStat]
) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith((".", "_")):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if skip_dir is None or _identity_of(entry) != skip_dir:
                    _walk(entry.path, f"{prefix}{name}/", skip_dir, found)
                continue
            stem, dot, suffix = name.rpartition(".")
            if not dot or f".{suffix.lower()}" not in ARTICLE_SUFFIXES:
                continue
            if stem.lower() == "readme" or not entry.is_file():
                continue
        except OSError:
            continue
        found[prefix + name] = _stat(entry)


def _stat(entry: os.DirEntry[str]) -> FileStat:
    try:
        st = entry.stat()
    except OSError:
        return UNREADABLE  # reading it will record why
    return FileStat(st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _identity_of(entry: os.DirEntry[str]) -> tuple[int, int]:
    st = entry.stat(follow_symlinks=False)
    return st.st_dev, st.st_ino


def diff(
    corpus_dir: Path, now: Mapping[str, FileStat], records: Mapping[str, FileRecord]
) -> Changes:
    """Return how the scan `now` differs from the file `records` of an index.

    Only a file whose stat differs from its record is hashed; equal bytes keep the record
    (with the new times). A file unreadable before and readable now hashes differently.
    """
    unchanged: dict[str, FileRecord] = {}
    modified: list[str] = []
    for path in sorted(now.keys() & records.keys()):
        record, stat = records[path], now[path]
        if stat == (record.size, record.mtime_ns, record.ctime_ns):
            unchanged[path] = record
        elif stat.size == record.size and file_sha256(corpus_dir / path) == record.sha256:
            unchanged[path] = dataclasses.replace(
                record, mtime_ns=stat.mtime_ns, ctime_ns=stat.ctime_ns
            )
        else:
            modified.append(path)
    return Changes(
        added=tuple(sorted(now.keys() - records.keys())),
        modified=tuple(modified),
        removed=tuple(sorted(records.keys() - now.keys())),
        unchanged=unchanged,
    )


def file_sha256(path: Path) -> str:
    """Return the sha256 hex digest of a file's bytes ("" when it cannot be read)."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return ""
