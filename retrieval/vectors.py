"""Corpus-trained word vectors keyed by index terms, and the file that ships them.

The vectors are FastText's (gensim), trained on the analyzed terms of SaudiNewsNet by
`python -m retrieval vectors` (retrieval/vectors_train.py), so a vector belongs to a light-stemmed,
normalized term exactly as `analyzer.terms` produces it. Serving only reads the file, with numpy.

File format (one `.npz`, no object arrays, read with `allow_pickle=False`):

- `header`: UTF-8 JSON as uint8 — the format version, the analysis it was made with and how;
- `terms`: UTF-8 terms joined by newlines, as uint8;
- `vectors`: float16, one L2-normalised row per term.

A missing or unreadable file, or one made with another analysis, costs one warning and leaves
every term without a vector (the reranker's vector features then fall back to exact matching).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval import analyzer

FORMAT_VERSION = 1
VECTORS_PATH = Path(__file__).resolve().parent / "models" / "vectors.npz"

# Words of every shape the analyzer handles (clitics, article, pronouns, plurals, numbers):
# vectors are keyed by their terms, so a file is usable while these analyze the same way.
# Not ANALYZER_VERSION, which also moves when only the stored index changes.
_PROBE = """وبالمدارس فالكتاب للطلاب والمعلمين أطروحته بفريستها لبريطانيا البريطانية فريقاً
مؤسسة تأسيس وفاة توفي أنهار نهر المملكة العربية السعودية كانت هو 2015 3.5 cnnالعربية"""

log = logging.getLogger(__name__)


def analysis_fingerprint() -> str:
    """Return a digest of how the analyzer turns words into terms (see `_PROBE`)."""
    text = "\n".join(analyzer.terms(_PROBE)) + "\n" + " ".join(sorted(analyzer.STOPWORDS))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class VectorsFormatError(ValueError):
    """The file is not a vectors file this code can read."""


@dataclass(frozen=True, slots=True)
class TermVectors:
    """Unit word vectors (float16 rows) of `terms`, in order, and how they were made."""

    terms: tuple[str, ...]
    vectors: np.ndarray
    header: dict[str, Any] = field(default_factory=dict)
    row: dict[str, int] = field(init=False, repr=False, compare=False)  # term → its row
    # The rows as float32 for arithmetic (numpy is slow on float16), made once per file:
    # a cluster's candidate corpus sets up a reranker per question.
    float32: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "row", {term: i for i, term in enumerate(self.terms)})
        object.__setattr__(self, "float32", np.asarray(self.vectors, dtype=np.float32))

    def rows_of(self, vocabulary: dict[str, int]) -> np.ndarray:
        """Return, per term id of an index `vocabulary`, its row in `vectors` or -1.

        Computed once per index, so that a question's features read rows by term id.
        """
        rows = np.full(len(vocabulary), -1, dtype=np.int32)
        for term, i in vocabulary.items():
            rows[i] = self.row.get(term, -1)
        return rows


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Return `vectors` with each row scaled to length 1 (zero rows stay zero), as float16."""
    matrix = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float16)


def _text_array(text: str) -> np.ndarray:
    """Return `text` as a uint8 array of its UTF-8 bytes (no object arrays, no pickle)."""
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def save(path: Path, vectors: TermVectors) -> None:
    """Write `vectors` to `path` (see the module docstring for the format)."""
    if any("\n" in term or not term for term in vectors.terms):
        raise ValueError("a term is empty or holds a newline")
    header = {**vectors.header, "format": FORMAT_VERSION, "analysis": analysis_fingerprint()}
    arrays = {
        "header": _text_array(json.dumps(header, ensure_ascii=False, sort_keys=True)),
        "terms": _text_array("\n".join(vectors.terms)),
        "vectors": unit_rows(vectors.vectors),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # np.savez stamps each member with the time: written by hand, the same vectors give
    # the same bytes, so a retrained file shows whether anything changed. The float16
    # matrix is stored as is: deflating it saves 5% and costs 20 ms at every start.
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            member_info = zipfile.ZipInfo(f"{name}.npy")
            if name != "vectors":
                member_info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(member_info, "w") as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def read(path: Path) -> TermVectors:
    """Return the vectors in `path`; raise OSError or VectorsFormatError when unusable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode("utf-8"))
            text = bytes(data["terms"]).decode("utf-8")
            matrix = data["vectors"]
    except (KeyError, ValueError, UnicodeDecodeError, zipfile.BadZipFile, EOFError) as exc:
        raise VectorsFormatError(f"not a vectors file: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
        raise VectorsFormatError(f"format {header.get('format')!r}, expected {FORMAT_VERSION}")
    if header.get("analysis") != analysis_fingerprint():
        raise VectorsFormatError("made with another analyzer")
    terms = tuple(text.split("\n")) if text else ()
    if matrix.dtype != np.float16 or matrix.ndim != 2 or len(matrix) != len(terms):
        raise VectorsFormatError("vectors do not match the terms")
    return TermVectors(terms, matrix, header)


@functools.lru_cache(maxsize=4)
def load(path: Path = VECTORS_PATH) -> TermVectors | None:
    """Return the vectors at `path`, or None (after one warning) when missing or unusable.

    Cached: every Retriever (one per reload) shares the vectors of an unchanged path.
    """
    try:
        return read(path)
    except (OSError, VectorsFormatError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        log.warning("word vectors %s unusable (%s); matching exact terms only", path, reason)
        return None
