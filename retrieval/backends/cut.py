"""A cluster's view of an in-memory index: candidate corpora cut out of a `CorpusIndex`.

`CutBackend` answers each question as `OpenSearchBackend` does (the articles holding the
best candidate sentences, with the whole corpus's figures, compiled by
`candidates.candidate_corpus`) but from an index in this process, so the candidate-corpus
path can be tested and measured without a cluster (tests/test_backends.py,
benchmarks/lucene_idf_effect.py). Not a serving backend: the embedded one is faster.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.backends.candidates import (
    CorpusFigures,
    StoredArticle,
    StoredSentence,
    TermFigures,
    candidate_corpus,
    view_stats,
)
from retrieval.bm25 import BM25Matrix
from retrieval.index import CorpusIndex

CANDIDATE_SENTENCES = 300  # as `opensearch.backend.CANDIDATE_SENTENCES`


class CutBackend:
    """`SearchBackend` cutting each question's candidate corpus out of `index`: the articles
    of the best `candidate_sentences` sentences by `select` (rank-bm25's sentence BM25 by
    default; a subclass may choose like Lucene)."""

    def __init__(self, index: CorpusIndex, candidate_sentences: int = CANDIDATE_SENTENCES):
        self.index = index
        self.candidate_sentences = candidate_sentences
        # Term strings by id (the vocabulary is sorted: ids are positions), as an array so
        # that a sentence's terms are one fancy index.
        self.terms = np.array(list(index.vocabulary), dtype=object)
        self.article_start = np.searchsorted(index.sent_article, np.arange(len(index.articles) + 1))
        self.number = {a.id: n for n, a in enumerate(index.articles)}
        self.figures = CorpusFigures(
            articles=len(index.articles),
            sentences=view_stats(index.sentences, index.params.epsilon),
            paragraphs=view_stats(index.paragraphs, index.params.epsilon),
            article_docs=view_stats(index.article_docs, index.params.epsilon),
        )

    @property
    def resident(self) -> None:
        """Return None: every question gets its own candidate corpus."""
        return None

    def candidate_corpus(
        self,
        terms: Sequence[str],
        articles: Sequence[str] = (),
        *,
        carried: Sequence[str] = (),
    ) -> CorpusIndex:
        """Return the candidate corpus of `terms` (and, selected apart, `carried`) and the
        articles named in `articles`."""
        index, limit = self.index, self.candidate_sentences
        own, extra = index.term_ids(dict.fromkeys(terms)), index.term_ids(dict.fromkeys(carried))
        chosen = np.concatenate([self.select(own, limit), self.select(extra, limit)])
        ids = list(dict.fromkeys([*own, *extra]))
        numbers = set(self.index.sent_article[chosen].tolist())
        numbers |= {self.number[a] for a in articles if a in self.number}
        stored = [self._stored(a) for a in sorted(numbers)]
        return candidate_corpus(stored, self.figures, self._term_figures(ids), index.params)

    def select(self, term_ids: list[int], limit: int) -> np.ndarray:
        """Return the best `limit` sentences for `term_ids` by the sentence BM25."""
        if not term_ids:
            return np.empty(0, dtype=np.int64)
        docs, scores = self.index.sentences.scores(term_ids)
        return docs[np.lexsort((docs, -scores))][:limit]

    def _term_figures(self, term_ids: list[int]) -> TermFigures:
        """Return the whole index's figures of the terms `term_ids`."""
        index = self.index
        names = [str(self.terms[t]) for t in term_ids]

        def df(matrix: BM25Matrix) -> dict[str, int]:
            indptr = matrix.weights.indptr
            return {n: int(indptr[t + 1] - indptr[t]) for n, t in zip(names, term_ids, strict=True)}

        weights = index.sentences.weights
        top = {
            n: float(weights.data[weights.indptr[t] : weights.indptr[t + 1]].max(initial=0.0))
            for n, t in zip(names, term_ids, strict=True)
        }
        return TermFigures(df(index.sentences), df(index.paragraphs), df(index.article_docs), top)

    def _stored(self, a: int) -> StoredArticle:
        """Return article number `a` as a backend stores it."""
        index = self.index
        first, last = int(self.article_start[a]), int(self.article_start[a + 1])
        base = int(index.sent_paragraph[first]) if first < last else 0
        ptr, title_ptr = index.sent_token_ptr, index.title_token_ptr
        sentences = tuple(
            StoredSentence(
                paragraph=int(index.sent_paragraph[s]) - base,
                start=int(index.sent_start[s]),
                end=int(index.sent_end[s]),
                key=int(index.sent_key[s]),
                terms=tuple(self.terms[index.token_terms[ptr[s] : ptr[s + 1]]].tolist()),
            )
            for s in range(first, last)
        )
        title = tuple(self.terms[index.title_terms[title_ptr[a] : title_ptr[a + 1]]].tolist())
        return StoredArticle(index.articles[a], title, sentences)
