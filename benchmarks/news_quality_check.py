"""A held-out check of the ranking on news: SaudiNewsNet + the seed article, ~308k sentences.

    python benchmarks/news_quality_check.py [--data ../shared/data/saudinewsnet] [--questions 300]

There is no QA set for SaudiNewsNet, so questions are made from its articles the way a reader
who has seen the headline would ask them, with the headline's words rather than the
sentence's own:

- number: a sentence holding a number (not a year, not a day of a month) → «كم» + the
  two words right after the number (what is counted) + half of the headline's words; the
  number is not in the question.
- date: a sentence holding a year or a month name → «متى» + the three words before the date
  (the event) + half of the headline's words; the date is not in the question.
- headline: «ما الذي» / «ماذا عن» + two thirds of the headline's words; answered by the story.
- overlap (the earlier check): a third of a numbered sentence's own words behind كم/ما/متى.

A number, date or overlap question is a hit when the returned sentence has the source
sentence's normalized text (its copy in another paper counts, and so does a reworded copy
shown for it: search shows one sentence per story, `Hit.also`); "copy" also counts a reworded
copy (half of the distinct terms of the two sentences shared); every kind also reports the
story hit: the returned sentence comes from the source article or from an article with the
same normalized headline (the same story in another paper). Prints Hit@1, copy Hit@1, MRR@10
and story Hit@1 per ranking variant and kind, and the p50/p90 latency of `Retriever.search`.
Reads the zips in place; nothing is written into the repo.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval import analyzer, ranking
from retrieval.corpus import Article, ArticleFormatError, make_article, read_corpus
from retrieval.index import CorpusIndex, build
from retrieval.normalize import normalize_for_comparison
from retrieval.search import Hit, Retriever

REPO = Path(__file__).resolve().parents[1]
KINDS = ("number", "date", "headline", "overlap")
_NUMBER = re.compile(r"(?<![\d.,])\d{2,}(?:[.,]\d+)*(?![\d.,])")
_ANY_NUMBER = re.compile(r"\d{2,}")  # the earlier check's rule, kept for its questions
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_MONTHS = frozenset(
    "يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر "
    "محرم صفر ربيع جمادي رجب شعبان رمضان شوال القعده الحجه".split()
)


@dataclass(frozen=True, slots=True)
class NewsQuestion:
    """A generated question, the key of the sentence answering it and the articles of its story."""

    kind: str
    text: str
    sentence_key: int | None  # None: any sentence of the story answers (headline questions)
    story: frozenset[int]
    sentence_terms: frozenset[str]  # index terms of the source sentence (empty for headline)


def read_news(data: Path) -> list[Article]:
    """Return the SaudiNewsNet articles of every day archive under `data`."""
    articles: list[Article] = []
    for path in sorted(data.glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            records = json.loads(archive.read(archive.namelist()[0]))
        for n, record in enumerate(records):
            meta = {k: record.get(k) for k in ("title", "source", "url", "author")}
            meta["date"] = record.get("date_extracted")
            try:
                articles.append(
                    make_article(f"{path.stem}-{n}", path.name, meta, record.get("content") or "")
                )
            except ArticleFormatError:
                continue
    return articles


def content_words(text: str) -> list[str]:
    """Return the words of `text` (as written) that are neither stopwords nor numbers."""
    words = [w.strip("«»\"'().,:؛،؟!-") for w in text.split()]
    return [w for w in words if len(w) > 2 and analyzer.terms(w) and not w[0].isdigit()]


def stories(index: CorpusIndex) -> dict[str, list[int]]:
    """Return the article ids of each normalized headline (one story, several papers)."""
    by_title: dict[str, list[int]] = defaultdict(list)
    for a, article in enumerate(index.articles):
        by_title[normalize_for_comparison(article.title)].append(a)
    return by_title


def make_questions(index: CorpusIndex, per_kind: int, seed: int = 11) -> list[NewsQuestion]:
    """Return `per_kind` questions of each kind, drawn as the module docstring says."""
    rng = random.Random(seed)
    by_title = stories(index)
    made: dict[str, list[NewsQuestion]] = {kind: [] for kind in KINDS}
    while any(len(made[kind]) < per_kind for kind in KINDS):
        s = rng.randrange(index.n_sentences)
        a = int(index.sent_article[s])
        article = index.articles[a]
        text = index.sentence_text(s)
        title_words = content_words(article.title)
        if not article.path.endswith(".zip") or len(title_words) < 3 or not 60 <= len(text) <= 300:
            continue
        story = frozenset(by_title[normalize_for_comparison(article.title)]) | {a}
        key = int(index.sent_key[s])
        words = text.split()
        headline = rng.sample(title_words, max(2, len(title_words) // 2))
        kind = rng.choice(KINDS)
        question: str | None = None
        if kind == "number":
            at = next((i for i, w in enumerate(words) if _NUMBER.fullmatch(w.strip("،.%"))), None)
            after = words[at + 1 : at + 3] if at is not None else []
            counted = content_words(" ".join(after))
            if counted and not _YEAR.match(words[at]) and not any(map(_is_date, after)):
                question = f"كم {' '.join(counted)} {' '.join(headline)}؟"
        elif kind == "date":
            at = next((i for i, w in enumerate(words) if _is_date(w)), None)
            event = content_words(" ".join(words[max(0, at - 4) : at])) if at else []
            if len(event) >= 2:
                question = f"متى {' '.join(event[-3:])} {' '.join(headline)}؟"
        elif kind == "headline":
            kept = rng.sample(title_words, max(2, 2 * len(title_words) // 3))
            question = f"{rng.choice(['ما الذي', 'ماذا عن'])} {' '.join(kept)}؟"
            key = None
        else:
            number = _ANY_NUMBER.search(text)
            own = text.replace(number.group(), " ").split() if number else []
            own = [w for w in own if len(w) > 2]
            if len(own) >= 6:
                kept = rng.sample(own, max(4, len(own) // 3))
                question = f"{rng.choice(['كم', 'ما', 'متى'])} {' '.join(kept)}؟"
        if question and len(made[kind]) < per_kind:
            terms = frozenset(analyzer.terms(text)) if key is not None else frozenset()
            made[kind].append(NewsQuestion(kind, question, key, story, terms))
    return [q for kind in KINDS for q in made[kind]]


def _is_date(word: str) -> bool:
    """Return whether `word` is a year or a month name (with an attached و ف ب ل)."""
    folded = analyzer.tokens(word)
    if not folded:
        return False
    token = folded[0]
    return bool(_YEAR.match(token)) or token in _MONTHS or token[1:] in _MONTHS


def is_copy(text: str, source_terms: frozenset[str]) -> bool:
    """Return whether sentence `text` is the source sentence or a reworded copy of it: at
    least half of the distinct terms of the two are shared (another paper's wording)."""
    terms = frozenset(analyzer.terms(text))
    union = terms | source_terms
    return bool(union) and len(terms & source_terms) / len(union) >= 0.5


def shown_key(index: CorpusIndex, hit: Hit, q: NewsQuestion) -> int:
    """Return the key of the sentence `hit` shows, or the source sentence's key when search
    shows `hit` for its copies (`Hit.also`) and `hit` is a copy of the source sentence."""
    copies = {int(index.sent_key[c.sentence]) for c in hit.also}
    if q.sentence_key in copies and is_copy(hit.text, q.sentence_terms):
        return q.sentence_key
    return int(index.sent_key[hit.sentence])


def measure(retriever: Retriever, questions: list[NewsQuestion]) -> dict[str, tuple[float, ...]]:
    """Return per kind (Hit@1, MRR@10, story Hit@1, copy Hit@1) and, under "latency",
    (p50, p90) ms."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0] * 5)
    latencies: list[float] = []
    index = retriever.index
    for q in questions:
        started = time.perf_counter()
        hits = retriever.search(q.text, top_k=10)
        latencies.append((time.perf_counter() - started) * 1000)
        row = totals[q.kind]
        row[4] += 1
        if not hits:
            continue
        row[2] += int(index.sent_article[hits[0].sentence]) in q.story
        if q.sentence_key is None:
            continue
        row[3] += is_copy(hits[0].text, q.sentence_terms)
        keys = [shown_key(index, h, q) for h in hits]
        if q.sentence_key in keys:
            rank = keys.index(q.sentence_key) + 1
            row[0] += rank == 1
            row[1] += 1 / rank
    result: dict[str, tuple[float, ...]] = {
        kind: (hit / n, mrr / n, story / n, copy / n)
        for kind, (hit, mrr, story, copy, n) in totals.items()
    }
    latencies.sort()
    n = len(latencies)
    result["latency"] = (latencies[n // 2], latencies[int(n * 0.9)])
    return result


def variants(index: CorpusIndex) -> dict[str, Retriever]:
    """Return the ranking variants compared: the product, and parts switched off."""
    default = ranking.RankingParams()
    return {
        "default ranking + no-answer threshold (the product)": Retriever(index),
        "default ranking": Retriever(index, min_score=0.0),
        "− article evidence": Retriever(
            index, min_score=0.0, ranking_params=replace(default, article_weight=0.0)
        ),
        "− paragraph and article evidence": Retriever(
            index,
            min_score=0.0,
            ranking_params=replace(default, paragraph_weight=0.0, article_weight=0.0),
        ),
        "plain BM25 over sentences": Retriever(
            index, min_score=0.0, ranking_params=ranking.RankingParams(1.5, 0.75, 0, 0, 0, 0)
        ),
    }


def main() -> None:
    """Build the news index, make the questions and print one table row per variant."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/saudinewsnet")
    parser.add_argument("--questions", type=int, default=300, help="questions of each kind")
    args = parser.parse_args()
    articles = read_news(args.data) + read_corpus(REPO / "corpus").articles
    started = time.perf_counter()
    index = build(articles)
    print(
        f"{len(articles)} articles, {index.n_sentences} sentences, built in "
        f"{time.perf_counter() - started:.0f} s"
    )
    questions = make_questions(index, args.questions)
    for kind in KINDS:
        example = next(q.text for q in questions if q.kind == kind)
        print(f"{kind}: {sum(q.kind == kind for q in questions)} questions, e.g. {example}")
    print(
        "| ranking | number Hit@1 / copy / MRR / story | date Hit@1 / copy / MRR / story "
        "| headline story Hit@1 | overlap Hit@1 / copy / MRR | p50 / p90 ms |"
    )
    print("|---|---|---|---|---|---|")
    for name, retriever in variants(index).items():
        r = measure(retriever, questions)
        cells = [
            " / ".join(f"{r['number'][i]:.3f}" for i in (0, 3, 1, 2)),
            " / ".join(f"{r['date'][i]:.3f}" for i in (0, 3, 1, 2)),
            f"{r['headline'][2]:.3f}",
            " / ".join(f"{r['overlap'][i]:.3f}" for i in (0, 3, 1)),
            f"{r['latency'][0]:.2f} / {r['latency'][1]:.2f}",
        ]
        print(f"| {name} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
