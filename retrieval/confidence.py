"""How sure an answer is: features of a ranked sentence, a small calibrated model, and bands.

`ranking.confidence` (the idf-weighted share of the question a sentence covers) cannot tell a
real answer from a near miss on a large corpus: common words are always covered somewhere.
The features here also look at whether the evidence agrees: the question's coverage by the
sentence, its paragraph and its article, the BM25 reached against the most the query could
reach, the ranking score, the margin over the best candidate that is not a copy of the
sentence, how many of the best candidates share its article, and, when the learned reranker
ordered them, its own score of the sentence and its margin over the best competitor. A
logistic model over them, mapped through an isotonic calibration, estimates the probability
that the sentence answers the question (benchmarks/confidence_train.py fits it on generated
SaudiNewsNet questions; docs/quality.md).

The model ships as a small JSON file evaluated with numpy, so serving needs no learning
library. It names the features it was fitted on (a subset of `FEATURES`: a file of an older
format, fitted before the reranker's features existed, still loads); a missing or corrupt file
is one warning, and search then falls back to the coverage threshold.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from retrieval.bm25 import BM25Matrix
from retrieval.index import CorpusIndex
from retrieval.ranking import Query

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("confidence_model.json")
MODEL_FORMAT = 2  # 2: the learned reranker's features; format 1 files (without them) load
READABLE_FORMATS = (1, 2)
# Measured defaults (docs/quality.md, benchmarks/confidence_train.py).
DEFAULT_CONFIDENT = 0.3
DEFAULT_UNCERTAIN = 0.05
NEIGHBOURS = 10  # candidates looked at for the margin and the article share
TermCache = dict[int, set[int]]  # a sentence's distinct term ids, read once per question

FEATURES = (
    "coverage_sentence",  # idf-weighted share of the question's terms in the sentence
    "coverage_paragraph",  # ... in its paragraph
    "coverage_article",  # ... in its article (title included)
    "bm25_share",  # the sentence's BM25 over the most its query terms reach in any sentence
    "score",  # the ranking score (each evidence scaled by its best value for the question)
    "margin",  # score minus the best candidate that is not a copy of the sentence
    "same_article",  # share of the best candidates that come from the sentence's article
    "learned",  # the learned reranker's score of the sentence (NaN: it did not score it)
    "learned_margin",  # ... minus the best of its competitors (NaN: no scored competitor)
)


class Band(Enum):
    """How a reply treats the best sentence: an answer, the closest sentence, or nothing."""

    CONFIDENT = "confident"
    UNCERTAIN = "uncertain"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The least confidence of a confident answer and of an uncertain one (below: none)."""

    confident: float = DEFAULT_CONFIDENT
    uncertain: float = DEFAULT_UNCERTAIN

    def band(self, confidence: float) -> Band:
        """Return the band of a best sentence with this `confidence`."""
        if confidence >= self.confident:
            return Band.CONFIDENT
        if confidence >= self.uncertain:
            return Band.UNCERTAIN
        return Band.NONE


@dataclass(frozen=True, slots=True)
class Model:
    """Standardized logistic regression over `FEATURES[c] for c in columns`, then an
    isotonic map to [0, 1].

    A row missing an evidence (NaN: no reranker, as in a corpus of a few articles, or a
    sentence it did not score) goes to `fallback`, a model fitted without the reranker's
    features; without one, the missing evidence counts as its training mean (it then adds
    nothing to the logit). Features are first clipped to the range seen in training
    (`lower`, `upper`), so that a corpus unlike the training one (a single sentence, where
    BM25 weights go negative) is not extrapolated to. `calibration_x`/`calibration_y` are
    the isotonic step points (scikit-learn's `X_thresholds_`/`y_thresholds_`), applied by
    linear interpolation as scikit-learn does.
    """

    lower: np.ndarray
    upper: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    weights: np.ndarray
    intercept: float
    calibration_x: np.ndarray
    calibration_y: np.ndarray
    columns: tuple[int, ...] = tuple(range(len(FEATURES)))
    fallback: Model | None = None

    def probability(self, features: np.ndarray) -> np.ndarray:
        """Return the calibrated probability of each row of `features` (one per sentence,
        one column per name of `FEATURES`)."""
        used = features[:, list(self.columns)]
        missing = np.isnan(used).any(axis=1)
        if self.fallback is None or not missing.any():
            return self._calibrated(np.where(np.isnan(used), self.means, used))
        result = np.empty(len(used))
        result[missing] = self.fallback.probability(features[missing])
        result[~missing] = self._calibrated(used[~missing])
        return result

    def _calibrated(self, used: np.ndarray) -> np.ndarray:
        """Return the calibrated probability of rows of this model's own columns."""
        clipped = np.clip(used, self.lower, self.upper)
        logit = ((clipped - self.means) / self.scales) @ self.weights + self.intercept
        raw = 1.0 / (1.0 + np.exp(-logit))
        calibrated = np.interp(raw, self.calibration_x, self.calibration_y)
        return np.asarray(np.clip(calibrated, 0.0, 1.0), dtype=np.float64)

    def to_json(self) -> dict[str, object]:
        """Return the model as the JSON object `load_model` reads."""
        return {
            "format": MODEL_FORMAT,
            "features": [FEATURES[c] for c in self.columns],
            "lower": self.lower.tolist(),
            "upper": self.upper.tolist(),
            "means": self.means.tolist(),
            "scales": self.scales.tolist(),
            "weights": self.weights.tolist(),
            "intercept": self.intercept,
            "calibration_x": self.calibration_x.tolist(),
            "calibration_y": self.calibration_y.tolist(),
            **({"fallback": self.fallback.to_json()} if self.fallback else {}),
        }


