"""How sentences are ranked for a question: BM25 evidence from the sentence, its paragraph
and its article, then, on a bounded candidate set, the within-article specificity of the
matched terms and an answer-type cue; and how sure the best sentence is (`confidence`).

Kept apart from `search.py` so the scoring model can be read (and tuned) in one place;
`Retriever.search` only turns the ranked sentence ids into `Hit`s. docs/quality.md gives the
figures behind every weight.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from retrieval import analyzer
from retrieval.answer_type import AnswerType, answer_type, asks_person, has_answer_type
from retrieval.bm25 import BM25Matrix
from retrieval.index import CorpusIndex

# The least share of a question (`confidence`) the best sentence must cover to be an answer.
# Calibrated on XQuAD-ar (docs/quality.md, benchmarks/no_answer_threshold.py): keeps over
# 99% of the correct top-1 answers and declines over a third of the questions whose article
# was removed from the corpus.
NO_ANSWER_THRESHOLD = 0.2


@dataclass(frozen=True, slots=True)
class RankingParams:
    """Weights of the ranking model; the defaults are the tuned values (docs/quality.md).

    Each evidence score is divided by its best value for the question, so the weights do not
    depend on question length or corpus size.
    """

    sentence_k1: float = 0.9  # BM25 k1 and b wanted for sentences (see _length_correction)
    sentence_b: float = 0.75
    paragraph_weight: float = 0.5
    article_weight: float = 0.5
    answer_type_weight: float = 0.2
    specificity_weight: float = 0.5
    candidates: int = 100  # sentences reranked with specificity and the answer-type cue
    pool: int = 300  # best sentences by their own BM25 that get paragraph and article evidence
    rerank_depth: int = 50  # best hand-ranked sentences the learned reranker reorders (0: off)
    rerank_hand_weight: float = 4.0  # weight of the hand score beside the reranker's score
    # ...on a follow-up's carried search (a query with term weights, retrieval/followup.py):
    # the reranker learned on questions asked alone, the hand ranking reads the weights.
    follow_up_hand_weight: float = 16.0


@dataclass(frozen=True, slots=True)
class Query:
    """An analyzed question: its index terms, their ids and the expected answer type.

    `weights` gives each of `term_ids` its weight (empty: 1.0 each); a follow-up question
    carries the previous question's terms at a lower weight (retrieval/followup.py).
    """

    terms: tuple[str, ...]
    term_ids: tuple[int, ...]
    answer_type: AnswerType
    tokens: frozenset[str]
    weights: tuple[float, ...] = ()
    asks_person: bool = False  # «من» as the question word (a feature of the reranker)

    def id_weights(self) -> tuple[float, ...]:
        """Return the weight of each of `term_ids` (1.0 where `weights` is empty)."""
        return self.weights or (1.0,) * len(self.term_ids)

    def weight_of(self) -> dict[int, float]:
        """Return each distinct term id's weight, in query order (first occurrence wins)."""
        weights: dict[int, float] = {}
        for term, weight in zip(self.term_ids, self.id_weights(), strict=True):
            weights.setdefault(term, weight)
        return weights


def analyze(index: CorpusIndex, question: str) -> Query:
    """Return `question` analyzed against `index` (terms absent from it have no id)."""
    terms = tuple(analyzer.question_terms(question))
    tokens = analyzer.tokens(question)
    return Query(
        terms=terms,
        term_ids=tuple(index.term_ids(terms)),
        answer_type=answer_type(question),
        tokens=frozenset(tokens),
        asks_person=asks_person(tokens),
    )


def confidence(index: CorpusIndex, query: Query, sentence: int) -> float:
    """Return the share of the question that `sentence` covers, in [0, 1].

    The idf-weighted fraction of the question's distinct terms found in the sentence, with
    Lucene's always-positive idf over sentences; a term the corpus has never seen counts
    with the idf of a term seen nowhere. A fraction, unlike a BM25 score, means the same in
    a one-article corpus and in a 300k-sentence one, so one no-answer threshold fits both.
    """
    distinct = list(dict.fromkeys(query.terms))
    if not distinct:
        return 0.0
    weight_of = query.weight_of()
    n = index.total_sentences
    ptr = index.sent_token_ptr
    present = set(index.token_terms[ptr[sentence] : ptr[sentence + 1]].tolist())
    vocabulary = index.vocabulary
    total = covered = 0.0
    for term in distinct:
        term_id = vocabulary.get(term)
        df = 0 if term_id is None else int(index.sentence_df(np.array([term_id]))[0])
        idf = float(np.log1p((n - df + 0.5) / (df + 0.5)))
        idf *= weight_of.get(term_id, 1.0) if term_id is not None else 1.0
        total += idf
        if term_id in present:
            covered += idf
    return covered / total


