"""The answer-sentence yardstick on a SQuAD 1.1 file (see ../shared/data/xquad-ar/README.md).

Every question is asked against all articles of the file pooled as one corpus. A returned
sentence is a hit when it comes from the question's own article (or is a near-copy of one of
its sentences, listed in `Hit.also`) and contains one of the gold answer texts, both compared
after the yardstick's light normalization. The figures are
Hit@1, Hit@3, Hit@10, MRR@10 and the mean length of the top-1 sentence.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from retrieval.confidence import Band
from retrieval.corpus import Article
from retrieval.search import Hit, Retriever

EVAL_DEPTH = 10
# `Question.article` of a question whose answer may come from any article (a JSONL question
# without `article_id`, e.g. from `python -m retrieval feedback export`).
ANY_ARTICLE = -1

# The yardstick's light normalization, implemented on its own (not with `normalize`), so the
# figures stay comparable with the README's reference table whatever the analyzer does.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_SPACES = re.compile(r"\s+")


def yardstick_normalize(text: str) -> str:
    """Return `text` as the yardstick compares it.

    Diacritics and tatweel removed, أ/إ/آ/ٱ→ا, ى→ي, ة→ه, punctuation (Unicode category P)
    turned into spaces, whitespace collapsed and trimmed. Nothing else: no case folding,
    no digit folding, no hamza-on-carrier folding.
    """
    text = _DIACRITICS.sub("", text).translate(_LETTERS)
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class Question:
    """One SQuAD question: its text, the index of its article and the gold answer texts."""

    id: str
    text: str
    article: int
    answers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Dataset:
    """A SQuAD file read as a corpus (one Article per `data[]` entry) and its questions."""

    articles: list[Article]
    questions: list[Question]


def load_squad(path: Path) -> Dataset:
    """Return the articles and questions of the SQuAD 1.1 file at `path`.

    Each `data[]` entry becomes one Article whose paragraphs are separated by blank lines,
    so sentence splitting and paragraph ids follow the original paragraphs. Raises OSError
    or ValueError (including json.JSONDecodeError) for an unreadable or malformed file.
    """
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
        raise ValueError("not a SQuAD file: no top-level 'data' list")
    articles: list[Article] = []
    questions: list[Question] = []
    for a, entry in enumerate(raw["data"]):
        try:
            article, entry_questions = _read_entry(entry, a, str(path))
        except (AttributeError, KeyError, TypeError) as exc:
            raise ValueError(f"malformed data[{a}]: {type(exc).__name__} {exc}") from exc
        articles.append(article)
        questions.extend(entry_questions)
    return Dataset(articles=list(articles), questions=questions)


def _read_entry(entry: dict[str, Any], a: int, path: str) -> tuple[Article, list[Question]]:
    """Return the Article and the answerable questions of one `data[]` entry."""
    title = str(entry.get("title", "")).replace("_", " ").strip()
    paragraphs = entry.get("paragraphs", [])
    text = "\n\n".join(str(p.get("context", "")).strip() for p in paragraphs)
    questions: list[Question] = []
    for paragraph in paragraphs:
        for qa in paragraph.get("qas", []):
            answers = tuple(dict.fromkeys(str(ans["text"]) for ans in qa.get("answers", [])))
            if answers:
                questions.append(Question(str(qa.get("id", "")), str(qa["question"]), a, answers))
    return Article(id=f"squad-{a}", title=title, text=text, path=f"{path}#{a}"), questions


def is_hit(hit: Hit, question: Question, articles: list[Article]) -> bool:
    """Return whether `hit` answers `question`: a gold answer inside it, and it comes from
    the question's article or is a copy of a sentence of it (`Hit.also`: search shows
    one sentence for all its copies)."""
    own = articles[question.article].id if question.article != ANY_ARTICLE else None
    copies = (hit.article.id, *(copy.article.id for copy in hit.also))
    if own is not None and own not in copies:
        return False
    sentence = yardstick_normalize(hit.text)
    return any(
        (gold := yardstick_normalize(answer)) and gold in sentence for answer in question.answers
    )


def first_hit_rank(hits: list[Hit], question: Question, articles: list[Article]) -> int | None:
    """Return the 1-based rank of the first hit among `hits`, or None when none is a hit."""
    for rank, hit in enumerate(hits, start=1):
        if is_hit(hit, question, articles):
            return rank
    return None


@dataclass(frozen=True, slots=True)
class Miss:
    """A question whose top-1 sentence was not a hit, for error analysis."""

    question: str
    answers: tuple[str, ...]
    rank: int | None
    top1: str | None
    top1_article: str | None


@dataclass(frozen=True, slots=True)
class Figures:
    """The yardstick figures of one evaluation run."""

    questions: int
    articles: int
    sentences: int
    hit_at_1: float
    hit_at_3: float
    hit_at_10: float
    mrr_at_10: float
    mean_top1_chars: float
    answered: float
    questions_per_second: float
    # Share of the questions in each answer band, and of the top-1 hits answered confidently.
    confident: float = 0.0
    uncertain: float = 0.0
    none: float = 0.0
    hits_kept_confident: float = 0.0


def figures_from_ranks(
    ranks: list[int | None], top1_lengths: list[int], seconds: float, articles: int, sentences: int
) -> Figures:
    """Return the figures for per-question first-hit `ranks` (None = no hit in the top 10).

    `top1_lengths` has one entry per question that got any sentence; the mean top-1 length
    and the answered share are taken over those.
    """
    n = len(ranks)

    def hit_at(k: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= k) / n if n else 0.0

    mrr = sum(1.0 / r for r in ranks if r is not None and r <= EVAL_DEPTH) / n if n else 0.0
    return Figures(
        questions=n,
        articles=articles,
        sentences=sentences,
        hit_at_1=hit_at(1),
        hit_at_3=hit_at(3),
        hit_at_10=hit_at(EVAL_DEPTH),
        mrr_at_10=mrr,
        mean_top1_chars=sum(top1_lengths) / len(top1_lengths) if top1_lengths else 0.0,
        answered=len(top1_lengths) / n if n else 0.0,
        questions_per_second=n / seconds if seconds > 0 else 0.0,
    )


def evaluate(
    dataset: Dataset, retriever: Retriever, top_k: int = EVAL_DEPTH
) -> tuple[Figures, list[Miss]]:
    """Ask every question of `dataset` to `retriever`; return the figures and the misses.

    `top_k` sentences are asked per question; Hit@k for k above it counts only those.
    """
    ranks: list[int | None] = []
    top1_lengths: list[int] = []
    misses: list[Miss] = []
    bands: list[Band] = []
    top1_correct: list[bool] = []
    started = time.perf_counter()
    for question in dataset.questions:
        result = retriever.respond(question.text, top_k=top_k)
        declined = result.band is Band.NONE and retriever.min_score > 0
        hits = [] if declined else result.hits  # what `search` returns
        rank = first_hit_rank(hits, question, dataset.articles)
        ranks.append(rank)
        bands.append(result.band)
        top1_correct.append(
            bool(result.hits) and is_hit(result.hits[0], question, dataset.articles)
        )
        if hits:
            top1_lengths.append(len(hits[0].text))
        if rank != 1:
            top = hits[0] if hits else None
            misses.append(
                Miss(
                    question=question.text,
                    answers=question.answers,
                    rank=rank,
                    top1=top.text if top else None,
                    top1_article=top.article.title if top else None,
                )
            )
    seconds = time.perf_counter() - started
    figures = figures_from_ranks(
        ranks, top1_lengths, seconds, len(dataset.articles), retriever.index.n_sentences
    )
    return with_bands(figures, top1_correct, bands), misses


def with_bands(figures: Figures, top1_correct: list[bool], bands: list[Band]) -> Figures:
    """Return `figures` with the share of each answer band and of the correct top-1
    sentences (before any is declined) that were answered confidently."""
    n = len(bands) or 1
    kept = [band for correct, band in zip(top1_correct, bands, strict=True) if correct]
    return replace(
        figures,
        confident=bands.count(Band.CONFIDENT) / n,
        uncertain=bands.count(Band.UNCERTAIN) / n,
        none=bands.count(Band.NONE) / n,
        hits_kept_confident=kept.count(Band.CONFIDENT) / len(kept) if kept else 0.0,
    )


def format_figures(figures: Figures) -> str:
    """Return the figures as aligned human-readable lines."""
    return "\n".join(
        [
            f"questions:        {figures.questions}",
            f"articles:         {figures.articles}",
            f"sentences:        {figures.sentences}",
            f"Hit@1:            {figures.hit_at_1:.3f}",
            f"Hit@3:            {figures.hit_at_3:.3f}",
            f"Hit@10:           {figures.hit_at_10:.3f}",
            f"MRR@10:           {figures.mrr_at_10:.3f}",
            f"mean top-1 chars: {figures.mean_top1_chars:.1f}",
            f"answered:         {figures.answered:.3f}",
            f"confident:        {figures.confident:.3f}",
            f"uncertain:        {figures.uncertain:.3f}",
            f"none:             {figures.none:.3f}",
            f"top-1 hits kept confident: {figures.hits_kept_confident:.3f}",
            f"questions/s:      {figures.questions_per_second:.0f}",
        ]
    )


def miss_to_json(miss: Miss) -> dict[str, Any]:
    """Return `miss` as one JSON object of the --report file."""
    return {
        "question": miss.question,
        "answers": list(miss.answers),
        "rank": miss.rank,
        "top1": miss.top1,
        "top1_article": miss.top1_article,
    }


def load_questions_jsonl(path: Path, articles: Sequence[Article]) -> Dataset:
    """Return `articles` with the questions of the JSONL file at `path`.

    Each line is {"question": str, "answers": [str, ...], "article_id": str | null}, the
    format `python -m retrieval feedback export` writes; lines whose `answers` are still
    empty are skipped, and without `article_id` a sentence of any article may be the hit.
    Raises OSError or ValueError for an unreadable file, a malformed line or an unknown
    article id.
    """
    positions = {article.id: n for n, article in enumerate(articles)}
    questions: list[Question] = []
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            answers = tuple(dict.fromkeys(str(a) for a in record.get("answers") or () if a))
            article_id = record.get("article_id")
            text = str(record["question"])
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"line {number}: {type(exc).__name__} {exc}") from exc
        if article_id is not None and str(article_id) not in positions:
            raise ValueError(f"line {number}: unknown article_id {article_id!r}")
        if answers:
            article = ANY_ARTICLE if article_id is None else positions[str(article_id)]
            questions.append(Question(f"line-{number}", text, article, answers))
    return Dataset(articles=list(articles), questions=questions)
