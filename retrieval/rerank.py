"""The learned reranker: a LightGBM lambdarank model over the best hand-ranked sentences.

The model is a LightGBM text file shipped in the package (`retrieval/models/reranker.txt`),
reproduced by `python -m retrieval train` (retrieval/train.py) from questions generated on
SaudiNewsNet. A missing or unreadable model, or one made for other features, costs one
warning and leaves the hand-weighted ranking in place: answers never depend on it.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np

from retrieval import features
from retrieval.index import CorpusIndex
from retrieval.ranking import Candidates, Query, RankingParams

MODEL_PATH = Path(__file__).resolve().parent / "models" / "reranker.txt"

log = logging.getLogger(__name__)


class LearnedReranker:
    """Reorders the best candidates of one index by a LightGBM model's scores."""

    def __init__(self, booster: object, facts: features.IndexFacts) -> None:
        self.booster = booster
        self.facts = facts

    def rerank(
        self, index: CorpusIndex, query: Query, found: Candidates, params: RankingParams
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (sentence ids, scores) best first: the best `params.rerank_depth`
        candidates by the model's score plus `params.rerank_hand_weight` × their hand score
        (relative to the best), then the others in hand order with lower scores.

        The hand score keeps a say: the model learned on news questions, and alone it
        gains less on the Wikipedia yardstick than beside the hand ranking (docs/quality.md).
        """
        rows = features.matrix(index, query, found, params.rerank_depth, self.facts)
        predicted = self.booster.predict(rows, num_threads=1)  # type: ignore[attr-defined]
        score = np.asarray(predicted, dtype=np.float64) + params.rerank_hand_weight * rows[:, 0]
        n = len(rows)
        order = np.lexsort((np.arange(n), -score))
        docs = np.concatenate([found.docs[:n][order], found.docs[n:]])
        rest = found.score[n:]
        # The others keep their order, below the lowest reranked score.
        below = float(score.min()) - 1.0 + (rest - float(rest.max())) if len(rest) else rest
        return docs, np.concatenate([score[order], below])


@functools.lru_cache(maxsize=4)
def load_booster(path: Path) -> object | None:
    """Return the LightGBM model at `path`, or None (after one warning) when it is missing,
    unreadable or made for other features than `features.NAMES`.

    Cached: every Retriever (one per reload) shares the parsed model of an unchanged path.
    """
    try:
        import lightgbm

        booster = lightgbm.Booster(model_str=path.read_text(encoding="utf-8"))
    except Exception as exc:  # a damaged file may fail in many ways; all mean "no model"
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        log.warning("reranker model %s unusable (%s); using the hand ranking", path, reason)
        return None
    if tuple(booster.feature_name()) != features.NAMES:
        log.warning("reranker model %s has other features; using the hand-weighted ranking", path)
        return None
    return booster


def load(index: CorpusIndex, path: Path = MODEL_PATH) -> LearnedReranker | None:
    """Return the reranker of `index` with the model at `path`, or None without a usable one."""
    booster = load_booster(path)
    if booster is None:
        return None
    return LearnedReranker(booster, features.IndexFacts.of(index))
