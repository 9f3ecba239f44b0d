"""How often a reply spends a slot on a near-copy of another sentence of the same reply.

    python -m retrieval import ../shared/data/saudinewsnet/*.zip --into /tmp/big-corpus
    python benchmarks/duplicates_check.py --corpus /tmp/big-corpus [--index-dir DIR]

Asks 300 headline questions («ما الذي» / «ماذا عن» + two thirds of a headline's words, made by
`retrieval/newsqa.py` as for benchmarks/news_quality_check.py) as a new user would, and
reports the share of

- 3-sentence replies (`Retriever.search(q, 4)[:3]`, what the bot shows first), and
- 9-sentence lists (the first three «المزيد» pages: offsets 0, 3 and 6, as the bot pages)

that hold a near-duplicate pair: two sentences whose sets of analyzed terms have a Jaccard
similarity of at least 0.6. It also asks the news check's number, date and overlap questions
and reports Hit@1, Hit@3 and MRR@10 of the source sentence, counted as the news check counts
it (a copy found in another paper counts: `shown_key`), so that collapsing copies can be
seen not to cost answers. The persisted index goes to `--index-dir` (default
`<corpus>/.index`); nothing is written into the repository. `--clusters-only` shows what the
index's clusters do without search's exact check of the shown sentences.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from news_quality_check import shown_key  # noqa: E402

from retrieval import analyzer, dedup, store  # noqa: E402
from retrieval.index import CorpusIndex  # noqa: E402
from retrieval.newsqa import NewsQuestion, make_questions  # noqa: E402
from retrieval.search import Hit, Retriever  # noqa: E402

NEAR_DUPLICATE = 0.6
PAGE = 3
PAGES = 3


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Return the Jaccard similarity of two term sets (0 for two empty sets)."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def near_duplicate_pair(hits: Sequence[Hit]) -> tuple[Hit, Hit] | None:
    """Return the first pair of `hits` whose analyzed terms overlap ≥ NEAR_DUPLICATE, if any."""
    terms = [frozenset(analyzer.terms(h.text)) for h in hits]
    for (i, a), (j, b) in itertools.combinations(enumerate(terms), 2):
        if jaccard(a, b) >= NEAR_DUPLICATE:
            return hits[i], hits[j]
    return None


def pages(retriever: Retriever, question: str) -> list[Hit]:
    """Return the first PAGES «المزيد» pages of `question`, joined, paged as the bot pages:
    top_k + 1 hits asked from each offset, top_k shown."""
    shown: list[Hit] = []
    for page in range(PAGES):
        shown += retriever.search(question, PAGE + 1, page * PAGE)[:PAGE]
    return shown


def archived_view(index: CorpusIndex) -> CorpusIndex:
    """Return `index` with every article path ending in .zip.

    The news check draws only from articles read from the day archives (their path ends in
    .zip), to leave the seed article out; the imported corpus holds the same articles in
    .jsonl files.
    """
    articles = [dataclasses.replace(a, path=f"{a.path}#.zip") for a in index.articles]
    return dataclasses.replace(index, articles=articles)


def source_rank(retriever: Retriever, question: NewsQuestion) -> int | None:
    """Return the 1-based rank of the first hit showing the question's source sentence (or
    a copy of it, as the news check counts: `shown_key`), or None."""
    hits = retriever.search(question.text, top_k=10)
    keys = [shown_key(retriever.index, hit, question) for hit in hits]
    return keys.index(question.sentence_key) + 1 if question.sentence_key in keys else None


def duplicates(retriever: Retriever, questions: list[NewsQuestion]) -> None:
    """Print the near-duplicate shares of replies and lists, an example, and latency."""
    replies_with_pair = lists_with_pair = replies_multi = lists_multi = 0
    latencies: list[float] = []
    example: tuple[Hit, Hit] | None = None
    for q in questions:
        started = time.perf_counter()
        reply = retriever.search(q.text, PAGE + 1)[:PAGE]
        latencies.append((time.perf_counter() - started) * 1000)
        listed = pages(retriever, q.text)
        replies_multi += len(reply) >= 2
        lists_multi += len(listed) >= 2
        replies_with_pair += near_duplicate_pair(reply) is not None
        pair = near_duplicate_pair(listed)
        lists_with_pair += pair is not None
        example = example or pair
    n = len(questions)
    print(f"headline questions: {n} (replies with ≥ 2 sentences: {replies_multi})")
    print(f"3-sentence replies with a near-duplicate pair: {replies_with_pair / n:.1%}")
    print(f"9-sentence lists with a near-duplicate pair:   {lists_with_pair / n:.1%}")
    print(f"(lists with ≥ 2 sentences: {lists_multi})")
    print(f"Retriever.search p50 {statistics.median(latencies):.2f} ms")
    if example:
        for hit in example:
            print(f"  e.g. [{hit.article.source}] {hit.text[:120]}")


def news_hits(retriever: Retriever, questions: list[NewsQuestion]) -> None:
    """Print Hit@1, Hit@3 and MRR@10 of the source sentence (copies count) per kind."""
    for kind in ("number", "date", "overlap"):
        ranks = [source_rank(retriever, q) for q in questions if q.kind == kind]
        n = len(ranks)
        hit1 = sum(r == 1 for r in ranks) / n
        hit3 = sum(r is not None and r <= 3 for r in ranks) / n
        mrr = sum(1 / r for r in ranks if r is not None) / n
        print(f"news {kind}: Hit@1 {hit1:.3f}  Hit@3 {hit3:.3f}  MRR@10 {mrr:.3f}  (n = {n})")


def main() -> None:
    """Open the corpus index, make the questions and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="the imported SaudiNewsNet")
    parser.add_argument("--index-dir", type=Path, help="persisted index (default CORPUS/.index)")
    parser.add_argument("--questions", type=int, default=300, help="questions of each kind")
    parser.add_argument(
        "--clusters-only",
        action="store_true",
        help="collapse by the index's clusters alone, without search's exact check",
    )
    args = parser.parse_args()
    if args.clusters_only:  # every member of a cluster hidden, nothing else
        dedup.NEAR_COPY, dedup.COPY = math.inf, 0.0
    started = time.perf_counter()
    opened = store.open_index(args.corpus, args.index_dir)
    index = opened.index
    print(
        f"{len(index.articles)} articles, {index.n_sentences} sentences; index "
        f"{opened.outcome} in {time.perf_counter() - started:.1f} s"
    )
    questions = make_questions(archived_view(index), args.questions)
    retriever = Retriever(index)
    duplicates(retriever, [q for q in questions if q.kind == "headline"])
    news_hits(retriever, questions)


if __name__ == "__main__":
    main()
