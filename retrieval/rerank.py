"""The learned reranker: a LightGBM lambdarank model over the best hand-ranked sentences.

The model is a LightGBM text file shipped in the package (`retrieval/models/reranker.txt`),
reproduced by `python -m retrieval train` (retrieval/train.py) from questions generated on
SaudiNewsNet, and evaluated with numpy (retrieval/trees.py): serving never imports LightGBM.
A missing or unreadable model, or one made for other features, costs one warning and leaves
the hand-weighted ranking in place: answers never depend on it.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np

from retrieval import features, trees
from retrieval.index import CorpusIndex
from retrieval.ranking import Candidates, Query, RankingParams

MODEL_PATH = Path(__file__).resolve().parent / "models" / "reranker.txt"
# Below this many articles the hand ranking is kept: the model learned on 30k articles, and
# in a corpus of a few its article-level features (article BM25, share of the candidates
# from one article) mean something else (docs/quality.md: the one-article seed corpus).
MIN_ARTICLES = 10

log = logging.getLogger(__name__)


class LearnedReranker:
    """Reorders the best candidates of one index by a LightGBM model's scores."""

    def __init__(self, forest: trees.Forest, facts: features.IndexFacts) -> None:
        self.forest = forest
        self.facts = facts

    def rerank(
        self, index: CorpusIndex, query: Query, found: Candidates, params: RankingParams
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (sentence ids, scores, learned) best first: the best `params.rerank_depth`
        candidates by the model's score plus `params.rerank_hand_weight` × their hand score
        (relative to the best), then the others in hand order; `learned` is the model's
        score of each of the reordered ones, in their new order.

        The hand score keeps a say: the model learned on news questions, and alone it
        gains less on the Wikipedia yardstick than beside the hand ranking (docs/quality.md).
        """
        rows = features.matrix(index, query, found, params.rerank_depth, self.facts)
        learned = self.forest.predict(rows)
        combined = learned + params.rerank_hand_weight * rows[:, 0]
        n = len(rows)
        order = np.lexsort((np.arange(n), -combined))
        docs = np.concatenate([found.docs[:n][order], found.docs[n:]])
        # Scores stay on the hand ranking's scale, which the confidence model and follow-up
        # boosts were fitted to: the k-th sentence gets the k-th best hand score.
        hand = np.concatenate([np.sort(found.score[:n])[::-1], found.score[n:]])
        return docs, hand, learned[order]


@functools.lru_cache(maxsize=4)
def load_forest(path: Path) -> trees.Forest | None:
    """Return the model at `path`, or None (after one warning) when it is missing, unreadable
    or made for other features than `features.NAMES`.

    Cached: every Retriever (one per reload) shares the parsed model of an unchanged path.
    """
    try:
        forest = trees.read(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, trees.ModelFormatError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        log.warning("reranker model %s unusable (%s); using the hand ranking", path, reason)
        return None
    if forest.feature_names != features.NAMES:
        log.warning("reranker model %s has other features; using the hand ranking", path)
        return None
    return forest


def load(index: CorpusIndex, path: Path = MODEL_PATH) -> LearnedReranker | None:
    """Return the reranker of `index` with the model at `path`, or None without a usable
    one or for a corpus of fewer than `MIN_ARTICLES` articles."""
    if index.total_articles < MIN_ARTICLES:
        return None
    forest = load_forest(path)
    if forest is None:
        return None
    return LearnedReranker(forest, features.IndexFacts.of(index))
