"""Search backends: where the corpus a question is ranked over comes from.

`base.SearchBackend` is the interface ("for these analyzed terms, give me the candidate
corpus"); the embedded in-memory index (`embedded.EmbeddedBackend`, the default) and
OpenSearch (`retrieval.opensearch.OpenSearchBackend`, through `candidates.candidate_corpus`)
implement it; `cut.CutBackend` cuts candidate corpora out of an in-memory index as a cluster
does (tests, benchmarks). `retrieval.search.Retriever` runs the one product ranking over any.
"""

from retrieval.backends.base import SearchBackend
from retrieval.backends.embedded import EmbeddedBackend

__all__ = ["EmbeddedBackend", "SearchBackend"]
