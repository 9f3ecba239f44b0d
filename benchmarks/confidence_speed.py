"""What the answer confidence costs a search, on a persisted corpus index (SaudiNewsNet).

    python -m retrieval import ../shared/data/saudinewsnet/*.zip --into /tmp/big-corpus
    python -m retrieval index --corpus /tmp/big-corpus
    python benchmarks/confidence_speed.py --corpus /tmp/big-corpus [--questions 1000]

Questions are article titles with a question word and some words dropped. Each question is
asked with the confidence model and without it (the coverage fallback), interleaved, three
rounds; a question's time is its fastest round. Prints p50 / p90 / p99 ms of
`Retriever.search(question, top_k=3)` end to end for both.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np

from retrieval.search import Retriever
from retrieval.store import open_index


def questions(retriever: Retriever, count: int, seed: int = 5) -> list[str]:
    """Return `count` questions made from random article titles."""
    rng = random.Random(seed)
    made: list[str] = []
    while len(made) < count:
        words = rng.choice(retriever.articles).title.split()
        if len(words) >= 3:
            kept = rng.sample(words, max(2, len(words) * 2 // 3))
            made.append(f"{rng.choice(['ما', 'متى', 'كم', 'من'])} {' '.join(kept)}؟")
    return made


def main() -> None:
    """Time both variants and print the percentiles."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=1000)
    args = parser.parse_args()
    index = open_index(args.corpus).index
    variants = {
        "with the confidence model": Retriever(index),
        "coverage fallback (no model)": Retriever(index, confidence_model=None),
    }
    asked = questions(next(iter(variants.values())), args.questions)
    best = {name: np.full(len(asked), np.inf) for name in variants}
    for _ in range(3):
        for i, question in enumerate(asked):
            for name, retriever in variants.items():
                started = time.perf_counter()
                retriever.search(question, top_k=3)
                best[name][i] = min(best[name][i], time.perf_counter() - started)
    print(f"{index.n_sentences} sentences, {len(asked)} questions, fastest of 3 rounds")
    print("| search | p50 / p90 / p99 ms |")
    print("|---|---|")
    for name, seconds in best.items():
        p50, p90, p99 = (float(np.percentile(seconds * 1000, q)) for q in (50, 90, 99))
        print(f"| {name} | {p50:.2f} / {p90:.2f} / {p99:.2f} |")


if __name__ == "__main__":
    main()
