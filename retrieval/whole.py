"""The whole corpus's figures, carried by a candidate corpus cut from it.

A cluster answers a question with a small corpus (retrieval/backends/candidates.py): the
articles holding the best candidate sentences. Everything the ranking, the reranker's
features and the confidence read about the corpus at large (how many sentences and articles
there are, how many sentences hold a term, the mean sentence length, the most a term weighs
in any sentence) must then be the whole corpus's, not the cut's. `CorpusIndex.whole` holds
them; `CorpusIndex.total_sentences`, `sentence_df`, ... read them, or the index's own
figures when it is the whole corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from retrieval.bm25 import WholeView


@dataclass(frozen=True, slots=True)
class WholeCorpus:
    """Figures of the whole corpus; per-term arrays follow the cut's term ids.

    `sentence_max[t]` is term t's highest BM25 weight over the whole corpus's sentences.
    """

    articles: int
    sentences: WholeView
    paragraphs: WholeView
    article_docs: WholeView
    sentence_max: np.ndarray

    def reordered(self, old_ids: np.ndarray) -> WholeCorpus:
        """Return the figures with term n taken from term `old_ids[n]` (the cut's vocabulary
        renumbered by `index.compile_index`)."""
        return WholeCorpus(
            articles=self.articles,
            sentences=replace(self.sentences, df=self.sentences.df[old_ids]),
            paragraphs=replace(self.paragraphs, df=self.paragraphs.df[old_ids]),
            article_docs=replace(self.article_docs, df=self.article_docs.df[old_ids]),
            sentence_max=self.sentence_max[old_ids],
        )
