"""The reranker's word-vector feature: how close a sentence comes to the question words it
lacks (another derivation, a broken plural, a synonym: توفي / وفاة, أنهار / نهر).

Exact matching (features.py) sees only the question's own terms in the index; here each
question term, known to the corpus or not, also meets the sentence's terms through the
cosine of their word vectors (retrieval/vectors.py). A term without a vector only matches
itself, so without vectors (a missing file) the column is 0, its neutral value: the value
of a sentence with no close word.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval import vectors
from retrieval.index import CorpusIndex

# One column: a second one over the sentence with its paragraph neighbours, a sharpened
# cosine and a mean-vector cosine were measured and not kept (docs/quality.md).
NAMES = ("soft_gain",)  # idf-weighted best cosine of the question terms the sentence lacks


class Window(Protocol):
    """The candidates' window tokens (features._Window): token ids, owner row, in-sentence."""

    @property
    def tokens(self) -> np.ndarray: ...
    @property
    def owner(self) -> np.ndarray: ...
    @property
    def own(self) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class IndexVectors:
    """The word vectors of one index's terms: the row of each term id (-1: none)."""

    rows: np.ndarray
    found: vectors.TermVectors | None
    matrix: np.ndarray  # the vectors as float32 (`TermVectors.float32`)

    @classmethod
    def of(cls, index: CorpusIndex, path: Path = vectors.VECTORS_PATH) -> IndexVectors:
        """Return the vectors of `index`'s terms from the file at `path` (none when it is
        missing or unusable: `vectors.load` warns once)."""
        found = vectors.load(path)
        if found is None:
            none = np.zeros((1, 1), np.float32)
            return cls(np.full(len(index.vocabulary), -1, np.int32), None, none)
        return cls(found.rows_of(index.vocabulary), found, found.float32)

    def of_rows(self, rows: np.ndarray) -> np.ndarray:
        """Return the float32 vectors at `rows`, zero rows where a row is -1."""
        matrix: np.ndarray = self.matrix[np.maximum(rows, 0)]
        matrix[rows < 0] = 0.0
        return matrix

    def rows_of_terms(self, terms: tuple[str, ...]) -> np.ndarray:
        """Return the vector row of each of `terms` (known to the index or not), or -1."""
        row = self.found.row if self.found is not None else {}
        return np.asarray([row.get(term, -1) for term in terms], dtype=np.int64)


def _best_per_row(sims: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Return the column-wise maximum of `sims` over the tokens of each of `n` rows (`owner`
    sorted, as windows are built); 0 for a row without tokens."""
    best = np.zeros((n, sims.shape[1]), dtype=np.float32)
    counts = np.bincount(owner, minlength=n)
    starts = np.cumsum(counts) - counts
    filled = counts > 0
    if filled.any():
        best[filled] = np.maximum.reduceat(sims, starts[filled], axis=0)
    return best


def _question(
    index: CorpusIndex, terms: tuple[str, ...]
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Return (distinct terms, their ids or -1, their idf shares) of the question `terms`,
    those the corpus lacks included, with Lucene's idf over sentences (as
    `ranking.confidence` weighs them)."""
    distinct = tuple(dict.fromkeys(terms))
    ids = np.asarray([index.vocabulary.get(t, -1) for t in distinct], dtype=np.int64)
    df = np.where(ids >= 0, index.sentence_df(np.maximum(ids, 0)), 0).astype(np.float64)
    idf = np.log1p((index.total_sentences - df + 0.5) / (df + 0.5))
    return distinct, ids, idf / (float(idf.sum()) or 1.0)


def columns(
    vecs: IndexVectors, index: CorpusIndex, terms: tuple[str, ...], window: Window, n: int
) -> tuple[np.ndarray, ...]:
    """Return the columns `NAMES` of `n` candidates for the question `terms`: for each
    distinct term the sentence lacks, its best cosine with the sentence's terms, summed with
    idf weights over all the question's terms (those the corpus lacks included)."""
    distinct, ids, share = _question(index, terms)
    if not distinct:
        return tuple(np.zeros(n) for _ in NAMES)
    # Each distinct window term once (a window repeats many), then back to the tokens.
    unique, inverse = np.unique(window.tokens, return_inverse=True)
    asked = vecs.of_rows(vecs.rows_of_terms(distinct))
    # einsum, not @: OpenBLAS threads cost milliseconds on matrices this small.
    cosines = np.einsum("ud,qd->uq", vecs.of_rows(vecs.rows[unique]), asked)
    sims = np.clip(cosines, 0.0, 1.0)
    exact = unique[:, None] == ids[None, :]
    sims[exact] = 1.0
    own = window.own[:, None]
    stacked = np.hstack([sims[inverse] * own, exact[inverse] * own])
    best, present = np.split(_best_per_row(stacked, window.owner, n), 2, axis=1)
    return ((best - present) @ share,)
