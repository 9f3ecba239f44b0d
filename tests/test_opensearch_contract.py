"""Contract suite against a real OpenSearch/Elasticsearch-API cluster.

Runs only when OPENSEARCH_URL is set (with OPENSEARCH_USER / OPENSEARCH_PASSWORD /
OPENSEARCH_CA_CERTS as needed): `OPENSEARCH_URL=https://… python -m pytest -m opensearch`.
It writes to its own aliases (`contract-…`) and deletes them afterwards.

Both sides run the full product ranking (`Retriever`: learned reranker, calibrated
confidence); the cluster's goes over a candidate corpus (retrieval/backends/candidates.py).
Tolerance: on a real cluster the candidate sentences are chosen by Lucene's BM25 (always
positive idf, no (k1 + 1) factor, lossy length norm) before the candidate corpus is compiled
with rank-bm25's weights. docs/scaling.md measured the effect of that selection by replaying
Lucene's formula: no top sentence changed on XQuAD. The suite allows 2 % for what the replay
does not model (the lossy length norm, per-shard statistics, the highest sentence weight of
a term read from Lucene's best sentence for it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from retrieval import evaluate
from retrieval.index import build
from retrieval.opensearch import OpenSearchBackend, OpenSearchSettings, connect, sync_index
from retrieval.search import Retriever
from tests.conftest import CORPUS_DIR, SHARED_DATA
from tests.test_backends import SEED_QUESTIONS

pytestmark = [
    pytest.mark.opensearch,
    pytest.mark.skipif(not os.environ.get("OPENSEARCH_URL"), reason="OPENSEARCH_URL not set"),
]
XQUAD = SHARED_DATA / "xquad-ar" / "xquad.ar.json"
XQUAD_TOP_SENTENCE_AGREEMENT = 0.98


@pytest.fixture(scope="module")
def client() -> Any:
    pytest.importorskip("opensearchpy")
    return connect(OpenSearchSettings.from_env())


@pytest.fixture
def alias(client: Any) -> Iterator[str]:
    name = f"contract-{uuid.uuid4().hex[:10]}"
    yield name
    client.indices.delete(index=f"{name}-*", ignore_unavailable=True)


def test_seed_questions_get_the_embedded_top_sentence_from_the_cluster(
    client: Any, alias: str
) -> None:
    embedded = Retriever.open(CORPUS_DIR)
    sync_index(client, alias, embedded.index)
    cluster = Retriever(OpenSearchBackend(client, alias))
    for question in SEED_QUESTIONS:
        assert [h.text for h in cluster.search(question, top_k=1)] == [
            h.text for h in embedded.search(question, top_k=1)
        ]


def test_xquad_top_sentences_agree_with_the_embedded_backend_within_tolerance(
    client: Any, alias: str
) -> None:
    if not XQUAD.exists():
        pytest.skip(f"shared data not found: {XQUAD}")
    dataset = evaluate.load_squad(XQUAD)
    embedded = Retriever(build(dataset.articles))
    sync_index(client, alias, embedded.index)
    cluster = Retriever(OpenSearchBackend(client, alias))
    same = sum(
        [h.text for h in cluster.search(q.text, top_k=1)]
        == [h.text for h in embedded.search(q.text, top_k=1)]
        for q in dataset.questions
    )
    assert same / len(dataset.questions) >= XQUAD_TOP_SENTENCE_AGREEMENT
