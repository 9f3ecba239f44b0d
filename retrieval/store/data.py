"""Write and read the data folder of a persisted index (layout: retrieval/store/format.py).

Every numpy field and every BM25Matrix field of `CorpusIndex` is saved and loaded by its
name, so a new array field of the index is persisted without touching this module. A
matrix's shape comes from its own arrays (rows = len(indptr) - 1, columns = documents).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from retrieval.atomic import fsync_dir, write_atomically
from retrieval.bm25 import BM25Matrix
from retrieval.corpus import Article
from retrieval.index import CorpusIndex
from retrieval.store.format import (
    CHECKED_AT_LOAD,
    MANIFEST,
    DataFile,
    IndexCorrupt,
    Manifest,
    manifest_json,
)
from retrieval.store.scan import FileRecord, file_sha256

_MATRIX_PARTS = ("indptr", "indices", "data", "doc_lengths")
# CorpusIndex fields stored in their own formats rather than as .npy arrays (`whole`: never).
_SPECIAL_FIELDS = ("articles", "vocabulary", "params", "whole")


def save(
    index_dir: Path,
    corpus_index: CorpusIndex,
    records: tuple[FileRecord, ...],
    reuse: Manifest | None = None,
) -> Manifest:
    """Write `corpus_index` and the file `records` to `index_dir` atomically; return the
    manifest written.

    Data goes into a new `data-<id>/` folder first; the manifest pointing to it replaces the
    old one last, so readers see either the old index or the new one, never a mix. With
    `reuse` (a manifest whose data folder holds exactly `corpus_index`), only the manifest
    is rewritten (new file records) when that folder still exists.
    Raises OSError when the folder cannot be written.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    if reuse is not None and (index_dir / reuse.data).is_dir():
        data_name, checksums = reuse.data, reuse.checksums
    else:
        data_name = f"data-{uuid.uuid4().hex[:12]}"
        tmp = index_dir / f"{data_name}.tmp"
        try:
            tmp.mkdir()
            checksums = write_data(tmp, corpus_index)
            fsync_dir(tmp)
            os.replace(tmp, index_dir / data_name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    manifest = Manifest(
        data=data_name,
        checksums=checksums,
        files=tuple(records),
        counts={
            "articles": len(corpus_index.articles),
            "sentences": corpus_index.n_sentences,
            "vocabulary": len(corpus_index.vocabulary),
        },
        params=corpus_index.params,
    )
    write_atomically(index_dir / MANIFEST, manifest_json(manifest))
    for old in index_dir.iterdir():
        if old.name.startswith("data-") and old.name != data_name:
            shutil.rmtree(old, ignore_errors=True)
    return manifest


def _contents(corpus_index: CorpusIndex) -> dict[str, bytes | np.ndarray]:
    """Return every data file of `corpus_index` by file name."""
    files: dict[str, bytes | np.ndarray] = {}
    for f in dataclasses.fields(CorpusIndex):
        value = getattr(corpus_index, f.name)
        if f.name in _SPECIAL_FIELDS:
            continue
        if isinstance(value, BM25Matrix):
            for part in _MATRIX_PARTS:
                source = value if part == "doc_lengths" else value.weights
                files[f"{f.name}.{part}.npy"] = np.asarray(getattr(source, part))
        else:
            files[f"{f.name}.npy"] = np.asarray(value)
    texts = [a.text.encode("utf-8") for a in corpus_index.articles]
    offsets = np.concatenate([[0], np.cumsum([len(t) for t in texts])]).astype(np.int64)
    files["text_offsets.npy"] = offsets
    # Article fields are strings or None: plain getattr, not dataclasses.asdict (its deep
    # copy took a second on 31k articles).
    names = [f.name for f in dataclasses.fields(Article) if f.name != "text"]
    metadata = [{name: getattr(a, name) for name in names} for a in corpus_index.articles]
    files["articles.json"] = json.dumps(metadata, ensure_ascii=False).encode("utf-8")
    files["vocabulary.json"] = json.dumps(list(corpus_index.vocabulary), ensure_ascii=False).encode(
        "utf-8"
    )
    files["texts.bin"] = b"".join(texts)
    return files


def write_data(folder: Path, corpus_index: CorpusIndex) -> dict[str, DataFile]:
    """Write every part of `corpus_index` into `folder` (each file fsynced); return the
    size and sha256 of each file by name."""
    checksums = {}
    for name, content in _contents(corpus_index).items():
        path = folder / name
        with path.open("wb") as out:
            if isinstance(content, bytes):
                out.write(content)
            else:
                np.save(out, content, allow_pickle=False)
            out.flush()
            os.fsync(out.fileno())
        checksums[name] = DataFile(path.stat().st_size, file_sha256(path))
    return checksums


def load_data(index_dir: Path, manifest: Manifest, *, verify: bool = False) -> CorpusIndex:
    """Return the CorpusIndex stored in the data folder `manifest` points to.

    Checks every file's size and the JSON files' sha256 (all checksums with `verify`), so
    truncation and damage are detected. Raises IndexCorrupt, never anything else for bad data.
    """
    try:
        folder = index_dir / manifest.data
        for name, expected in manifest.checksums.items():
            _check(folder / name, expected, verify or name in CHECKED_AT_LOAD)
        corpus_index = _read_data(folder, manifest)
    except IndexCorrupt:
        raise
    except (OSError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise IndexCorrupt(f"{type(exc).__name__}: {exc}") from exc
    if sum(r.articles for r in manifest.files) != len(corpus_index.articles):
        raise IndexCorrupt("article count differs from the file list")
    return corpus_index


def _check(path: Path, expected: DataFile, hash_it: bool) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IndexCorrupt(f"{path.name} is missing") from None
    if size != expected.size:
        raise IndexCorrupt(f"{path.name} is truncated or resized")
    if hash_it and file_sha256(path) != expected.sha256:
        raise IndexCorrupt(f"{path.name} fails its checksum")


def _read_data(folder: Path, manifest: Manifest) -> CorpusIndex:
    def array(name: str) -> np.ndarray:
        # Read-only memory map, as a plain ndarray view (not the np.memmap subclass).
        return np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False))

    terms = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
    metadata = json.loads((folder / "articles.json").read_text(encoding="utf-8"))
    offsets = array("text_offsets")
    texts = _bytes_map(folder / "texts.bin")
    if len(offsets) != len(metadata) + 1 or int(offsets[-1]) != len(texts):
        raise IndexCorrupt("texts.bin does not match its offsets")
    values: dict[str, Any] = {
        "articles": LazyArticles(metadata, offsets, texts),
        "vocabulary": {term: i for i, term in enumerate(terms)},
        "params": manifest.params,
    }
    for f in dataclasses.fields(CorpusIndex):
        if f.name in _SPECIAL_FIELDS:
            continue
        if f"{f.name}.indptr.npy" in manifest.checksums:
            values[f.name] = _matrix(array, f.name)
        else:
            values[f.name] = array(f.name)
    return CorpusIndex(**values)


