"""The hand ranking of retrieval/ranking.py, over any `SearchBackend`.

The same stages and weights as `ranking.Ranker.rank` (sentence BM25 with the ranking's
length correction, paragraph and article evidence, within-article specificity, answer-type
cue), reading its evidence through the backend interface instead of from the matrices.
tests/test_backends.py keeps its top sentence equal to `Ranker.rank`'s on the embedded index.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.answer_type import AnswerType, has_answer_type
from retrieval.backends.base import SearchBackend, Sentence
from retrieval.bm25 import BM25Params
from retrieval.ranking import RankingParams

# How many candidates a backend returns per question beyond the ranking's pool: a cluster
# selects them with its own BM25 (Lucene's idf, see docs/scaling.md), so a margin keeps the
# sentences rank-bm25's idf would have put in the pool.
FETCH_FACTOR = 3


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate sentence and its final ranking score."""

    sentence: Sentence
    score: float


def rank(
    backend: SearchBackend,
    terms: Sequence[str],
    wanted: AnswerType,
    question_tokens: frozenset[str],
    params: RankingParams,
    at_least: int = 0,
    fetch_factor: int = FETCH_FACTOR,
) -> list[Ranked]:
    """Return the best candidate sentences for the analyzed question `terms`, best first."""
    pool = max(params.pool, at_least)
    found = backend.sentence_candidates(terms, pool * fetch_factor)
    if not found.sentences:
        return []
    factors = _length_factors(found.sentences, found.mean_length, backend.params, params)
    scored = _best(
        found.sentences, _scaled([b * f for b, f in zip(found.bm25, factors, strict=True)]), pool
    )
    sentences = [r.sentence for r in scored]
    score = [r.score for r in scored]
    if params.paragraph_weight:
        keys = [(s.article_id, s.paragraph) for s in sentences]
        score = _plus(score, params.paragraph_weight, backend.paragraph_bm25(terms, keys))
    if params.article_weight:
        ids = [s.article_id for s in sentences]
        score = _plus(score, params.article_weight, backend.article_bm25(terms, ids))
    ranked = _best(sentences, score, max(params.candidates, at_least))
    if params.specificity_weight:
        specificity = _specificity(backend, terms, [r.sentence for r in ranked])
        ranked = _add(ranked, params.specificity_weight, _scaled(specificity))
    if params.answer_type_weight and wanted is not AnswerType.OTHER:
        cue = params.answer_type_weight
        top = ranked[0].score
        bonus = [
            cue
            if r.score >= top - cue and has_answer_type(r.sentence.text, wanted, question_tokens)
            else 0.0
            for r in ranked
        ]
        ranked = _add(ranked, 1.0, bonus)
    return ranked


def coverage(backend: SearchBackend, terms: Sequence[str], sentence: Sentence) -> float:
    """Return the idf-weighted share of the question's terms `sentence` holds, in [0, 1].

    `ranking.confidence` over a backend: Lucene's always-positive idf over sentences.
    """
    distinct = list(dict.fromkeys(terms))
    if not distinct:
        return 0.0
    n, df = backend.sentence_df(distinct)
    present = set(sentence.terms)
    total = covered = 0.0
    for term in distinct:
        weight = math.log1p((n - df[term] + 0.5) / (df[term] + 0.5))
        total += weight
        if term in present:
            covered += weight
    return covered / total


def _length_factors(
    sentences: Sequence[Sentence], mean: float, index: BM25Params, params: RankingParams
) -> list[float]:
    """Return the factors turning BM25 with the index's k1, b into the ranking's (see
    `ranking._length_correction`)."""
    if (params.sentence_k1, params.sentence_b) == (index.k1, index.b):
        return [1.0] * len(sentences)
    factors = []
    for s in sentences:
        relative = len(s.terms) / (mean or 1.0)
        k1, b = params.sentence_k1, params.sentence_b
        wanted = (k1 + 1) / (1 + k1 * (1 - b + b * relative))
        stored = (index.k1 + 1) / (1 + index.k1 * (1 - index.b + index.b * relative))
        factors.append(wanted / stored)
    return factors


def _specificity(
    backend: SearchBackend, terms: Sequence[str], sentences: Sequence[Sentence]
) -> list[float]:
    """Return, per sentence, the sum over the question terms it holds of
    ln(1 + sentences of its article / sentences of its article holding the term)."""
    shapes = backend.article_shapes(list(dict.fromkeys(s.article_id for s in sentences)))
    distinct = list(dict.fromkeys(terms))
    values = []
    for s in sentences:
        shape = shapes[s.article_id]
        held = set(s.terms)
        values.append(
            sum(
                math.log1p(shape.n_sentences / max(shape.sentence_df.get(t, 0), 1))
                for t in distinct
                if t in held
            )
        )
    return values


def _scaled(values: Sequence[float]) -> list[float]:
    """Return `values` divided by their maximum (unchanged when it is not positive)."""
    top = max(values, default=0.0)
    return [v / top for v in values] if top > 0 else list(values)


def _plus(score: Sequence[float], weight: float, evidence: Sequence[float]) -> list[float]:
    """Return `score` plus `weight` × the scaled `evidence`."""
    return [s + weight * e for s, e in zip(score, _scaled(evidence), strict=True)]


def _best(sentences: Sequence[Sentence], score: Sequence[float], n: int) -> list[Ranked]:
    """Return the `n` best sentences, best first; ties keep the backend's order."""
    order = sorted(range(len(score)), key=lambda i: -score[i])[:n]
    return [Ranked(sentences[i], score[i]) for i in order]


def _add(ranked: Sequence[Ranked], weight: float, extra: Sequence[float]) -> list[Ranked]:
    """Return `ranked` with `weight` × `extra` added to the scores, re-sorted (stable)."""
    added = [Ranked(r.sentence, r.score + weight * e) for r, e in zip(ranked, extra, strict=True)]
    return sorted(added, key=lambda r: -r.score)