def model_from_json(raw: object) -> Model:
    """Return the Model in the parsed JSON `raw`; raises ValueError when it is not one."""
    if not isinstance(raw, dict) or raw.get("format") not in READABLE_FORMATS:
        raise ValueError(f"not a confidence model of format {READABLE_FORMATS}")
    names = raw.get("features")
    if not isinstance(names, list) or not names or not set(names) <= set(FEATURES):
        raise ValueError("its features are not ones this code computes")
    columns = tuple(FEATURES.index(name) for name in names)
    try:
        arrays = [
            np.asarray(raw[k], dtype=np.float64)
            for k in (
                "lower",
                "upper",
                "means",
                "scales",
                "weights",
                "calibration_x",
                "calibration_y",
            )
        ]
        intercept = float(raw["intercept"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed field: {exc}") from exc
    lower, upper, means, scales, weights, cx, cy = arrays
    n = len(columns)
    shapes_ok = lower.shape == upper.shape == means.shape == scales.shape == weights.shape == (n,)
    shapes_ok = shapes_ok and cx.shape == cy.shape
    if not shapes_ok or len(cx) < 2 or not np.all(np.isfinite(np.concatenate(arrays))):
        raise ValueError("arrays of the wrong shape or with non-finite values")
    if np.any(scales <= 0) or np.any(np.diff(cx) < 0) or not math.isfinite(intercept):
        raise ValueError("non-positive scales or an unsorted calibration")
    if np.any(lower > upper):
        raise ValueError("a feature range with its lower bound above its upper one")
    fallback = model_from_json(raw["fallback"]) if "fallback" in raw else None
    return Model(lower, upper, means, scales, weights, intercept, cx, cy, columns, fallback)


@functools.lru_cache(maxsize=8)
def load_model(path: Path = MODEL_PATH) -> Model | None:
    """Return the confidence model stored at `path`, or None (with one warning) when it is
    missing or unreadable, so search falls back to the coverage threshold instead of failing.

    Cached per path: a reload builds a new Retriever, not a new model, and warns once.
    """
    try:
        return model_from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        log.warning(
            "confidence model %s unusable (%s): falling back to the coverage threshold",
            path,
            reason,
        )
        return None


class Scorer:
    """Computes confidence features for ranked sentences of one immutable `CorpusIndex`.

    Holds each term's highest sentence weight (the most BM25 the term can add), derived once
    per Retriever; per question it reads only the postings of the question's terms, for the
    few sentences asked about.
    """

    def __init__(self, index: CorpusIndex) -> None:
        self.index = index
        whole = index.whole
        self.term_max = _row_max(index.sentences) if whole is None else whole.sentence_max

    def features(
        self,
        query: Query,
        docs: np.ndarray,
        scores: np.ndarray,
        rows: list[int],
        learned: Mapping[int, float] | None = None,
    ) -> np.ndarray:
        """Return one row of `FEATURES` for each position in `rows` of the ranked `docs`.

        `docs`/`scores` are the ranked candidates, best first, with duplicates of one text
        removed; the first `NEIGHBOURS` of them are the competitors of each row. `learned`
        holds the reranker's score of the sentences it reordered (`ranking.Ranked`).
        """
        index = self.index
        known = [index.vocabulary.get(t) for t in dict.fromkeys(query.terms)]
        ids = [t for t in known if t is not None]
        idf = np.array([_idf(index.total_sentences, self._df(t)) for t in known])
        total = float(idf.sum()) or 1.0
        sentences = docs[rows]
        views = (
            _present(index.sentences, known, sentences),
            _present(index.paragraphs, known, index.sent_paragraph[sentences]),
            _present(index.article_docs, known, index.sent_article[sentences]),
        )
        coverage = [(v * idf[:, None]).sum(axis=0) / total for v in views]
        reached = _weights(index.sentences, ids, sentences).sum(axis=0)
        possible = float(self.term_max[ids].sum()) if ids else 0.0
        terms: TermCache = {}
        in_order = range(min(len(docs), NEIGHBOURS))
        rivals = [self._first_rival(docs, r, in_order, terms) for r in rows]
        competitor = np.array([0.0 if c is None else float(scores[c]) for c in rivals])
        near = index.sent_article[docs[:NEIGHBOURS]]
        same_article = [float(np.mean(near == index.sent_article[s])) for s in sentences]
        own, margin = self._learned(learned or {}, docs, rows, terms)
        columns = [
            *coverage,
            reached / possible if possible > 0 else np.zeros(len(rows)),
            scores[rows],
            scores[rows] - competitor,
            np.array(same_article),
            own,
            margin,
        ]
        return np.column_stack(columns).astype(np.float64)

    def _learned(
        self, learned: Mapping[int, float], docs: np.ndarray, rows: list[int], terms: TermCache
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the reranker's score of each row's sentence and its margin over the best
        scored competitor; NaN where the reranker did not score the sentence or any rival."""
        near = [i for i in range(min(len(docs), NEIGHBOURS)) if int(docs[i]) in learned]
        by_score = sorted(near, key=lambda i: -learned[int(docs[i])])
        own = np.array([learned.get(int(docs[r]), math.nan) for r in rows])
        rivals = [self._first_rival(docs, r, by_score, terms) for r in rows]
        best = np.array([math.nan if c is None else learned[int(docs[c])] for c in rivals])
        return own, own - best

    def _first_rival(
        self, docs: np.ndarray, row: int, order: Iterable[int], terms: TermCache
    ) -> int | None:
        """Return the first position in `order` whose candidate is not a copy of candidate
        `row` (sharing less than half of their distinct terms: another paper's wording of the
        same news is no competitor), or None. `terms` caches each sentence's terms."""
        mine = self._cached_terms(int(docs[row]), terms)
        for i in order:
            theirs = self._cached_terms(int(docs[i]), terms)
            union = len(mine | theirs)
            if i != row and union and len(mine & theirs) / union < 0.5:
                return i
        return None

    def _cached_terms(self, sentence: int, terms: TermCache) -> set[int]:
        if sentence not in terms:
            terms[sentence] = self._terms(sentence)
        return terms[sentence]

    def _terms(self, sentence: int) -> set[int]:
        ptr = self.index.sent_token_ptr
        return set(self.index.token_terms[ptr[sentence] : ptr[sentence + 1]].tolist())

    def _df(self, term: int | None) -> int:
        if term is None:
            return 0
        return int(self.index.sentence_df(np.array([term]))[0])


def _idf(n: int, df: int) -> float:
    """Return Lucene's always-positive idf over `n` sentences (as `ranking.confidence`)."""
    return math.log1p((n - df + 0.5) / (df + 0.5))


def _row_max(matrix: BM25Matrix) -> np.ndarray:
    """Return each term's highest weight over the documents of `matrix` (0 for no posting)."""
    indptr, data = matrix.weights.indptr, matrix.weights.data
    result = np.zeros(len(indptr) - 1)
    filled = np.flatnonzero(np.diff(indptr) > 0)
    if len(filled):
        result[filled] = np.maximum.reduceat(data, indptr[filled])
    return result


def _present(matrix: BM25Matrix, terms: list[int | None], docs: np.ndarray) -> np.ndarray:
    """Return a terms × docs array: 1.0 where the document holds the term (unknown terms: 0)."""
    indptr, indices = matrix.weights.indptr, matrix.weights.indices
    result = np.zeros((len(terms), len(docs)))
    for i, term in enumerate(terms):
        if term is None:
            continue
        postings = indices[indptr[term] : indptr[term + 1]]
        if len(postings) == 0:
            continue
        at = np.minimum(np.searchsorted(postings, docs), len(postings) - 1)
        result[i] = postings[at] == docs
    return result


def _weights(matrix: BM25Matrix, terms: list[int], docs: np.ndarray) -> np.ndarray:
    """Return a terms × docs array of the documents' BM25 weights for each term (0: absent)."""
    indptr, indices, data = matrix.weights.indptr, matrix.weights.indices, matrix.weights.data
    result = np.zeros((len(terms), len(docs)))
    for i, term in enumerate(terms):
        postings = indices[indptr[term] : indptr[term + 1]]
        if len(postings) == 0:
            continue
        at = np.minimum(np.searchsorted(postings, docs), len(postings) - 1)
        result[i] = np.where(postings[at] == docs, data[indptr[term] + at], 0.0)
    return result
