"""What a search returns: `Hit`s (answer sentences with their article, context and copies)
and the `SearchResult` around them, and how a ranked sentence of a corpus becomes a `Hit`.

Kept apart from retrieval/search.py (which ranks) so the reply's records read in one place;
`retrieval.search` re-exports `Hit` and `SearchResult`, where callers import them from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from retrieval import analyzer, confidence, followup, ranking
from retrieval.answer_spans import answer_kind, answer_spans
from retrieval.copies import Copies, Copy, Representative
from retrieval.corpus import Article
from retrieval.index import CorpusIndex


@dataclass(frozen=True, slots=True)
class Hit:
    """One answer sentence: its text and offsets in its article, score and matched terms.

    `highlights` are (start, end) offsets inside `text` of the words that matched the
    question; `context_before`/`context_after` are the neighbouring sentences of the same
    paragraph (or None), shown around the answer but never judged as the answer.
    `answer_spans` are (start, end) offsets inside `text` of the number, date or name a
    «كم / متى / من» question asks for (retrieval/answer_spans.py), for the reply to underline.
    `follow_up_of` is the previous question whose words were carried over to find this hit
    (retrieval/followup.py), or None when the question was searched alone.
    `also` are the sentence's near-copies in other articles, earliest published first.
    """

    text: str
    score: float
    start: int
    end: int
    article: Article
    sentence: int
    matched_terms: tuple[str, ...]
    highlights: tuple[tuple[int, int], ...]
    context_before: str | None = None
    context_after: str | None = None
    answer_spans: tuple[tuple[int, int], ...] = ()
    follow_up_of: str | None = None
    confidence: float = 0.0  # estimated probability that it answers (retrieval/confidence.py)
    also: tuple[Copy, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The hits for a question and how sure the best one is: `band` tells the reply to give
    (an answer, the closest sentence marked as uncertain, or nothing)."""

    band: confidence.Band
    hits: list[Hit]
    confidence: float  # of the best sentence of the question, whatever the offset


def marked(
    hits: list[Hit],
    question: str,
    query: ranking.Query,
    plan: followup.FollowUpPlan | None,
) -> list[Hit]:
    """Return `hits` with where their answer is (`answer_spans`) and the turn they follow."""
    kind = answer_kind(question)
    return [
        replace(
            hit,
            answer_spans=answer_spans(hit.text, kind, query.tokens, hit.highlights),
            follow_up_of=plan.previous_question if plan is not None else None,
        )
        for hit in hits
    ]


def make_hit(
    index: CorpusIndex,
    copies: Copies,
    rep: Representative,
    query_terms: frozenset[str],
    sure: float,
) -> Hit:
    """Return the `Hit` of a shown sentence of `index` (`copies`: its near-copies); its
    sentence numbers are the ones that mean something outside this question
    (`CorpusIndex.sentence_ref`)."""
    sentence = rep.sentence
    text = index.sentence_text(sentence)
    spans = [s for s in analyzer.term_spans(text) if s.term in query_terms]
    also = copies.also(rep)
    if index.whole is not None:
        also = tuple(replace(c, sentence=index.sentence_ref(c.sentence)) for c in also)
    return Hit(
        text=text,
        score=rep.score,
        start=int(index.sent_start[sentence]),
        end=int(index.sent_end[sentence]),
        article=index.articles[int(index.sent_article[sentence])],
        sentence=index.sentence_ref(sentence),
        matched_terms=tuple(dict.fromkeys(s.term for s in spans)),
        highlights=tuple(dict.fromkeys((s.start, s.end) for s in spans)),
        context_before=neighbour(index, sentence, -1),
        context_after=neighbour(index, sentence, +1),
        confidence=sure,
        also=also,
    )


def neighbour(index: CorpusIndex, sentence: int, step: int) -> str | None:
    """Return the text of the sentence `step` away when it is in the same paragraph."""
    other = sentence + step
    if not 0 <= other < index.n_sentences:
        return None
    if index.sent_paragraph[other] != index.sent_paragraph[sentence]:
        return None
    return index.sentence_text(other)