def _specificity(
    index: CorpusIndex, query: Query, docs: np.ndarray, article_start: np.ndarray
) -> np.ndarray:
    """Return, per candidate sentence, how specific its matched terms are within its article.

    Sum over the question terms the sentence contains of ln(1 + sentences of the article /
    sentences of the article containing the term). Once paragraph and article evidence have
    found the right article, the sentence to return is the one holding the question's words
    that are rare there, not the one repeating the article's topic (its name, its title).
    `article_start[a]` is the first sentence of article a (and the sentence count at the
    end). Postings are sorted, so one binary search per term finds both whether each
    candidate holds the term and how many sentences of its article do: the cost does not
    grow with the corpus.
    """
    indptr, indices = index.sentences.weights.indptr, index.sentences.weights.indices
    articles = index.sent_article[docs]
    first, last = article_start[articles], article_start[articles + 1]
    n = len(docs)
    needles = np.concatenate([docs, first, last])
    weight_if_alone = last - first  # sentences of the article, numerator of every weight
    total = np.zeros(n)
    for term, term_weight in query.weight_of().items():
        postings = indices[indptr[term] : indptr[term + 1]]
        if len(postings) == 0:
            continue
        at = np.searchsorted(postings, needles)
        found = at[:n]
        present = postings[np.minimum(found, len(postings) - 1)] == docs
        in_article = at[2 * n :] - at[n : 2 * n]
        weight = np.log1p(weight_if_alone / np.maximum(in_article, 1))
        total += term_weight * np.where(present, weight, 0.0)
    return total


def _lookup(
    matrix: BM25Matrix,
    term_ids: tuple[int, ...],
    rows: np.ndarray,
    weights: tuple[float, ...] | None = None,
) -> np.ndarray:
    """Return the BM25 score of documents `rows` of `matrix` (0 where no term matches).

    One binary search per term in its sorted postings, for each distinct row once and in
    ascending order (candidate sentences share paragraphs and articles, and ascending keys
    search faster): the cost follows the number of rows asked for, not the length of the
    postings (common words have long ones).
    """
    indptr, indices, data = matrix.weights.indptr, matrix.weights.indices, matrix.weights.data
    distinct, inverse = np.unique(rows, return_inverse=True)
    total = np.zeros(len(distinct))
    for term, weight in zip(term_ids, weights or (1.0,) * len(term_ids), strict=True):
        postings = indices[indptr[term] : indptr[term + 1]]
        if len(postings) == 0:
            continue
        at = np.minimum(np.searchsorted(postings, distinct), len(postings) - 1)
        total += weight * np.where(postings[at] == distinct, data[indptr[term] + at], 0.0)
    return total[inverse]


def _scaled(values: np.ndarray) -> np.ndarray:
    """Return `values` divided by their maximum (unchanged when it is not positive)."""
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else values


