"""Question → ranked `Hit`s: the best answer sentences, with their article and context.

`Retriever` is the one entry point the CLI, the evaluation and the Telegram bot share, so
they all answer the same question the same way, and the one ranking whatever the backend:
the corpus a question is ranked over comes through `backends.SearchBackend` (the whole
in-memory index by default, a candidate corpus from a cluster; retrieval/backends/base.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval import analyzer, confidence, followup, ranking, rerank
from retrieval.backends.base import SearchBackend
from retrieval.backends.embedded import EmbeddedBackend
from retrieval.copies import Copies, Copy
from retrieval.corpus import Article, SkippedFile
from retrieval.hits import Hit, SearchResult, make_hit, marked
from retrieval.index import CorpusIndex, build
from retrieval.store import open_index

# Hit and SearchResult live in retrieval/hits.py; callers import them from here.
__all__ = ["Copy", "CorpusStats", "Hit", "Retriever", "SearchResult"]


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """Figures about a loaded corpus, for `index`, `/stats` and `/sources`."""

    articles: int
    sentences: int
    vocabulary: int
    sources: dict[str, int]
    skipped: tuple[SkippedFile, ...] = field(default_factory=tuple)
    stories: int = 0  # distinct stories: articles less their copies in other papers


@dataclass(frozen=True, slots=True)
class _Ranking:
    """The product ranking set up over one corpus: the whole index (once per Retriever) or
    a backend's candidate corpus for one question."""

    index: CorpusIndex
    ranker: ranking.Ranker
    scorer: confidence.Scorer | None
    copies: Copies


