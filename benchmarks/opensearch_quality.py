"""XQuAD-ar Hit@1 through the OpenSearch backend, beside the embedded index's.

Indexes the XQuAD-ar articles into a cluster (OPENSEARCH_URL, or a loopback osmem-server
started here when none is set), asks every question through both backends and prints Hit@1,
Hit@3, how often the top sentences agree and the time per question. Also shows the effect
of the cluster's candidate selection (Lucene's idf, not rank-bm25's) by the agreement.

    python benchmarks/opensearch_quality.py [--limit N] [--fetch-factor F]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval import evaluate  # noqa: E402
from retrieval.backends import BackendRetriever  # noqa: E402
from retrieval.backends.rank import FETCH_FACTOR  # noqa: E402
from retrieval.index import build  # noqa: E402
from retrieval.opensearch import (  # noqa: E402
    OpenSearchBackend,
    OpenSearchSettings,
    connect,
    sync_index,
)
from retrieval.ranking import RankingParams  # noqa: E402
from retrieval.search import Retriever  # noqa: E402

# The backend ranks by hand (no learned reranker): the embedded reference does the same.
HAND_RANKING = RankingParams(rerank_depth=0)

XQUAD = REPO.parent / "shared" / "data" / "xquad-ar" / "xquad.ar.json"


def main() -> None:
    """Print the figures; see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", default=str(XQUAD))
    parser.add_argument("--limit", type=int, default=0, help="questions asked (0: all)")
    parser.add_argument("--fetch-factor", type=int, default=FETCH_FACTOR)
    args = parser.parse_args()
    dataset = evaluate.load_squad(Path(args.squad))
    questions = dataset.questions[: args.limit or None]
    embedded = Retriever(
        build(dataset.articles), confidence_model=None, ranking_params=HAND_RANKING
    )
    if os.environ.get("OPENSEARCH_URL"):
        server = nullcontext(os.environ["OPENSEARCH_URL"])
    else:
        from tests.opensearch_server import osmem_server

        server = osmem_server()
    with server as url:
        settings = OpenSearchSettings.from_env(url=url)
        client = connect(settings)
        alias = settings.index + "-xquad-bench"
        started = time.perf_counter()
        sync_index(client, alias, embedded.index, rebuild=True)
        print(f"indexed {len(dataset.articles)} articles in {time.perf_counter() - started:.1f} s")
        cluster = BackendRetriever(OpenSearchBackend(client, alias), fetch_factor=args.fetch_factor)
        results = {}
        for name, retriever in (("embedded", embedded), ("opensearch", cluster)):
            ranks, tops, started = [], [], time.perf_counter()
            for q in questions:
                hits = retriever.search(q.text, top_k=3)
                ranks.append(evaluate.first_hit_rank(hits, q, dataset.articles))
                tops.append(hits[0].text if hits else None)
            seconds = (time.perf_counter() - started) / len(questions)
            results[name] = tops
            hit1 = sum(r == 1 for r in ranks) / len(ranks)
            hit3 = sum(r is not None and r <= 3 for r in ranks) / len(ranks)
            print(
                f"{name:10s} Hit@1 {hit1:.3f}  Hit@3 {hit3:.3f}  {seconds * 1000:.1f} ms/question"
            )
        same = sum(a == b for a, b in zip(results["embedded"], results["opensearch"], strict=True))
        print(f"same top sentence: {same}/{len(questions)} ({same / len(questions):.3f})")
        client.indices.delete(index=f"{alias}-*")


if __name__ == "__main__":
    main()
