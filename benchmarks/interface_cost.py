"""What the candidate-corpus path costs beside the embedded index (docs/scaling.md).

    python benchmarks/interface_cost.py --corpus /tmp/scaling/corpus --index-dir \
        /tmp/scaling/index-x1 [--questions 300] [--candidates 300]

Times, on the same questions, `Retriever(index).search` (the default: the embedded backend
hands back its whole index, set up once) and `Retriever(CutBackend(index)).search` (each
question's candidate corpus cut out of the same index and compiled with the whole corpus's
figures, as the OpenSearch backend builds it, without the cluster's round trips), and counts
how often their top sentences agree. Both run the full product ranking (learned reranker,
confidence model). Noisy when other jobs share the machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import search_speed  # noqa: E402

from retrieval import store  # noqa: E402
from retrieval.backends.cut import CANDIDATE_SENTENCES, CutBackend  # noqa: E402
from retrieval.search import Retriever  # noqa: E402


def main() -> None:
    """Print p50/p99 per path and the agreement; see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--index-dir")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--candidates", type=int, default=CANDIDATE_SENTENCES)
    args = parser.parse_args()
    index_dir = Path(args.index_dir) if args.index_dir else None
    index = store.open_index(Path(args.corpus), index_dir).index
    questions = search_speed.make_questions(index, args.questions)
    whole = Retriever(index)
    cut = Retriever(CutBackend(index, args.candidates))
    for question in questions[:20]:  # warm the stemmer cache and the mapped pages
        whole.search(question)
        cut.search(question)
    tops: dict[str, list[str | None]] = {}
    for name, retriever in (("embedded (whole index)", whole), ("candidate corpus", cut)):
        seconds, tops[name] = [], []
        for question in questions:
            started = time.perf_counter()
            hits = retriever.search(question, top_k=1)
            seconds.append(time.perf_counter() - started)
            tops[name].append(hits[0].text if hits else None)
        p50, p99 = np.percentile(seconds, [50, 99]) * 1000
        print(f"{name:22s} p50 {p50:.1f} ms  p99 {p99:.1f} ms")
    same = sum(a == b for a, b in zip(*tops.values(), strict=True))
    print(f"same top sentence: {same}/{len(questions)}")


if __name__ == "__main__":
    main()
