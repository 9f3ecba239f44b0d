"""XQuAD-ar Hit@1 through the OpenSearch backend, beside the embedded index's.

Indexes the XQuAD-ar articles into a cluster (OPENSEARCH_URL, or a loopback osmem-server
started here when none is set), asks every question through both backends (the same
product `Retriever`: learned reranker, confidence model) and prints Hit@1, Hit@3, how often
the top sentences and the bands agree and the time per question. The agreement shows the
effect of the cluster's candidate selection (Lucene's idf, not rank-bm25's).

    python benchmarks/opensearch_quality.py [--limit N] [--candidates N]
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
from retrieval.index import build  # noqa: E402
from retrieval.opensearch import (  # noqa: E402
    CANDIDATE_SENTENCES,
    OpenSearchBackend,
    OpenSearchSettings,
    connect,
    sync_index,
)
from retrieval.search import Retriever  # noqa: E402

XQUAD = REPO.parent / "shared" / "data" / "xquad-ar" / "xquad.ar.json"


def main() -> None:
    """Print the figures; see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", default=str(XQUAD))
    parser.add_argument("--limit", type=int, default=0, help="questions asked (0: all)")
    parser.add_argument("--candidates", type=int, default=CANDIDATE_SENTENCES)
    args = parser.parse_args()
    dataset = evaluate.load_squad(Path(args.squad))
    questions = dataset.questions[: args.limit or None]
    embedded = Retriever(build(dataset.articles))
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
        cluster = Retriever(OpenSearchBackend(client, alias, args.candidates))
        results, bands = {}, {}
        for name, retriever in (("embedded", embedded), ("opensearch", cluster)):
            ranks, tops, banded, started = [], [], [], time.perf_counter()
            for q in questions:
                result = retriever.respond(q.text, top_k=3)
                ranks.append(evaluate.first_hit_rank(result.hits, q, dataset.articles))
                tops.append(result.hits[0].text if result.hits else None)
                banded.append(result.band)
            seconds = (time.perf_counter() - started) / len(questions)
            results[name], bands[name] = tops, banded
            hit1 = sum(r == 1 for r in ranks) / len(ranks)
            hit3 = sum(r is not None and r <= 3 for r in ranks) / len(ranks)
            print(
                f"{name:10s} Hit@1 {hit1:.3f}  Hit@3 {hit3:.3f}  {seconds * 1000:.1f} ms/question"
            )
        same = sum(a == b for a, b in zip(results["embedded"], results["opensearch"], strict=True))
        print(f"same top sentence: {same}/{len(questions)} ({same / len(questions):.3f})")
        alike = sum(a == b for a, b in zip(bands["embedded"], bands["opensearch"], strict=True))
        print(f"same band: {alike}/{len(questions)}")
        client.indices.delete(index=f"{alias}-*")


if __name__ == "__main__":
    main()
