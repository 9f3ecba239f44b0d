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
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from retrieval import ranking
from retrieval.corpus import Article, read_corpus
from retrieval.index import CorpusIndex, build
from retrieval.newsqa import (
    KINDS,
    NewsQuestion,
    check_questions,
    day_of,
    is_copy,
    read_news,
    training_days,
)
from retrieval.search import Hit, Retriever

REPO = Path(__file__).resolve().parents[1]


def shown_key(index: CorpusIndex, hit: Hit, q: NewsQuestion) -> int:
    """Return the key of the sentence `hit` shows, or the source sentence's key when search
    shows `hit` for its copies (`Hit.also`) and `hit` is a copy of the source sentence."""
    copies = {int(index.sent_key[c.sentence]) for c in getattr(hit, "also", ())}
    if q.sentence_key in copies and is_copy(hit.text, q.sentence_terms):
        return int(q.sentence_key)
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


def days(articles: list[Article]) -> set[str]:
    """Return the day archives the articles come from."""
    return {day_of(a) for a in articles if a.path.endswith(".zip")}


def variants(index: CorpusIndex) -> dict[str, Retriever]:
    """Return the ranking variants compared: the product, and parts switched off."""
    default = ranking.RankingParams(rerank_depth=0)
    return {
        "default ranking + no-answer threshold (the product)": Retriever(index),
        "default ranking": Retriever(index, min_score=0.0),
        "hand-weighted ranking (reranker off) + threshold": Retriever(
            index, ranking_params=default
        ),
        "− article evidence": Retriever(
            index, min_score=0.0, ranking_params=replace(default, article_weight=0.0)
        ),
        "− paragraph and article evidence": Retriever(
            index,
            min_score=0.0,
            ranking_params=replace(default, paragraph_weight=0.0, article_weight=0.0),
        ),
        "plain BM25 over sentences": Retriever(
            index,
            min_score=0.0,
            ranking_params=ranking.RankingParams(1.5, 0.75, 0, 0, 0, 0, rerank_depth=0),
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
    train = training_days(articles)
    questions = check_questions(index, args.questions)
    print(f"questions from the {len(days(articles)) - len(train)} day files not trained on")
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