class Ranker:
    """Ranks the sentences of one immutable `CorpusIndex`; built once per Retriever.

    Holds what is derived from the index once rather than per question: each sentence's
    length correction and each article's first sentence.
    """

    def __init__(
        self, index: CorpusIndex, params: RankingParams, reranker: Reranker | None = None
    ) -> None:
        self.index = index
        self.params = params
        self.reranker = reranker
        self.length_factor = _length_correction(index, params)
        self.article_start = np.searchsorted(index.sent_article, np.arange(len(index.articles) + 1))

    def rank(self, query: Query, at_least: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Return (sentence ids, scores) of the best candidate sentences, best first.

        The hand-weighted ranking (`hand_rank`), whose best `params.rerank_depth`
        sentences the learned reranker, when there is one, puts in its own order.
        """
        ranked = self.ranked(query, at_least)
        return ranked.docs, ranked.score

    def ranked(self, query: Query, at_least: int = 0) -> Ranked:
        """Return the ranking of `rank` with the reranker's own score of each sentence it
        reordered (none without a reranker): evidence for the confidence model."""
        found = self.hand_rank(query, at_least)
        if self.reranker is None or self.params.rerank_depth < 2 or len(found.docs) < 2:
            return Ranked(found.docs, found.score, {})
        params = self.params
        if query.weights:
            params = replace(params, rerank_hand_weight=params.follow_up_hand_weight)
        docs, scores, learned = self.reranker.rerank(self.index, query, found, params)
        scored = docs[: len(learned)].tolist()
        return Ranked(docs, scores, dict(zip(scored, learned.tolist(), strict=True)))

    def hand_rank(self, query: Query, at_least: int = 0) -> Candidates:
        """Return the best candidate sentences by the hand-weighted ranking, best first.

        Every sentence containing a query term is scored by its own BM25; the best
        `params.pool` of them add the BM25 of their paragraph and article; the best
        `params.candidates` (or `at_least`) of those add the within-article specificity of
        their terms, and those close enough to the top to be lifted by it, the answer-type
        cue, which needs their text. Each stage works on a bounded set, so the cost of a
        question hardly grows with the corpus beyond reading its terms' postings. Each
        evidence is kept beside the score, as the reranker's features.
        """
        index, params = self.index, self.params
        docs, sentence_scores = _weighted_scores(index.sentences, query)
        if len(docs) == 0:
            return Candidates.empty()
        own = _scaled(sentence_scores * self.length_factor[docs])
        if len(docs) > max(params.pool, at_least):
            kept = _top_order(own, docs, max(params.pool, at_least))
            docs, own = docs[kept], own[kept]
        paragraph = _scaled(
            _lookup(index.paragraphs, query.term_ids, index.sent_paragraph[docs], query.weights)
        )
        article = _scaled(
            _lookup(index.article_docs, query.term_ids, index.sent_article[docs], query.weights)
        )
        score = own + params.paragraph_weight * paragraph + params.article_weight * article
        top = _top_order(score, docs, max(params.candidates, at_least))
        docs, score, own, paragraph, article = (
            docs[top],
            score[top],
            own[top],
            paragraph[top],
            article[top],
        )
        specific = _scaled(_specificity(index, query, docs, self.article_start))
        score = score + params.specificity_weight * specific
        if params.answer_type_weight and query.answer_type is not AnswerType.OTHER:
            # Only sentences within the cue's weight of the best can change places with it.
            best = float(score.max())
            for i in np.flatnonzero(score >= best - params.answer_type_weight):
                text = index.sentence_text(int(docs[i]))
                if has_answer_type(text, query.answer_type, query.tokens):
                    score[i] += params.answer_type_weight
        order = np.lexsort((docs, -score))
        return Candidates(
            docs[order], score[order], own[order], paragraph[order], article[order], specific[order]
        )


@dataclass(frozen=True, slots=True)
class Candidates:
    """Sentences of the hand-weighted ranking, best first, with each evidence (scaled)."""

    docs: np.ndarray
    score: np.ndarray
    sentence: np.ndarray
    paragraph: np.ndarray
    article: np.ndarray
    specificity: np.ndarray

    @classmethod
    def empty(cls) -> Candidates:
        """Return the candidates of a question no sentence matches."""
        none = np.empty(0)
        return cls(np.empty(0, dtype=np.int64), none, none, none, none, none)


@dataclass(frozen=True, slots=True)
class Ranked:
    """Sentences best first with their hand-scale scores, and the learned reranker's score
    of each sentence it reordered (`learned`, by sentence id; empty without a reranker).

    The scores that hits carry stay on the hand ranking's scale (follow-up boosts add to
    them); the learned scores are kept apart, by sentence, so a re-sort cannot misalign them.
    """

    docs: np.ndarray
    score: np.ndarray
    learned: dict[int, float]


class Reranker(Protocol):
    """Puts the best hand-ranked candidates in a learned order (retrieval/rerank.py)."""

    def rerank(
        self, index: CorpusIndex, query: Query, found: Candidates, params: RankingParams
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (sentence ids, scores, learned) best first: the best `params.rerank_depth`
        reordered, then the rest; `learned` is the model's score of each reordered one."""
        ...


def _weighted_scores(matrix: BM25Matrix, query: Query) -> tuple[np.ndarray, np.ndarray]:
    """Return `matrix.scores` of the query's terms, each term's BM25 times its weight.

    Without weights this is `matrix.scores` itself; with them (a follow-up question) each
    term's postings are read once and merged.
    """
    if not query.weights:
        return matrix.scores(query.term_ids)
    parts = [matrix.scores((term,)) for term in query.term_ids]
    docs = np.concatenate([found for found, _ in parts])
    values = np.concatenate([w * s for (_, s), w in zip(parts, query.weights, strict=True)])
    found, inverse = np.unique(docs, return_inverse=True)
    return found.astype(np.int64), np.bincount(inverse, weights=values)


def _sorted(docs: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return `docs` and `score` ordered best first; ties go to earlier sentences."""
    order = np.lexsort((docs, -score))
    return docs[order], score[order]


def _length_correction(index: CorpusIndex, params: RankingParams) -> np.ndarray:
    """Return per-sentence factors turning the index's BM25 into BM25 with the ranking's k1, b.

    A term occurs once in almost every sentence, and for tf = 1 a BM25 weight is
    idf · (k1 + 1) / (1 + k1 · (1 - b + b · length / mean length)): changing k1 or b only
    rescales each sentence by a factor of its length. The index keeps rank-bm25's defaults
    (its scores are tested against rank-bm25); sentences want a lower k1, which weighs
    long sentences (more likely to hold the answer) a little more.
    """
    lengths = index.sentences.doc_lengths
    k1, b = index.params.k1, index.params.b
    if (params.sentence_k1, params.sentence_b) == (k1, b) or len(lengths) == 0:
        return np.ones(len(lengths))
    relative = lengths / (index.mean_sentence_length or 1.0)
    wanted = (params.sentence_k1 + 1) / (
        1 + params.sentence_k1 * (1 - params.sentence_b + params.sentence_b * relative)
    )
    stored = (k1 + 1) / (1 + k1 * (1 - b + b * relative))
    return wanted / stored


def _top_order(scores: np.ndarray, docs: np.ndarray, n: int) -> np.ndarray:
    """Return the positions of the `n` best scores, best first; ties go to earlier sentences."""
    if len(scores) > n:
        part = np.argpartition(-scores, n - 1)[:n]
    else:
        part = np.arange(len(scores))
    return part[np.lexsort((docs[part], -scores[part]))]
