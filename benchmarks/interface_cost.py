"""What the candidate-corpus path costs beside the embedded index (docs/scaling.md).

    python benchmarks/interface_cost.py --corpus /tmp/i13/scaling/corpus --index-dir \
        /tmp/i13/scaling/index-x1 [--questions 300] [--candidates 300] [--embedded-only]

Times, on the same questions, `Retriever(index).search` (the default: the embedded backend
hands back its whole index, set up once) and `Retriever(CutBackend(index)).search` (each
question's candidate corpus cut out of the same index and compiled with the whole corpus's
figures, as the OpenSearch backend builds it, without the cluster's round trips), and counts
how often their top sentences agree. Both run the full product ranking (learned reranker,
confidence model). `--embedded-only` times the first alone and imports nothing else, so it
also runs over an older checkout (`PYTHONPATH=/tmp/before python benchmarks/...`): the
before/after figure of the default path. Noisy when other jobs share the machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from retrieval import store
from retrieval.search import Retriever

# After `retrieval`: search_speed puts this checkout first on the path, and an older
# checkout given by PYTHONPATH must stay the one measured.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import search_speed

WARM_UP = 30  # searches before timing: the stemmer cache and the mapped pages
ROUNDS = 2  # each question asked this many times


def timed(retriever: Retriever, questions: list[str]) -> tuple[float, float, list[str | None]]:
    """Return p50 and p99 (ms) of `retriever.search` over `questions`, and the top texts."""
    for question in questions[:WARM_UP]:
        retriever.search(question)
    seconds, tops = [], []
    for _ in range(ROUNDS):
        tops = []
        for question in questions:
            started = time.perf_counter()
            hits = retriever.search(question, top_k=1)
            seconds.append(time.perf_counter() - started)
            tops.append(hits[0].text if hits else None)
    p50, p99 = np.percentile(seconds, [50, 99]) * 1000
    return float(p50), float(p99), tops


def main() -> None:
    """Print p50/p99 per path and the agreement; see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--index-dir")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--embedded-only", action="store_true")
    args = parser.parse_args()
    index_dir = Path(args.index_dir) if args.index_dir else None
    index = store.open_index(Path(args.corpus), index_dir).index
    print(f"retrieval from {Path(store.__file__).parent.parent.parent}")
    questions = search_speed.make_questions(index, args.questions)
    paths = {"embedded (whole index)": Retriever(index)}
    if not args.embedded_only:
        from retrieval.backends.cut import CutBackend

        paths["candidate corpus"] = Retriever(CutBackend(index, args.candidates))
    tops = []
    for name, retriever in paths.items():
        p50, p99, found = timed(retriever, questions)
        tops.append(found)
        print(f"{name:22s} p50 {p50:.2f} ms  p99 {p99:.2f} ms  ({index.n_sentences} sentences)")
    if len(tops) == 2:
        same = sum(a == b for a, b in zip(*tops, strict=True))
        print(f"same top sentence: {same}/{len(questions)}")


if __name__ == "__main__":
    main()
