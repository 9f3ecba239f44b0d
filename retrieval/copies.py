"""One answer per story: collapse ranked near-copies and list who else carried a sentence.

The index names near-copies (`CorpusIndex.sent_cluster`, retrieval/dedup.py). At question
time `Copies.representatives` keeps one sentence per cluster, the best-scoring or on a tie
the earliest published, checking exactly what the index estimated: a member that does not
copy the shown sentence (`dedup.is_copy`) is shown on its own, and a sentence of another
cluster that nearly copies a shown one (`dedup.is_near_copy`) is hidden behind it.
`Copies.also` lists the other articles holding a shown sentence's copies, for `Hit.also`.
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


class Copies:
    """The near-copy clusters of one index, ready for collapsing and attribution."""

    def __init__(self, index: CorpusIndex) -> None:
        self.index = index
        self.members = dedup.ClusterMembers(index.sent_cluster)
        # Sentences in publication order: (their article's rank, sentence id) as one integer.
        self._published = index.article_published[index.sent_article].astype(np.int64) * max(
            index.n_sentences, 1
        ) + np.arange(index.n_sentences)

    def representatives(
        self, docs: np.ndarray, scores: np.ndarray, wanted: int
    ) -> list[Representative]:
        """Return the first `wanted` ranked sentences to show (`docs` best first), one per
        story: a sentence is hidden behind a shown one of its cluster that it copies
        (`dedup.is_copy`) or behind any shown one it nearly copies (`dedup.is_near_copy`).
        The ranker's order is kept; a copy with the same score as the shown one of its
        cluster but published earlier takes its place (the wire story's first printing)."""
        clusters = self.index.sent_cluster[docs].tolist()
        first_of: dict[int, Representative] = {}
        shown: list[Representative] = []
        for i in range(len(docs)):
            sentence, terms = int(docs[i]), self._terms(int(docs[i]))
            mine = first_of.get(clusters[i])
            if mine is not None and dedup.is_copy(terms, mine.terms):
                if scores[i] == mine.score and self._earlier(sentence, mine.sentence):
                    mine.folded.append(mine.sentence)
                    mine.sentence, mine.terms = sentence, terms
                else:
                    mine.folded.append(sentence)
                continue
            twin = next((s for s in shown if dedup.is_near_copy(terms, s.terms)), None)
            if twin is not None:
                twin.folded.append(sentence)
                continue
            if len(shown) == wanted:
                break
            rep = Representative(sentence, float(scores[i]), terms)
            shown.append(rep)
            first_of.setdefault(clusters[i], rep)
        return shown

    def also(self, rep: Representative) -> tuple[Copy, ...]:
        """Return the copies of a shown sentence in other articles: the sentences folded
        into it and the members of their clusters that copy it (`dedup.is_copy`), one per
        article, earliest published first, at most ALSO_LIMIT."""
        index = self.index
        own = (rep.sentence, *rep.folded)
        parts = [self.members.of(int(index.sent_cluster[s])) for s in own]
        members = np.unique(np.concatenate([np.asarray(own, dtype=np.int64), *parts]))
        if len(members) < 2:
            return ()
        folded = set(rep.folded)
        seen = {int(index.sent_article[rep.sentence])}
        copies: list[Copy] = []
        for s in members[np.argsort(self._published[members], kind="stable")].tolist():
            article = int(index.sent_article[s])
            if article in seen or not (s in folded or dedup.is_copy(self._terms(s), rep.terms)):
                continue
            seen.add(article)
            copies.append(Copy(s, index.articles[article]))
            if len(copies) == ALSO_LIMIT:
                break
        return tuple(copies)

    def _earlier(self, a: int, b: int) -> bool:
        """Return whether sentence `a` was published before sentence `b` (then by index)."""
        return bool(self._published[a] < self._published[b])

    def _terms(self, sentence: int) -> frozenset[int]:
        """Return the set of term ids of `sentence`."""
        ptr = self.index.sent_token_ptr
        return frozenset(self.index.token_terms[ptr[sentence] : ptr[sentence + 1]].tolist())
