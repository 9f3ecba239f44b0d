"""What answering through the backend interface costs the embedded index (docs/scaling.md).

    python benchmarks/interface_cost.py --corpus /tmp/scaling/corpus --index-dir \
        /tmp/scaling/index-x1 [--questions 300]

Times `Retriever.search` (the vectorised `Ranker`) against `BackendRetriever` over
`EmbeddedBackend` (the same hand ranking through `SearchBackend`) on the same questions, and
counts how often their top sentences agree. Noisy when other jobs share the machine.
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
from retrieval.backends import BackendRetriever, EmbeddedBackend  # noqa: E402
from retrieval.ranking import RankingParams  # noqa: E402
from retrieval.search import Retriever  # noqa: E402

# The backend ranks by hand (no learned reranker): the embedded reference does the same.
HAND_RANKING = RankingParams(rerank_depth=0)


def main() -> None:
    """Print p50/p95 per path and the agreement; see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--index-dir")
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    index_dir = Path(args.index_dir) if args.index_dir else None
    index = store.open_index(Path(args.corpus), index_dir).index
    questions = search_speed.make_questions(index, args.questions)
    # Ranked by hand and banded by coverage, as the backend does.
    direct = Retriever(index, confidence_model=None, ranking_params=HAND_RANKING)
    through = BackendRetriever(EmbeddedBackend(index))
    for question in questions[:20]:  # warm the stemmer cache and the mapped pages
        direct.search(question)
        through.search(question)
    for name, retriever in (("Retriever.search", direct), ("through the interface", through)):
        seconds = []
        for question in questions:
            started = time.perf_counter()
            retriever.search(question)
            seconds.append(time.perf_counter() - started)
        p50, p95 = np.percentile(seconds, [50, 95]) * 1000
        print(f"{name:22s} p50 {p50:.1f} ms  p95 {p95:.1f} ms")
    same = sum(
        [h.text for h in direct.search(q, top_k=1)] == [h.text for h in through.search(q, top_k=1)]
        for q in questions
    )
    print(f"same top sentence: {same}/{len(questions)}")


if __name__ == "__main__":
    main()
