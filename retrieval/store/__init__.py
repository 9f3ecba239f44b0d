"""Persist the index beside the corpus and keep it in step with the corpus files.

One module per job: `scan` (the one scan and diff of the corpus folder), `build` (read and
analyze files, in-process unless asked for workers, and assemble), `format` (manifest,
checksums, lock), `data` (the data folder's arrays, memory-mapped at load) and `syncing`
(load, update or rebuild: `open_index`, `sync`, `persist`).
"""

from retrieval.store.format import FORMAT_VERSION, IndexCorrupt, Manifest
from retrieval.store.scan import Changes, FileRecord, FileStat, diff, scan_corpus
from retrieval.store.syncing import (
    DEFAULT_INDEX_DIRNAME,
    Outcome,
    SyncResult,
    default_index_dir,
    open_index,
    persist,
    sync,
)

__all__ = [
    "DEFAULT_INDEX_DIRNAME",
    "FORMAT_VERSION",
    "Changes",
    "FileRecord",
    "FileStat",
    "IndexCorrupt",
    "Manifest",
    "Outcome",
    "SyncResult",
    "default_index_dir",
    "diff",
    "open_index",
    "persist",
    "scan_corpus",
    "sync",
]