class Retriever:
    """Answers questions from a `SearchBackend`: the corpus to rank for a question comes
    through it, and the one product ranking runs over it (learned reranker, calibrated
    confidence and bands, follow-ups, near-copy collapse, answer spans).

    `Retriever(index)` reads an in-memory `CorpusIndex` (the embedded backend, which hands
    back its whole index: ranked with what was set up once, at no cost per question);
    `Retriever(OpenSearchBackend(...))` reads a cluster, which hands back a candidate corpus
    per question (retrieval/backends/candidates.py). A reload builds a new Retriever and
    swaps the reference; a Retriever never changes.
    """

    def __init__(
        self,
        index: CorpusIndex | SearchBackend,
        skipped: list[SkippedFile] | tuple[SkippedFile, ...] = (),
        min_score: float = ranking.NO_ANSWER_THRESHOLD,
        ranking_params: ranking.RankingParams | None = None,
        *,
        thresholds: confidence.Thresholds | None = None,
        confidence_model: Path | None = confidence.MODEL_PATH,
    ) -> None:
        self.backend: SearchBackend = (
            EmbeddedBackend(index) if isinstance(index, CorpusIndex) else index
        )
        self.skipped = tuple(skipped)
        self.min_score = min_score
        self.params = ranking_params or ranking.RankingParams()
        self.thresholds = thresholds or confidence.Thresholds()
        # None or an unusable file: confidence is the coverage, banded by `min_score` as before.
        self.model = confidence.load_model(confidence_model) if confidence_model else None
        resident = self.backend.resident
        self._resident = self._ranking(resident) if resident is not None else None

    def _ranking(self, index: CorpusIndex) -> _Ranking:
        """Return the product ranking set up over `index`."""
        reranker = rerank.load(index) if self.params.rerank_depth else None
        return _Ranking(
            index,
            ranking.Ranker(index, self.params, reranker),
            confidence.Scorer(index) if self.model else None,
            Copies(index),
        )

    def _whole(self) -> _Ranking:
        """Return the ranking over the whole index; raises LookupError when the backend
        holds none in this process (a cluster)."""
        if self._resident is None:
            raise LookupError("the corpus is not in this process: it is read from a backend")
        return self._resident

    @property
    def index(self) -> CorpusIndex:
        """Return the whole index (the embedded backend's); LookupError for a cluster."""
        return self._whole().index

    @property
    def ranker(self) -> ranking.Ranker:
        """Return the ranker of the whole index; LookupError for a cluster."""
        return self._whole().ranker

    @property
    def scorer(self) -> confidence.Scorer | None:
        """Return the confidence features of the whole index; LookupError for a cluster."""
        return self._whole().scorer

    @property
    def copies(self) -> Copies:
        """Return the near-copies of the whole index; LookupError for a cluster."""
        return self._whole().copies

    @classmethod
    def from_articles(cls, articles: list[Article]) -> Retriever:
        """Return a Retriever over in-memory `articles` (tests, evaluation)."""
        return cls(build(articles))

    @classmethod
    def open(
        cls,
        corpus_dir: Path,
        index_dir: Path | None = None,
        *,
        workers: int | None = None,
        progress: bool = False,
    ) -> Retriever:
        """Return a Retriever over the article files in `corpus_dir`.

        Starts from the persisted index in `index_dir` (default `<corpus_dir>/.index`) and
        re-analyzes only the files changed since it was saved (retrieval/store/), in up to
        `workers` processes when given (in this process otherwise). Raises
        FileNotFoundError when the folder does not exist.
        """
        opened = open_index(corpus_dir, index_dir, workers=workers, progress=progress)
        return cls(opened.index, opened.skipped)

    @property
    def articles(self) -> Sequence[Article]:
        """Return the loaded articles, in index order."""
        return self.index.articles

    def stats(self) -> CorpusStats:
        """Return article, sentence, vocabulary and per-source counts, and skipped files."""
        sources = Counter(a.source or "—" for a in self.index.articles)
        return CorpusStats(
            articles=len(self.index.articles),
            sentences=self.index.n_sentences,
            vocabulary=len(self.index.vocabulary),
            sources=dict(sources.most_common()),
            skipped=self.skipped,
            stories=len(np.unique(self.index.article_story)),
        )

    def search(
        self,
        question: str,
        top_k: int = 3,
        offset: int = 0,
        *,
        follow_up: followup.PreviousTurn | None = None,
        follow_up_params: followup.FollowUpParams | None = None,
    ) -> list[Hit]:
        """Return up to `top_k` answer sentences for `question`, best first, after `offset`.

        Near-copies of a sentence (retrieval/copies.py; identical texts included) count
        once: the best-scoring is shown, with the others in `Hit.also`, and `offset` counts
        what is shown, so paging never repeats a cluster. When the best sentence is in the
        "none" band (`respond`), the corpus holds no answer and the result is [], as it is
        for a question none of whose terms occur; `min_score=0` turns that off.
        `follow_up` is the chat's previous question: when `question` leans on it
        (`followup.plan`), its terms are carried over at a lower weight and its top article
        is preferred; a standalone question is searched as if it came alone.
        """
        result = self.respond(
            question, top_k, offset, follow_up=follow_up, follow_up_params=follow_up_params
        )
        if result.band is confidence.Band.NONE and self.min_score > 0:
            return []
        return result.hits

    def respond(
        self,
        question: str,
        top_k: int = 3,
        offset: int = 0,
        *,
        thresholds: confidence.Thresholds | None = None,
        follow_up: followup.PreviousTurn | None = None,
        follow_up_params: followup.FollowUpParams | None = None,
    ) -> SearchResult:
        """Return the hits for `question` (as `search`, none withheld), each with its
        confidence, and the band of the best sentence under `thresholds` (default: the
        Retriever's). Without a usable confidence model the confidence is the coverage
        (`ranking.confidence`) and the band is confident from `min_score` up, else none.

        The backend is asked for the corpus of the question's terms, with a follow-up's
        carried terms and its previous article (`SearchBackend.candidate_corpus`).
        """
        terms = analyzer.question_terms(question)
        carried = followup.carried_terms(question, follow_up.question) if follow_up else ()
        if not (terms or carried) or top_k <= 0:
            return SearchResult(confidence.Band.NONE, [], 0.0)
        previous = (follow_up.article_id,) if follow_up and follow_up.article_id else ()
        corpus = self.backend.candidate_corpus(terms, previous, carried=carried)
        whole = self._resident
        over = whole if whole is not None and corpus is whole.index else self._ranking(corpus)
        return self._respond(over, question, top_k, offset, thresholds, follow_up, follow_up_params)

    def _respond(
        self,
        over: _Ranking,
        question: str,
        top_k: int,
        offset: int,
        thresholds: confidence.Thresholds | None,
        follow_up: followup.PreviousTurn | None,
        follow_up_params: followup.FollowUpParams | None,
    ) -> SearchResult:
        """Return `respond`'s result, ranked over the corpus `over`."""
        index = over.index
        own = ranking.analyze(index, question)
        plan = self._follow_up_plan(over, own, question, follow_up, follow_up_params)
        query = own if plan is None else followup.carried_query(index, own, plan)
        if not query.term_ids:
            return SearchResult(confidence.Band.NONE, [], 0.0)
        ranked = over.ranker.ranked(query, (offset + top_k) * 4 + 8)
        docs, scores, learned = ranked.docs, ranked.score, ranked.learned
        if plan is not None:
            docs, scores = followup.prefer_article(index, docs, scores, plan)
        if len(docs) == 0:
            return SearchResult(confidence.Band.NONE, [], 0.0)
        # The confidence features look at the best NEIGHBOURS candidates, whatever top_k is.
        # One sentence per story (retrieval/copies.py): near-copies are not candidates twice.
        shown = over.copies.representatives(
            docs, scores, max(offset + top_k, confidence.NEIGHBOURS)
        )
        docs = np.array([rep.sentence for rep in shown], dtype=np.int64)
        scores = np.array([rep.score for rep in shown], dtype=np.float64)
        rows = [0, *range(max(offset, 1), min(offset + top_k, len(docs)))]
        sure = self._confidences(over, query, docs, scores, rows, learned)
        best = sure[0]
        if own is not query:  # carried terms must not turn an answer into none
            best = max(best, self._confidences(over, own, docs, scores, [0], learned)[0])
        if over.scorer is None:
            band = confidence.Thresholds(self.min_score, self.min_score).band(best)
        else:
            band = (thresholds or self.thresholds).band(best)
        if plan is not None:
            band = _follow_up_band(index, band, plan, own, int(docs[0]))
        hits = [
            make_hit(index, over.copies, shown[r], frozenset(query.terms), c)
            for r, c in zip(rows, sure, strict=True)
            if r >= offset
        ]
        return SearchResult(band, marked(hits, question, query, plan), best)

    def _confidences(
        self,
        over: _Ranking,
        query: ranking.Query,
        docs: np.ndarray,
        scores: np.ndarray,
        rows: list[int],
        learned: dict[int, float],
    ) -> list[float]:
        """Return the confidence of the candidates at positions `rows` (`learned`: the
        reranker's scores by sentence, `ranking.Ranked`)."""
        if over.scorer is None or self.model is None:
            return [ranking.confidence(over.index, query, int(docs[r])) for r in rows]
        features = over.scorer.features(query, docs, scores, rows, learned)
        return [float(p) for p in self.model.probability(features)]

    def _follow_up_plan(
        self,
        over: _Ranking,
        query: ranking.Query,
        question: str,
        previous: followup.PreviousTurn | None,
        params: followup.FollowUpParams | None,
    ) -> followup.FollowUpPlan | None:
        """Return how to search `question` after `previous` (`followup.plan`), or None."""
        if previous is None:
            return None
        index = over.index
        alone = 0.0
        if query.term_ids:
            docs, _ = over.ranker.rank(query)
            alone = ranking.confidence(index, query, int(docs[0])) if len(docs) else 0.0
        article = followup.article_number(index, previous.article_id)
        in_article = followup.article_coverage(index, query, article)
        return followup.plan(question, previous, alone, in_article, params)


def _follow_up_band(
    index: CorpusIndex,
    band: confidence.Band,
    plan: followup.FollowUpPlan,
    own: ranking.Query,
    top: int,
) -> confidence.Band:
    """Return the band of a follow-up's best sentence `top` of `index`, given its `band` as
    scored.

    Found in the article the chat is about, it is at least uncertain: the closest
    sentence there says more than "nothing found". When the corpus knows none of the
    question's own words («متى ولد؟»), the carried words alone found it: at most uncertain.
    """
    in_previous = followup.article_number(index, plan.article_id) == int(index.sent_article[top])
    if band is confidence.Band.NONE and in_previous:
        return confidence.Band.UNCERTAIN
    if band is confidence.Band.CONFIDENT and not own.term_ids:
        return confidence.Band.UNCERTAIN
    return band
