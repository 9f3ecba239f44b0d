"""BM25 as rank-bm25's `BM25Okapi` defines it, precomputed into a sparse term × document matrix.

rank-bm25's `get_scores` walks every document in Python for every query term; here the same
per-term weights (idf with the epsilon floor, k1, b) are one scipy.sparse row per term, so a
question only reads the rows (postings) of its own terms. tests/test_bm25_equivalence.py keeps
both equal. The index (retrieval/index.py) keeps one such matrix per view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

# Postings shorter than 1/8 of the documents are merged by sorting, longer ones in a dense
# array (measured by benchmarks/search_speed.py: each wins on its side of that line).
_SORT_MERGE_RATIO = 8


@dataclass(frozen=True, slots=True)
class BM25Params:
    """BM25Okapi parameters, with rank-bm25's defaults."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


@dataclass(frozen=True, slots=True)
class WholeView:
    """One view's figures in a whole corpus, for BM25 over a few documents cut from it.

    `df[t]` is how many documents of the whole corpus hold term t (-1: not known, the cut's
    own count is used: only the rows of the terms asked about are read). `idf_floor` is
    rank-bm25's epsilon × mean idf over the whole view's vocabulary.
    """

    n_docs: int
    avgdl: float
    idf_floor: float
    df: np.ndarray


