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
from retrieval.ranking import Candidates, Query

MODEL_PATH = Path(__file__).resolve().parent / "models" / "reranker.txt"

log = logging.getLogger(__name__)


class LearnedReranker:
    """Reorders the best candidates of one index by a LightGBM model's scores."""

    def __init__(self, booster: object, article_start: np.ndarray) -> None:
        self.booster = booster
        self.article_start = article_start

    def rerank(
        self, index: CorpusIndex, query: Query, found: Candidates, depth: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (sentence ids, scores) best first: the best `depth` candidates in the
        model's order, then the others in hand order with lower scores."""
        rows = features.matrix(index, query, found, depth, self.article_start)
        predicted = np.asarray(self.booster.predict(rows, num_threads=1), dtype=np.float64)  # type: ignore[attr-defined]
        n = len(rows)
        order = np.lexsort((np.arange(n), -predicted))
        docs = np.concatenate([found.docs[:n][order], found.docs[n:]])
        rest = found.score[n:]
        # The others keep their order, below the model's lowest score.
        below = float(predicted.min()) - 1.0 + (rest - float(rest.max())) if len(rest) else rest
        return docs, np.concatenate([predicted[order], below])


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
        log.warning("reranker model %s unusable (%s); using the hand-weighted ranking", path, reason)
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
    article_start = np.searchsorted(index.sent_article, np.arange(len(index.articles) + 1))
    return LearnedReranker(booster, article_start)
