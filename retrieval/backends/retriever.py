"""Questions → `Hit`s over any `SearchBackend`, with the shared ranking and threshold."""

from __future__ import annotations

from retrieval import analyzer, answer_type, confidence, followup, ranking
from retrieval.answer_spans import answer_kind, answer_spans
from retrieval.backends.base import SearchBackend, Sentence
from retrieval.backends.rank import FETCH_FACTOR, coverage, rank
from retrieval.search import Hit, SearchResult


class BackendRetriever:
    """Answers questions like `Retriever`, reading the corpus through a `SearchBackend`.

    `Hit.sentence` is the sentence's number within its article (a cluster has no global
    sentence numbering).
    """

    def __init__(
        self,
        backend: SearchBackend,
        min_score: float = ranking.NO_ANSWER_THRESHOLD,
        ranking_params: ranking.RankingParams | None = None,
        fetch_factor: int = FETCH_FACTOR,
    ) -> None:
        self.backend = backend
        self.fetch_factor = fetch_factor
        self.min_score = min_score
        self.params = ranking_params or ranking.RankingParams()

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

        Same contract as `Retriever.search`: identical sentences appear once, and [] when the
        best sentence is in the "none" band (`respond`); `min_score=0` turns that off.
        """
        result = self.respond(question, top_k, offset, follow_up=follow_up)
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
        """Return the hits for `question` and the band of the best sentence, as
        `Retriever.respond` does without a confidence model: the confidence is the coverage
        (`rank.coverage`) and the band is confident from `min_score` up, else none.

        The calibrated confidence model (`thresholds`) and follow-up carry-over
        (`follow_up`) read the embedded index's matrices and are not computed over a
        backend: the question is searched alone and banded by its coverage.
        """
        terms = analyzer.question_terms(question)
        if not terms or top_k <= 0:
            return SearchResult(confidence.Band.NONE, [], 0.0)
        ranked = rank(
            self.backend,
            terms,
            answer_type.answer_type(question),
            frozenset(analyzer.tokens(question)),
            self.params,
            (offset + top_k) * 4 + 8,
            self.fetch_factor,
        )
        if not ranked:
            return SearchResult(confidence.Band.NONE, [], 0.0)
        best = coverage(self.backend, terms, ranked[0].sentence)
        band = confidence.Thresholds(self.min_score, self.min_score).band(best)
        chosen: list[tuple[Sentence, float]] = []
        seen: set[int] = set()
        for r in ranked:
            if r.sentence.key in seen:
                continue
            seen.add(r.sentence.key)
            if len(seen) > offset:
                chosen.append((r.sentence, r.score))
            if len(chosen) == top_k:
                break
        return SearchResult(band, self._hits(chosen, frozenset(terms), question), best)

    def _hits(
        self, chosen: list[tuple[Sentence, float]], terms: frozenset[str], question: str
    ) -> list[Hit]:
        """Return the chosen sentences as `Hit`s with their article, context and where their
        answer is (`answer_spans`, as `Retriever.search` marks them)."""
        kind = answer_kind(question)
        tokens = frozenset(analyzer.tokens(question))
        backend = self.backend
        articles = backend.articles(list(dict.fromkeys(s.article_id for s, _ in chosen)))
        around = [(s.article_id, s.number + step) for s, _ in chosen for step in (-1, 1)]
        neighbours = backend.sentences(around)
        hits = []
        for sentence, score in chosen:
            spans = [s for s in analyzer.term_spans(sentence.text) if s.term in terms]
            highlights = tuple(dict.fromkeys((s.start, s.end) for s in spans))
            hits.append(
                Hit(
                    text=sentence.text,
                    score=score,
                    start=sentence.start,
                    end=sentence.end,
                    article=articles[sentence.article_id],
                    sentence=sentence.number,
                    matched_terms=tuple(dict.fromkeys(s.term for s in spans)),
                    highlights=highlights,
                    context_before=_same_paragraph(sentence, neighbours, -1),
                    context_after=_same_paragraph(sentence, neighbours, +1),
                    answer_spans=answer_spans(sentence.text, kind, tokens, highlights),
                    confidence=coverage(backend, sorted(terms), sentence),
                )
            )
        return hits


def _same_paragraph(
    sentence: Sentence, neighbours: dict[tuple[str, int], Sentence], step: int
) -> str | None:
    """Return the text of the neighbour `step` away when it is in the same paragraph."""
    other = neighbours.get((sentence.article_id, sentence.number + step))
    return other.text if other is not None and other.paragraph == sentence.paragraph else None
