"""A held-out sanity check of the ranking on news: SaudiNewsNet + the seed, ~308k sentences.

    python benchmarks/news_quality_check.py [--data ../shared/data/saudinewsnet] [--questions 400]

There is no QA set for SaudiNewsNet, so questions are made from its sentences: a sentence
holding a number of two digits or more, the number removed, a third of its remaining words
kept in random order behind a question word (كم، ما، متى). A hit is a returned sentence whose
text is the source sentence (copies of a story in other papers count). The questions reuse
the sentence's own words, so this favours plain word overlap over context; it checks that
the parts tuned on XQuAD do not hurt on news, it does not measure paraphrase. Also prints the
p50/p90 latency of `Retriever.search` for each variant. Nothing is written into the repo.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
import zipfile
from pathlib import Path

from retrieval import ranking
from retrieval.corpus import Article, ArticleFormatError, make_article, read_corpus
from retrieval.index import build
from retrieval.search import Retriever

REPO = Path(__file__).resolve().parents[1]
_NUMBER = re.compile(r"\d{2,}")


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


def make_questions(retriever: Retriever, count: int, seed: int = 11) -> list[tuple[str, str]]:
    """Return (question, source sentence) pairs drawn from the corpus as the docstring says."""
    index = retriever.index
    rng = random.Random(seed)
    questions: list[tuple[str, str]] = []
    while len(questions) < count:
        text = index.sentence_text(rng.randrange(index.n_sentences))
        number = _NUMBER.search(text)
        if not number or not 60 <= len(text) <= 300:
            continue
        words = [w for w in text.replace(number.group(), " ").split() if len(w) > 2]
        if len(words) < 6:
            continue
        kept = rng.sample(words, max(4, len(words) // 3))
        questions.append((f"{rng.choice(['كم', 'ما', 'متى'])} {' '.join(kept)}؟", text))
    return questions


def main() -> None:
    """Print Hit@1, MRR@10 and latency per ranking variant."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/saudinewsnet")
    parser.add_argument("--questions", type=int, default=400)
    args = parser.parse_args()
    articles = read_news(args.data) + read_corpus(REPO / "corpus").articles
    started = time.perf_counter()
    index = build(articles)
    print(
        f"{len(articles)} articles, {index.n_sentences} sentences, built in "
        f"{time.perf_counter() - started:.0f} s"
    )
    default = ranking.RankingParams()
    variants = {
        "default ranking": Retriever(index, min_score=0.0),
        "default + no-answer threshold": Retriever(index),
        "plain BM25 over sentences": Retriever(
            index, min_score=0.0, ranking_params=ranking.RankingParams(1.5, 0.75, 0, 0, 0, 0)
        ),
        "− paragraph and article evidence": Retriever(
            index,
            min_score=0.0,
            ranking_params=ranking.RankingParams(
                default.sentence_k1,
                default.sentence_b,
                0,
                0,
                default.answer_type_weight,
                default.specificity_weight,
            ),
        ),
    }
    questions = make_questions(variants["default ranking"], args.questions)
    print("| ranking | Hit@1 | MRR@10 | p50 ms | p90 ms |")
    print("|---|---|---|---|---|")
    for name, retriever in variants.items():
        hit1 = mrr = 0.0
        latencies: list[float] = []
        for question, source in questions:
            started = time.perf_counter()
            hits = retriever.search(question, top_k=10)
            latencies.append((time.perf_counter() - started) * 1000)
            rank = next((k for k, h in enumerate(hits, 1) if h.text == source), None)
            if rank is not None:
                hit1 += rank == 1
                mrr += 1 / rank
        latencies.sort()
        n = len(questions)
        print(
            f"| {name} | {hit1 / n:.3f} | {mrr / n:.3f} | {latencies[n // 2]:.2f} "
            f"| {latencies[int(n * 0.9)]:.2f} |"
        )


if __name__ == "__main__":
    main()