def _bytes_map(path: Path) -> np.ndarray:
    """Return the bytes of `path` memory-mapped read-only (mmap refuses an empty file)."""
    if path.stat().st_size == 0:
        return np.empty(0, dtype=np.uint8)
    return np.asarray(np.memmap(path, dtype=np.uint8, mode="r"))


class LazyArticles(Sequence[Article]):
    """The articles of a loaded index, each made (and its text decoded) on first access.

    Decoding the texts of 30k articles took a third of a warm start; a question needs
    only the few articles of its hits. Immutable like the index it belongs to.
    """

    def __init__(self, metadata: list[dict[str, Any]], offsets: np.ndarray, texts: np.ndarray):
        self._metadata = metadata
        self._offsets = offsets
        self._texts = texts
        self._made: list[Article | None] = [None] * len(metadata)

    def __len__(self) -> int:
        return len(self._metadata)

    @overload
    def __getitem__(self, i: int) -> Article: ...

    @overload
    def __getitem__(self, i: slice) -> list[Article]: ...

    def __getitem__(self, i: int | slice) -> Article | list[Article]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        article = self._made[i]
        if article is None:
            start, end = int(self._offsets[i]), int(self._offsets[i + 1])
            text = self._texts[start:end].tobytes().decode("utf-8")
            article = self._made[i] = Article(**self._metadata[i], text=text)
        return article

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def _matrix(array: Any, name: str) -> BM25Matrix:
    """Return the BM25Matrix saved under `name`; its shape comes from its own arrays."""
    from scipy import sparse

    indptr = array(f"{name}.indptr")
    doc_lengths = array(f"{name}.doc_lengths")
    weights = sparse.csr_matrix(
        (array(f"{name}.data"), array(f"{name}.indices"), indptr),
        shape=(len(indptr) - 1, len(doc_lengths)),
    )
    return BM25Matrix(weights=weights, doc_lengths=doc_lengths)
