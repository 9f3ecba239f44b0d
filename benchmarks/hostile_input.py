"""Hostile input, long run: the properties of tests/test_hostile_input.py with many examples.

Each property is run with `--examples` generated inputs (hypothesis, fixed seed) and the
number of inputs actually tried is printed; any failure stops the run with hypothesis's
minimal failing example and exit code 1.

    python -m benchmarks.hostile_input                    # 5,000 examples per property
    python -m benchmarks.hostile_input --examples 500
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot import replies
from retrieval.corpus import Article, ArticleFormatError, make_article
from retrieval.search import CorpusStats, Hit, Retriever
from tests.hostile_text import (
    article_meta,
    assert_valid_reply,
    check_question,
    check_rendering,
    hostile_articles,
    hostile_hits,
    hostile_text,
)

REPO = Path(__file__).resolve().parent.parent


def properties(retriever: Retriever, tried: Counter[str]) -> dict[str, Callable[[], None]]:
    """Return the properties to run, each counting its inputs into `tried`."""

    def questions(question: str) -> None:
        tried["questions searched and rendered"] += 1
        check_question(retriever, question)

    def hits(question: str, hits: list[Hit]) -> None:
        tried["hostile hit lists rendered"] += 1
        check_rendering(question, hits)
        check_rendering(question, hits, offset=3)

    def articles(article: Article, question: str) -> None:
        tried["hostile articles indexed"] += 1
        try:
            made = make_article("h", "h.txt", article_meta(article), article.text)
        except ArticleFormatError:
            return
        own = Retriever.from_articles([made])
        check_question(own, question)
        check_question(own, made.text[:300])

    def help_and_sources(articles: list[Article]) -> None:
        tried["help/sources over hostile articles"] += 1
        assert_valid_reply(replies.help_message(replies.example_questions(articles), 1))
        sources = Counter(a.source or "—" for a in articles)
        stats = CorpusStats(len(articles), 0, 0, dict(sources))
        assert_valid_reply(replies.sources_message(stats))

    return {
        "questions": given(question=hostile_text)(questions),
        "hits": given(question=hostile_text, hits=st.lists(hostile_hits(), max_size=4))(hits),
        "articles": given(article=hostile_articles(), question=hostile_text)(articles),
        "help": given(articles=st.lists(hostile_articles(), max_size=6))(help_and_sources),
    }


def main(argv: list[str] | None = None) -> int:
    """Run every property with many examples; print the inputs tried; 0 when all held."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--examples", type=int, default=5000, help="examples per property")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    args = parser.parse_args(argv)
    tried: Counter[str] = Counter()
    config = settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    started = time.monotonic()
    for name, prop in properties(Retriever.open(args.corpus), tried).items():
        began = time.monotonic()
        seed(args.seed)(config(prop))()
        print(f"{name}: held ({time.monotonic() - began:.1f}s)", flush=True)
    for label, count in tried.items():
        print(f"  {label}: {count}")
    print(f"inputs tried: {sum(tried.values())} in {time.monotonic() - started:.1f}s, no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
