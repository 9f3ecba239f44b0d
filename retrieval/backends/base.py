"""The backend interface and the BM25 arithmetic every backend shares.

A backend answers, for a question's analyzed terms: which sentences are candidates and what
their BM25 is; what BM25 the paragraphs and articles holding them have; and the few corpus
figures the ranking needs besides (sentence document frequencies, each article's sentence
counts per term). Everything above it (ranking weights, answer-type cue, no-answer
threshold, replies) is shared. BM25 here is rank-bm25's BM25Okapi, as in retrieval/index.py.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from retrieval.bm25 import BM25Params
from retrieval.corpus import Article

# A paragraph is named by its article id and its number within the article (from 0).
ParagraphKey = tuple[str, int]
# A sentence is named by its article id and its number within the article (from 0).
SentenceKey = tuple[str, int]


@dataclass(frozen=True, slots=True)
class ViewStats:
    """The corpus-wide figures BM25 needs for one view (sentences, paragraphs or articles).

    `idf_floor` is rank-bm25's epsilon × mean idf over the view's vocabulary: the idf given
    to terms in more than half of the documents (whose raw idf is negative).
    """

    n_docs: int
    avgdl: float
    idf_floor: float


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence as a backend stores it: its place, text, de-duplication key and terms."""

    article_id: str
    number: int
    paragraph: int
    start: int
    end: int
    text: str
    key: int
    terms: tuple[str, ...]

    @property
    def ref(self) -> SentenceKey:
        """Return the (article id, number) that names this sentence."""
        return (self.article_id, self.number)


@dataclass(frozen=True, slots=True)
class Candidates:
    """Candidate sentences for a question with their BM25 (the index's k1, b), best first.

    `mean_length` is the mean sentence length in terms over the whole corpus (the ranking's
    length correction needs it).
    """

    sentences: list[Sentence]
    bm25: list[float]
    mean_length: float


@dataclass(frozen=True, slots=True)
class ArticleShape:
    """An article's sentence count and, per term, how many of its sentences hold it."""

    n_sentences: int
    sentence_df: Mapping[str, int]


class SearchBackend(Protocol):
    """Where sentences and their BM25 evidence come from; see the module docstring."""

    params: BM25Params

    def sentence_candidates(self, terms: Sequence[str], limit: int) -> Candidates:
        """Return up to `limit` sentences holding any of `terms`, best BM25 first."""
        ...

    def paragraph_bm25(self, terms: Sequence[str], keys: Sequence[ParagraphKey]) -> list[float]:
        """Return the BM25 of each paragraph in `keys` for `terms` (0 when none matches)."""
        ...

    def article_bm25(self, terms: Sequence[str], article_ids: Sequence[str]) -> list[float]:
        """Return the BM25 of each article (title included) for `terms`."""
        ...

    def article_shapes(self, article_ids: Sequence[str]) -> dict[str, ArticleShape]:
        """Return the shape of each article in `article_ids`, for the specificity evidence."""
        ...

    def sentence_df(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """Return (number of sentences, sentences holding each term) for the confidence."""
        ...

    def sentences(self, refs: Sequence[SentenceKey]) -> dict[SentenceKey, Sentence]:
        """Return the sentences that exist among `refs` (neighbours for the context)."""
        ...

    def articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """Return the articles named, for attribution."""
        ...


def idf(n_docs: int, df: int, floor: float) -> float:
    """Return rank-bm25's idf: ln((N - df + 0.5) / (df + 0.5)), `floor` when negative."""
    value = math.log(n_docs - df + 0.5) - math.log(df + 0.5)
    return floor if value < 0 else value


def bm25(
    query_terms: Sequence[str],
    doc_terms: Sequence[str],
    idfs: Mapping[str, float],
    stats: ViewStats,
    params: BM25Params,
) -> float:
    """Return rank-bm25's BM25Okapi score of one document (its terms) for `query_terms`.

    A query term listed twice counts twice, as in rank-bm25 and retrieval/index.py.
    """
    counts = Counter(doc_terms)
    norm = params.k1 * (1 - params.b + params.b * len(doc_terms) / (stats.avgdl or 1.0))
    total = 0.0
    for term in query_terms:
        tf = counts.get(term, 0)
        if tf:
            total += idfs[term] * tf * (params.k1 + 1) / (tf + norm)
    return total
