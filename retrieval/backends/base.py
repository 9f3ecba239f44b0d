"""The backend interface: for a question's analyzed terms, the corpus to rank.

A backend answers "for these analyzed terms, give me the candidate corpus": a `CorpusIndex`
holding every sentence the ranking may pick for them, whose BM25 weights and corpus-wide
figures (sentence count, per-term sentence df, mean sentence length, per-term maximum
weight, article count) are the whole corpus's (retrieval/whole.py). The embedded backend
hands back its whole in-memory index; a cluster hands back the articles holding its best
candidate sentences (retrieval/backends/candidates.py). Everything above it (the ranking,
learned reranker, answer-type cue, confidence and no-answer bands, follow-ups, near-copy
collapse, reply formatting) is `Retriever`'s one code path (retrieval/search.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from retrieval.bm25 import BM25Params
from retrieval.index import CorpusIndex


class SearchBackend(Protocol):
    """Where the corpus to rank for a question comes from; see the module docstring."""

    @property
    def resident(self) -> CorpusIndex | None:
        """Return the whole index when it is held in this process (None for a cluster):
        `Retriever` sets the ranking up over it once instead of once per question."""
        ...

    def candidate_corpus(
        self,
        terms: Sequence[str],
        articles: Sequence[str] = (),
        *,
        carried: Sequence[str] = (),
    ) -> CorpusIndex:
        """Return a corpus holding the best candidate sentences for the analyzed `terms`
        and the articles named in `articles` (a follow-up's previous article), with the
        whole corpus's figures. A follow-up's `carried` terms get candidates of their own,
        so that the question's own candidates are those it would get alone. The embedded
        backend returns its whole index."""
        ...


def idf(n_docs: int, df: int, floor: float) -> float:
    """Return rank-bm25's idf: ln((N - df + 0.5) / (df + 0.5)), `floor` when negative."""
    value = math.log(n_docs - df + 0.5) - math.log(df + 0.5)
    return floor if value < 0 else value


def term_weight(term_idf: float, tf: int, length: int, avgdl: float, params: BM25Params) -> float:
    """Return rank-bm25's BM25Okapi weight of a term `tf` times in a document of `length`
    terms (the entry of `bm25.BM25Matrix.weights`)."""
    norm = params.k1 * (1 - params.b + params.b * length / (avgdl or 1.0))
    return term_idf * tf * (params.k1 + 1) / (tf + norm)