@dataclass(slots=True)
class BM25Matrix:
    """BM25Okapi term weights as a CSR matrix: row = term id, column = document.

    `weights[t, d]` is exactly the contribution of term t to document d in rank-bm25's
    `get_scores`, so a document's score for a query is the sum of its query terms' rows.
    """

    weights: sparse.csr_matrix
    doc_lengths: np.ndarray

    @property
    def n_docs(self) -> int:
        """Return the number of documents (columns)."""
        return int(self.weights.shape[1])

    def scores(self, term_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Return (document ids ascending, scores) for the documents containing any of
        `term_ids`.

        A term id listed twice counts twice, as in rank-bm25. Only the postings of the given
        terms are read; documents outside them score 0 and are not returned.
        """
        indptr, indices, data = self.weights.indptr, self.weights.indices, self.weights.data
        rows = [slice(indptr[t], indptr[t + 1]) for t in term_ids]
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0)
        if len(rows) == 1:
            return indices[rows[0]].astype(np.int64), data[rows[0]].astype(np.float64)
        docs = np.concatenate([indices[row] for row in rows])
        values = np.concatenate([data[row] for row in rows])
        if len(docs) * _SORT_MERGE_RATIO < self.n_docs:
            # Few postings: merging them by sorting beats a pass over every document.
            found, inverse = np.unique(docs, return_inverse=True)
            return found.astype(np.int64), np.bincount(inverse, weights=values)
        totals = np.bincount(docs, weights=values, minlength=self.n_docs)
        touched = np.zeros(self.n_docs, dtype=bool)
        touched[docs] = True
        found = np.flatnonzero(touched)
        return found, totals[found]

    def dense_scores(self, term_ids: Sequence[int]) -> np.ndarray:
        """Return the score of every document for `term_ids` (what rank-bm25 returns)."""
        result = np.zeros(self.n_docs)
        docs, vals = self.scores(term_ids)
        result[docs] = vals
        return result


def term_counts(
    term_ids: np.ndarray, doc_ids: np.ndarray, n_terms: int, n_docs: int
) -> sparse.csr_matrix:
    """Return the term × document count matrix (CSR, int32) of token occurrences
    (term_ids[i] in doc_ids[i]); coo → csr sums the duplicate pairs."""
    ones = np.ones(len(term_ids), dtype=np.int32)
    return sparse.coo_matrix((ones, (term_ids, doc_ids)), shape=(n_terms, n_docs)).tocsr()


def bm25_weights(
    counts: sparse.csr_matrix,
    doc_lengths: np.ndarray,
    params: BM25Params,
    whole: WholeView | None = None,
) -> BM25Matrix:
    """Return the BM25Okapi weight matrix of a term × document count matrix.

    Follows rank-bm25 exactly: idf = ln((N - df + 0.5) / (df + 0.5)), negative idfs replaced
    by epsilon × the mean idf over the vocabulary that occurs, avgdl = tokens / documents,
    weight = idf × tf × (k1 + 1) / (tf + k1 × (1 - b + b × dl / avgdl)). With `whole`, the
    documents are a cut of a bigger corpus and N, df, the floor and avgdl are the whole's,
    so each weight is the one the whole corpus's matrix holds.
    """
    n_terms, n_docs = counts.shape
    df_int = np.diff(counts.indptr)
    if whole is not None:
        return _weights(counts, doc_lengths, params, _whole_idf(whole, df_int), whole.avgdl)
    df = df_int.astype(np.float64)
    present = df_int > 0
    idf = np.zeros(n_terms)
    idf[present] = np.log(n_docs - df[present] + 0.5) - np.log(df[present] + 0.5)
    if present.any():
        floor = params.epsilon * float(idf[present].mean())
        idf[present & (idf < 0)] = floor
    avgdl = float(doc_lengths.sum()) / n_docs if n_docs else 1.0
    return _weights(counts, doc_lengths, params, idf, avgdl)


def _whole_idf(whole: WholeView, own_df: np.ndarray) -> np.ndarray:
    """Return each term's idf in the whole corpus (rank-bm25's, with its floor)."""
    df = np.where(whole.df >= 0, whole.df, own_df).astype(np.float64)
    idf = np.log(whole.n_docs - df + 0.5) - np.log(df + 0.5)
    idf[idf < 0] = whole.idf_floor
    return np.asarray(idf, dtype=np.float64)


def _weights(
    counts: sparse.csr_matrix,
    doc_lengths: np.ndarray,
    params: BM25Params,
    idf: np.ndarray,
    avgdl: float,
) -> BM25Matrix:
    """Return the BM25Okapi weights of `counts` for per-term `idf` and mean length `avgdl`."""
    n_terms, n_docs = counts.shape
    df_int = np.diff(counts.indptr)
    # The length norm once per document, the per-entry arithmetic in place.
    doc_norm = params.k1 * (1 - params.b + params.b * doc_lengths / (avgdl or 1.0))
    tf = counts.data.astype(np.float64)
    denominator = doc_norm[counts.indices]
    denominator += tf
    tf *= params.k1 + 1
    tf /= denominator
    tf *= np.repeat(idf, df_int)
    weights = sparse.csr_matrix((tf, counts.indices, counts.indptr), shape=(n_terms, n_docs))
    return BM25Matrix(weights=weights, doc_lengths=doc_lengths)


def bm25_matrix(
    term_ids: np.ndarray,
    doc_ids: np.ndarray,
    n_terms: int,
    n_docs: int,
    params: BM25Params,
) -> BM25Matrix:
    """Return the BM25Okapi weight matrix for token occurrences (term_ids[i] in doc_ids[i])."""
    doc_lengths = np.bincount(doc_ids, minlength=n_docs).astype(np.float64)
    return bm25_weights(term_counts(term_ids, doc_ids, n_terms, n_docs), doc_lengths, params)


def grouped_counts(
    counts: sparse.csr_matrix, group_of_doc: np.ndarray, n_groups: int
) -> sparse.csr_matrix:
    """Return the counts of documents summed by group (a sparse product: cheaper than
    counting the tokens again, and exact on integers)."""
    n_docs = counts.shape[1]
    ones = np.ones(n_docs, dtype=np.int32)
    member = sparse.csr_matrix(
        (ones, group_of_doc.astype(np.int32), np.arange(n_docs + 1, dtype=np.int32)),
        shape=(n_docs, n_groups),
    )
    grouped = counts @ member
    grouped.sort_indices()
    return grouped
