"""The embedded backend: the sparse BM25 matrices of one in-memory `CorpusIndex`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.backends.base import (
    ArticleShape,
    Candidates,
    ParagraphKey,
    Sentence,
    SentenceKey,
)
from retrieval.bm25 import BM25Matrix, BM25Params
from retrieval.corpus import Article
from retrieval.index import CorpusIndex


class EmbeddedBackend:
    """`SearchBackend` over a `CorpusIndex`: postings of the query terms only, exact scores."""

    def __init__(self, index: CorpusIndex) -> None:
        self.index = index
        self.params: BM25Params = index.params
        self.terms = list(index.vocabulary)  # ids are positions: the vocabulary is sorted
        self.article_number = {a.id: n for n, a in enumerate(index.articles)}
        self.article_start = np.searchsorted(index.sent_article, np.arange(len(index.articles) + 1))
        lengths = index.sentences.doc_lengths
        self.mean_length = float(lengths.mean()) if len(lengths) else 0.0

    def sentence_candidates(self, terms: Sequence[str], limit: int) -> Candidates:
        """Return up to `limit` sentences holding any of `terms`, best BM25 first."""
        docs, scores = self.index.sentences.scores(self.index.term_ids(terms))
        order = np.lexsort((docs, -scores))[:limit]
        return Candidates(
            sentences=[self._sentence(int(d)) for d in docs[order]],
            bm25=[float(s) for s in scores[order]],
            mean_length=self.mean_length,
        )

    def paragraph_bm25(self, terms: Sequence[str], keys: Sequence[ParagraphKey]) -> list[float]:
        """Return the BM25 of each paragraph in `keys` for `terms`."""
        index = self.index
        rows = []
        for article_id, number in keys:
            first = self.article_start[self.article_number[article_id]]
            rows.append(int(index.sent_paragraph[first]) + number)
        return _lookup(index.paragraphs, index.term_ids(terms), rows)

    def article_bm25(self, terms: Sequence[str], article_ids: Sequence[str]) -> list[float]:
        """Return the BM25 of each article (title included) for `terms`."""
        rows = [self.article_number[a] for a in article_ids]
        return _lookup(self.index.article_docs, self.index.term_ids(terms), rows)

    def article_shapes(self, article_ids: Sequence[str]) -> dict[str, ArticleShape]:
        """Return each article's sentence count and per-term sentence counts."""
        shapes = {}
        for article_id in article_ids:
            a = self.article_number[article_id]
            first, last = int(self.article_start[a]), int(self.article_start[a + 1])
            df: dict[str, int] = {}
            for s in range(first, last):
                for term in set(self._terms(s)):
                    df[term] = df.get(term, 0) + 1
            shapes[article_id] = ArticleShape(n_sentences=last - first, sentence_df=df)
        return shapes

    def sentence_df(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """Return (number of sentences, sentences holding each term)."""
        indptr = self.index.sentences.weights.indptr
        vocabulary = self.index.vocabulary
        df = {}
        for term in terms:
            t = vocabulary.get(term)
            df[term] = 0 if t is None else int(indptr[t + 1] - indptr[t])
        return self.index.n_sentences, df

    def sentences(self, refs: Sequence[SentenceKey]) -> dict[SentenceKey, Sentence]:
        """Return the sentences that exist among `refs`."""
        found = {}
        for article_id, number in refs:
            a = self.article_number.get(article_id)
            if a is None:
                continue
            s = int(self.article_start[a]) + number
            if number >= 0 and s < self.article_start[a + 1]:
                found[(article_id, number)] = self._sentence(s)
        return found

    def articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """Return the articles named."""
        return {a: self.index.articles[self.article_number[a]] for a in article_ids}

    def _terms(self, s: int) -> list[str]:
        ptr = self.index.sent_token_ptr
        return [self.terms[t] for t in self.index.token_terms[ptr[s] : ptr[s + 1]]]

    def _sentence(self, s: int) -> Sentence:
        index = self.index
        a = int(index.sent_article[s])
        first = int(self.article_start[a])
        return Sentence(
            article_id=index.articles[a].id,
            number=s - first,
            paragraph=int(index.sent_paragraph[s] - index.sent_paragraph[first]),
            start=int(index.sent_start[s]),
            end=int(index.sent_end[s]),
            text=index.sentence_text(s),
            key=int(index.sent_key[s]),
            terms=tuple(self._terms(s)),
        )


def _lookup(matrix: BM25Matrix, term_ids: Sequence[int], rows: Sequence[int]) -> list[float]:
    """Return the BM25 of documents `rows` of `matrix` for `term_ids` (one column read each)."""
    columns = matrix.weights[list(term_ids)][:, list(rows)]
    return [float(v) for v in np.asarray(columns.sum(axis=0)).ravel()]
