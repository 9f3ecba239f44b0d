"""One answer per story: collapse ranked near-copies and list who else carried a sentence.

The index names near-copies (`CorpusIndex.sent_cluster`, retrieval/dedup.py). At question
time `Copies.representatives` keeps one sentence per cluster, the best-scoring or on a tie
the earliest published, and folds in a sentence whose terms overlap a shown one's as much
as a copy's (`dedup.is_near_copy`) when the index's estimate kept them apart. `Copies.also`
lists the other articles holding a shown sentence's copies, for `Hit.also`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrieval import dedup
from retrieval.corpus import Article
from retrieval.index import CorpusIndex

# Copies listed per shown sentence: a boilerplate line may have hundreds.
ALSO_LIMIT = 10


@dataclass(frozen=True, slots=True)
class Copy:
    """A near-copy of a shown sentence in another article (the same news in another paper)."""

    sentence: int
    article: Article


@dataclass(slots=True)
class Representative:
    """A sentence chosen to be shown, and the near-copies folded into it at question time."""

    sentence: int
    score: float
    terms: frozenset[int]
    folded: list[int] = field(default_factory=list)


def publication_order(articles: list[Article]) -> np.ndarray:
    """Return each article's rank by publication date, earliest first (ISO dates compare as
    text; undated articles last, then in index order)."""
    order = sorted(
        range(len(articles)), key=lambda a: (not articles[a].date, articles[a].date or "")
    )
    rank = np.empty(len(articles), dtype=np.int64)
    rank[order] = np.arange(len(articles))
    return rank


class Copies:
    """The near-copy clusters of one index, ready for collapsing and attribution."""

    def __init__(self, index: CorpusIndex) -> None:
        self.index = index
        self.members = dedup.ClusterMembers(index.sent_cluster)
        # Sentences sort by (their article's publication rank, sentence id): one integer.
        self._published = publication_order(index.articles)[index.sent_article] * max(
            index.n_sentences, 1
        ) + np.arange(index.n_sentences)

    def representatives(
        self, docs: np.ndarray, scores: np.ndarray, wanted: int
    ) -> list[Representative]:
        """Return the first `wanted` ranked sentences to show (`docs` best first), one per
        cluster: its best-scoring sentence or, on a tie, the earliest published."""
        best: dict[int, int] = {}
        score_of, published = scores.tolist(), self._published[docs].tolist()
        for i, cluster in enumerate(self.index.sent_cluster[docs].tolist()):
            j = best.setdefault(cluster, i)
            if score_of[i] == score_of[j] and published[i] < published[j]:
                best[cluster] = i
        shown: list[Representative] = []
        for i in best.values():
            rep = Representative(int(docs[i]), score_of[i], self._terms(int(docs[i])))
            twin = next((s for s in shown if dedup.is_near_copy(rep.terms, s.terms)), None)
            if twin is not None:
                twin.folded.append(rep.sentence)
            elif len(shown) == wanted:
                break
            else:
                shown.append(rep)
        return shown

    def also(self, rep: Representative) -> tuple[Copy, ...]:
        """Return the copies of a shown sentence (its cluster's and those of the sentences
        folded into it) in other articles: one per article, earliest published first, at
        most ALSO_LIMIT."""
        index = self.index
        own = (rep.sentence, *rep.folded)
        parts = [self.members.of(int(index.sent_cluster[s])) for s in own]
        members = np.unique(np.concatenate([np.asarray(own, dtype=np.int64), *parts]))
        if len(members) < 2:
            return ()
        members = members[np.argsort(self._published[members], kind="stable")]
        articles = index.sent_article[members]
        _, first = np.unique(articles, return_index=True)
        first.sort()  # each article's earliest copy, in publication order
        home = int(index.sent_article[rep.sentence])
        copies = [(int(articles[i]), int(members[i])) for i in first if articles[i] != home]
        return tuple(Copy(s, index.articles[a]) for a, s in copies[:ALSO_LIMIT])

    def _terms(self, sentence: int) -> frozenset[int]:
        """Return the set of term ids of `sentence`."""
        ptr = self.index.sent_token_ptr
        return frozenset(self.index.token_terms[ptr[sentence] : ptr[sentence + 1]].tolist())
